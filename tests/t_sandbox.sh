#!/bin/bash
# What qmail-pem parses from others runs in sandboxed children (issue 22),
# seen with strace -f on real runs.  install --key, --cert, --chain,
# --pkcs12 (an encrypted key, a PKCS#12 file) opens the files in its own
# process and decodes them in children that load a seccomp filter and open
# no file after it; verify --connect resolves the name itself, and the
# connect(2) to the server (with the SMTP dialogue and the TLS handshake
# after it) comes from a child that loaded the filter, never from the
# command.  unit_sandbox and unit_decodechild show the rest: the
# children's empty capability sets, no_new_privs and filter seen in
# /proc/PID/status, a forbidden call killing the child with a clear
# message, the same results and messages as decoding in-process.
# labels: once
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/pki.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
. "$QP_SRCDIR/tests/live_lib.sh"
qp_setup
qp_require strace
pki_init
live_init

w="$QP_TMP/in"
mkdir -m 0755 "$w"
pki_key "$w/key.pem" ec
pki_leaf "$w/key.pem" "$w/leaf.pem"
openssl pkcs8 -topk8 -in "$w/key.pem" -v2 aes-256-cbc -passout pass:s3cret \
    -out "$w/enc.pem"
openssl pkcs12 -export -inkey "$w/key.pem" -in "$w/leaf.pem" \
    -certfile "$PKI/int.pem" -passout pass:s3cret -out "$w/bundle.p12"

# traced FILE CMD...: run CMD under strace -f, the calls that matter to
# FILE; its status in $TRACED_RC.
traced() {
	local out=$1
	shift
	TRACED_RC=0
	strace -f -qq -o "$out" \
	    -e trace=openat,open,seccomp,connect,socket,execve "$@" \
	    >"$out.out" 2>"$out.err" || TRACED_RC=$?
}

# The command's pid (the first line), and the children that loaded a
# filter (libseccomp's probes of what the kernel knows fail with EFAULT).
main_pid() { awk 'NR == 1 { print $1 }' "$1"; }
filtered_pids() {
	grep -E '^[0-9]+ +seccomp\(SECCOMP_SET_MODE_FILTER, 0, \{.*= 0$' "$1" |
	    awk '{ print $1 }' | sort -u
}

# Each filtered child opened nothing once its filter was loaded.
no_open_after_filter() {
	local trace=$1 pid
	for pid in $(filtered_pids "$trace"); do
		if awk -v p="$pid" '$1 == p && /SECCOMP_SET_MODE_FILTER, 0, \{/ { f = 1; next }
		    f && $1 == p && /open(at)?\(/ { bad = 1 } END { exit !bad }' \
		    "$trace"; then
			qp_fail "child $pid opened a file after loading its filter"
		fi
	done
	qp_ok "no filtered child opened a file after its filter"
}

# --- install: the files are opened by the command, decoded by children ----
ctl=$(qp_mkcontrol)
t="$QP_TMP/install.trace"
traced "$t" "$QMAIL_PEM" install --dry-run -d "$ctl" --key "$w/enc.pem" \
    --passin pass:s3cret --cert "$w/leaf.pem" --chain "$PKI/int.pem"
qp_assert_eq 0 "$TRACED_RC" "install --dry-run with --key, --cert, --chain"
qp_assert_contains "$(cat "$t.out")" "imported \"CN=mail.example.com\"" \
    "the import was planned"
main=$(main_pid "$t")
for f in enc.pem leaf.pem; do
	grep -qE "^$main +openat\(.*$w/$f\"" "$t" ||
	    qp_fail "the command did not open $f itself"
done
qp_ok "the command opens the files it was given"
kids=$(filtered_pids "$t" | wc -l)
# The key twice (the first child finds it encrypted and asks for the
# password), then the certificate and the chain.
qp_assert_eq 4 "$kids" "four decoding children loaded the filter"
filtered_pids "$t" | grep -qx "$main" &&
    qp_fail "the command itself loaded a filter"
no_open_after_filter "$t"

t="$QP_TMP/pkcs12.trace"
traced "$t" "$QMAIL_PEM" install --dry-run -d "$ctl" \
    --pkcs12 "$w/bundle.p12" --passin pass:s3cret
qp_assert_eq 0 "$TRACED_RC" "install --dry-run --pkcs12"
main=$(main_pid "$t")
grep -qE "^$main +openat\(.*$w/bundle.p12\"" "$t" ||
    qp_fail "the command did not open bundle.p12 itself"
qp_assert_eq 2 "$(filtered_pids "$t" | wc -l)" \
    "the PKCS#12 file: a child for the password, one to decode"
no_open_after_filter "$t"

# A broken file: the child's message, as the command gives it.
printf 'not a certificate\n' >"$w/broken.pem"
t="$QP_TMP/broken.trace"
traced "$t" "$QMAIL_PEM" install --dry-run -d "$ctl" --key "$w/key.pem" \
    --cert "$w/broken.pem"
qp_assert_eq 65 "$TRACED_RC" "a broken --cert: EX_DATAERR"
qp_assert_eq "qmail-pem: $w/broken.pem (--cert) is not a certificate in PEM or DER form: give the certificate file from the CA" \
    "$(cat "$t.err")" "the decoder's message, once"

# --- verify --connect: the dialogue comes from a filtered child ------------
vl_selfsigned "$QP_TMP/srv"
cat "$QP_TMP/srv.key" "$QP_TMP/srv.crt" >"$QP_TMP/srv.pem"
live_start tls --mode aiosmtpd --cert "$QP_TMP/srv.pem" --auth after
port=$LIVE_PORT
t="$QP_TMP/live.trace"
traced "$t" "$QMAIL_PEM" verify --connect "localhost:$port"
qp_assert_contains "$(cat "$t.out")" "smtp:localhost:$port" \
    "verify --connect reported on the server"
main=$(main_pid "$t")
conn=$(grep -E "connect\(.*htons\($port\)" "$t" | awk '{ print $1 }' | sort -u)
qp_assert_eq 1 "$(printf '%s\n' "$conn" | grep -c .)" \
    "one process connected to the server"
[ "$conn" != "$main" ] || qp_fail "the command connected to the server itself"
filtered_pids "$t" | grep -qx "$conn" ||
    qp_fail "the process that connected ($conn) loaded no filter"
qp_ok "the connection to the server comes from a filtered child"
no_open_after_filter "$t"
live_stop tls

qp_done
