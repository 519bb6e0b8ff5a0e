#!/bin/bash
# t_secrets.sh: no key material in any message, and the process keeps its
# keys to itself.
#
# 1. Every refusal we can provoke (the damaged sample files, a key that does
#    not match its certificate, wrong passwords for an encrypted key and a
#    PKCS#12 file, an encrypted key in servercert.pem, a key given as the
#    certificate, a full disk while writing) runs with -v where it exists;
#    its stdout and stderr must hold no "PRIVATE KEY", no "-----BEGIN", no
#    20-character piece of the base64 body of any private key involved and
#    not the password.
# 2. A qmail-pem that waits for the directory lock (another writer holds
#    it) is looked at through /proc: umask 0077, core file size limit 0,
#    exactly the capabilities qmail-pem(8) lists for the command (effective
#    and bounding sets, decoded with capsh), and, run as another user,
#    not dumpable (its /proc files then belong to root, not to the user).
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
. "$QP_SRCDIR/tests/hardening.sh"
qp_require capsh flock python3 strace

samples=$(qp_samples_dir)
[ -d "$samples" ] || qp_fail "no sample directory $samples"
w=$QP_TMP/w
mkdir -m 0755 "$w"
outs=$QP_TMP/outputs
mkdir -m 0700 "$outs"
keys=$QP_TMP/keys	# every private key whose material must not show
mkdir -m 0700 "$keys"
PW=Corr3ct-h0rse-battery
BAD=wr0ng-Passw0rd-x

n=0
# run_all WHAT CMD...: run CMD, keep its stdout and stderr for the grep.
run_all() {
	local what=$1 st=0
	shift
	n=$((n + 1))
	timeout -k 5 60 "$@" >"$outs/$n.out" 2>"$outs/$n.err" || st=$?
	printf '%s (exit %s)\n' "$what" "$st" >"$outs/$n.what"
}

# --- 1. provoke refusals --------------------------------------------------------
# The damaged samples, each as servercert.pem (and then clientcert.pem).
# In the valgrind_ twin one of the three runs of a sample (install as each
# file, verify) is under memcheck, in turn (qp_turn): the messages are the
# same text either way; t_samples_read's twin memchecks every sample
# through verify, and t_samples' each through install or its --dry-run.
i=0
for s in "$samples"/sample-*.pem; do
	b=${s##*/}
	i=$((i + 1))
	j=0
	cp "$s" "$keys/$b"
	for f in servercert.pem clientcert.pem; do
		ctl=$w/$b.$f
		mkdir -m 0755 "$ctl"
		printf 'mail.example.com\n' >"$ctl/me"
		cp "$s" "$ctl/$f"
		qp_turn $((i + j)) 3
		j=1
		run_all "install -v, $b as $f" "$QP_BIN" install -v -d "$ctl"
		[ "$f" = servercert.pem ] || continue
		if hd_has_command verify; then
			qp_turn $((i + 2)) 3
			run_all "verify -v json, $b as $f" "$QP_BIN" verify -v \
			    --format json -d "$ctl"
		fi
		case $b in
		sample-0[1-8].pem)
			hd_has_command rotate &&
			    run_all "rotate -v, $b as $f" "$QMAIL_PEM" rotate -v -d "$ctl"
			;;
		esac
	done
done

# Keys and certificates of our own.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.com \
    -keyout "$keys/a.key" -out "$w/a.crt" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=mail.example.com -keyout "$keys/b.key" -out "$w/b.crt" 2>/dev/null
openssl pkey -in "$keys/a.key" -aes256 -passout "pass:$PW" -out "$keys/a.enc" 2>/dev/null
openssl pkcs12 -export -inkey "$keys/a.key" -in "$w/a.crt" -passout "pass:$PW" \
    -out "$w/a.p12" 2>/dev/null
printf '%s\n' "$BAD" >"$w/badpw"
chmod 0600 "$w/badpw"
export QP_BADPW=$BAD

fresh() {
	ctl=$w/c.$n
	mkdir -m 0755 "$ctl"
	printf 'mail.example.com\n' >"$ctl/me"
}
fresh
run_all "key of one certificate, certificate of another" "$QMAIL_PEM" install \
    -v -d "$ctl" --key "$keys/a.key" --cert "$w/b.crt"
fresh
run_all "encrypted key, wrong password (env:)" "$QMAIL_PEM" install -v \
    -d "$ctl" --key "$keys/a.enc" --cert "$w/a.crt" --passin env:QP_BADPW
fresh
run_all "encrypted key, wrong password (file:)" "$QMAIL_PEM" install -v \
    -d "$ctl" --key "$keys/a.enc" --cert "$w/a.crt" --passin "file:$w/badpw"
fresh
run_all "encrypted key, no password" "$QMAIL_PEM" install -v -d "$ctl" \
    --key "$keys/a.enc" --cert "$w/a.crt" </dev/null
fresh
run_all "PKCS#12, wrong password" "$QMAIL_PEM" install -v -d "$ctl" \
    --pkcs12 "$w/a.p12" --passin env:QP_BADPW
fresh
run_all "the key given as the certificate" "$QMAIL_PEM" install -v -d "$ctl" \
    --key "$keys/a.key" --cert "$keys/a.key"
fresh
run_all "the key given as a chain" "$QMAIL_PEM" install -v -d "$ctl" \
    --key "$keys/a.key" --cert "$w/a.crt" --chain "$keys/b.key"
fresh
cat "$keys/a.enc" "$w/a.crt" >"$ctl/servercert.pem"
run_all "an encrypted key in servercert.pem" "$QMAIL_PEM" install -v -d "$ctl"
fresh
cat "$keys/b.key" "$w/a.crt" >"$ctl/servercert.pem"
run_all "servercert.pem: key and certificate differ" "$QMAIL_PEM" install -v -d "$ctl"
if hd_has_command verify; then
	run_all "verify: key and certificate differ" "$QMAIL_PEM" verify -v \
	    --format json -d "$ctl"
fi
fresh
cat "$keys/a.key" "$w/a.crt" >"$ctl/servercert.pem"
run_all "full disk while writing" strace -o /dev/null -e trace=write \
    -e inject=write:error=ENOSPC "$QMAIL_PEM" install -v -d "$ctl"
fresh
cat "$keys/a.key" "$w/a.crt" >"$ctl/servercert.pem"
cp "$keys/a.key" "$keys/a.key.copy"
run_all "fsync fails" strace -o /dev/null -e trace=fsync \
    -e inject=fsync:error=EIO "$QMAIL_PEM" install -v --new-key -d "$ctl"

# What the grep looks for: in every private key block of every file in
# $keys, 20-character pieces of its base64 body (a few per key).
python3 - "$keys" >"$QP_TMP/needles" <<'PY'
import os, re, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    text = open(os.path.join(d, name), "rb").read().decode("latin-1")
    for m in re.finditer(r"-----BEGIN ([A-Z ]*PRIVATE KEY)-----(.*?)-----END \1-----", text, re.S):
        body = "".join(l.strip() for l in m.group(2).splitlines()
                       if l.strip() and ":" not in l)
        if len(body) < 40:
            continue
        for at in sorted({0, 20, len(body) // 3, len(body) // 2, len(body) - 40}):
            print(body[at:at + 20])
PY
nkeys=$(wc -l <"$QP_TMP/needles")
[ "$nkeys" -ge 40 ] || qp_fail "only $nkeys pieces of key material to look for"
printf '%s\n%s\n' "$PW" "$BAD" >>"$QP_TMP/needles"

refused=0
for ((i = 1; i <= n; i++)); do
	what=$(cat "$outs/$i.what")
	case $what in *"(exit 0)") ;; *) refused=$((refused + 1)) ;; esac
	for o in "$outs/$i.out" "$outs/$i.err"; do
		if grep -n -e 'PRIVATE KEY' -e '-----BEGIN' "$o" >"$QP_TMP/hit"; then
			qp_fail "$what: ${o##*.} shows PEM: $(head -3 "$QP_TMP/hit")"
		fi
		if grep -n -F -f "$QP_TMP/needles" "$o" >"$QP_TMP/hit"; then
			qp_fail "$what: ${o##*.} shows key material or a password: $(head -3 "$QP_TMP/hit" | cut -c1-120)"
		fi
	done
done
[ "$refused" -ge 30 ] || qp_fail "only $refused of $n runs were refused"
qp_ok "$n runs ($refused refused): no PEM, no piece of $nkeys key-material needles, no password in any output"

# --- 2. the process, seen through /proc ----------------------------------------
# wait_blocked PID: until PID sleeps (waiting for the lock or the server).
wait_blocked() {
	local i state
	for i in $(seq 100); do
		state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || state=
		[ "$state" = S ] && [ "$i" -gt 5 ] && return 0
		sleep 0.1
	done
	qp_fail "process $1 never waited"
}
# caps_of PID FIELD: the capability set FIELD (CapEff, CapBnd) decoded.
caps_of() {
	local hex
	hex=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status")
	capsh --decode="$hex" | sed 's/^0x[0-9a-f]*=//'
}

ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -q --key-type ec-p256 -d "$ctl"

# look CMD... (as root, waiting for the lock): prints "umask|core|eff|bnd".
look() {
	local holder pid line
	# The holder execs sleep with the lock on fd 9: killing it frees it.
	(exec 9<"$ctl" && flock 9 && exec sleep 30) &
	holder=$!
	sleep 0.3
	"$QMAIL_PEM" "$@" --wait 20 -d "$ctl" >/dev/null 2>&1 &
	pid=$!
	wait_blocked "$pid"
	line="$(awk '/^Umask:/ { print $2 }' "/proc/$pid/status")"
	line="$line|$(awk '/^Max core file size/ { print $5 "/" $6 }' "/proc/$pid/limits")"
	line="$line|$(caps_of "$pid" CapEff)|$(caps_of "$pid" CapBnd)"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	wait "$pid" || qp_fail "qmail-pem $* failed after the lock was free"
	LOOK=$line
}

w_set="cap_chown,cap_dac_read_search,cap_fowner"
look install -q --new-key --key-type ec-p256
qp_assert_eq "0077|0/0|$w_set|$w_set" "$LOOK" \
    "install waiting for the lock: umask 0077, no core, only $w_set"
if hd_has_command rotate; then
	look rotate -q
	qp_assert_eq "0077|0/0|$w_set|$w_set" "$LOOK" "rotate: the same"
	look rotate -q --post-hook true
	qp_assert_eq "0077|0/0|$w_set,cap_kill|$w_set,cap_kill" "$LOOK" \
	    "rotate --post-hook: and cap_kill for the hook"
fi
if hd_has_command rollback; then
	look rollback -q
	qp_assert_eq "0077|0/0|$w_set|$w_set" "$LOOK" "rollback: the same"
fi

# verify: against a server that accepts and never speaks, so that it waits.
if hd_has_command verify; then
	port_file=$QP_TMP/port
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$port_file" &
	srv=$!
	qp_at_exit "kill $srv 2>/dev/null"
	for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
	port=$(cat "$port_file")
	"$QMAIL_PEM" verify -d "$ctl" --connect "127.0.0.1:$port" --timeout 15 \
	    >/dev/null 2>&1 &
	pid=$!
	wait_blocked "$pid"
	p_set="cap_dac_read_search,cap_setgid,cap_setuid"
	qp_assert_eq "0077|$p_set|$p_set" \
	    "$(awk '/^Umask:/ { print $2 }' "/proc/$pid/status")|$(caps_of "$pid" CapEff)|$(caps_of "$pid" CapBnd)" \
	    "verify: umask 0077, only $p_set (the read probe)"
	kill "$pid"
	wait "$pid" 2>/dev/null || true

	# Not dumpable: run as "other", its /proc/PID files belong to root.
	# (A dumpable process's belong to its user: the sleep beside it.)
	setpriv --reuid="$QP_UID_other" --regid="$QP_GID_other" --clear-groups \
	    sleep 20 &
	control=$!
	setpriv --reuid="$QP_UID_other" --regid="$QP_GID_other" --clear-groups \
	    "$QMAIL_PEM" verify --connect "127.0.0.1:$port" --timeout 15 \
	    >/dev/null 2>&1 &
	pid=$!
	wait_blocked "$pid"
	qp_assert_eq "$QP_UID_other" "$(stat -c %u "/proc/$control/status")" \
	    "control: a dumpable process of other owns its /proc files"
	qp_assert_eq "$QP_UID_other" "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" \
	    "qmail-pem verify runs as other"
	qp_assert_eq 0 "$(stat -c %u "/proc/$pid/status")" \
	    "qmail-pem is not dumpable: its /proc files belong to root"
	kill "$pid" "$control"
	wait "$pid" "$control" 2>/dev/null || true
fi
qp_done
