#!/bin/bash
# labels: once
# The trace of changes (issue 21): one syslog line per changed file,
# facility authpriv, ident qmail-pem, also with -q, naming the command, the
# file, what changed and the SHA-256 of the old and new public keys (the
# TLSA 3 1 1 digest), never key bytes; for install, rotate, rotate --stage,
# rotate --commit and rollback.  No line for a dry run or when nothing
# changes.  CI runs no syslog daemon: the test runs in a private mount
# namespace whose /dev is a directory of its own (the devices bound into it)
# with a datagram listener (tests/syslog_listen.py) at /dev/log.
# shellcheck disable=SC2015,SC2119  # `a && b || fail` is meant; qp_mkcontrol default
set -eu
if [ -z "${QP_SYSLOG_NS:-}" ]; then
	export QP_SYSLOG_NS=1
	exec unshare --mount --propagation private -- bash "$0" "$@"
fi
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
# The distribution's python3 when there is one: a version manager's shim
# earlier on PATH costs ten times as much per start.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
qp_require python3

# /dev of our own: the usual devices bound in, the listener's socket as log.
dev="$QP_TMP/dev"
mkdir -m 0755 "$dev"
for n in null zero full random urandom tty; do
	[ -e "/dev/$n" ] || continue
	touch "$dev/$n" && mount --bind "/dev/$n" "$dev/$n" ||
	    qp_fail "cannot bind /dev/$n"
done
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
[ -d /dev/shm ] && mkdir "$dev/shm" && mount --bind /dev/shm "$dev/shm"
log="$QP_TMP/syslog"
: >"$log"
"$PY" "$QP_SRCDIR/tests/syslog_listen.py" "$dev/log" "$log" &
listener=$!
qp_at_exit "kill $listener 2>/dev/null || :"
for _ in $(seq 100); do [ -e "$log.ready" ] && break; sleep 0.1; done
[ -e "$log.ready" ] || qp_fail "the syslog listener did not start"
mount --bind "$dev" /dev || qp_fail "cannot bind $dev over /dev"

ctl=$(qp_mkcontrol)

# lines_since N: the lines after the first N of the log (waits for the
# datagrams, which arrive before the command exits, to be written).
lines_since() {
	sleep 0.2
	tail -n +"$(($1 + 1))" "$log"
}
count() { wc -l <"$log"; }
spki() {	# the SHA-256 of a file's public key, as the trace gives it
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | sha256sum |
	    cut -d' ' -f1
}

# authpriv.notice: <85>; the ident and the pid.
pri_ident='^<85>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]{8} qmail-pem\[[0-9]+\]: '

# --- install, quiet ------------------------------------------------------
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ctl" "${QP_FAST_KEY[@]}"
qp_assert_eq "" "$QP_OUT" "-q: nothing on stdout"
new=$(lines_since "$n")
qp_assert_eq 2 "$(grep -c . <<<"$new")" "install: a line per file"
grep -Eq "${pri_ident}install: $ctl/servercert.pem: create" <<<"$new" ||
    qp_fail "no authpriv line for servercert.pem: $new"
qp_ok "facility authpriv, ident qmail-pem, the command and the file"
srv=$(spki "$ctl/servercert.pem")
qp_assert_contains "$new" "servercert.pem: create, new key, new certificate; public key: old absent, new sha256 $srv" \
    "the new key's SHA-256"
qp_assert_not_contains "$(cat "$log")" "PRIVATE" "no key in the log"
body=$(sed -n '2p' "$ctl/servercert.pem")
qp_assert_not_contains "$(cat "$log")" "${body:0:40}" "no key bytes in the log"

# --- nothing to do, dry run: no line ------------------------------------
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ctl"
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ctl" --new-key --dry-run
qp_assert_eq "" "$(lines_since "$n")" "no change, no line"

# --- a repair: same key, the mode fixed ---------------------------------
chmod 0644 "$ctl/clientcert.pem"
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ctl"
new=$(lines_since "$n")
qp_assert_eq 1 "$(grep -c . <<<"$new")" "a repair: one line"
cli=$(spki "$ctl/clientcert.pem")
qp_assert_contains "$new" "install: $ctl/clientcert.pem: " "the repaired file"
qp_assert_contains "$new" "public key: old sha256 $cli, new sha256 $cli" \
    "the same key before and after"

# --- rotate: old and new keys, the backup -------------------------------
old=$srv
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" rotate -q -d "$ctl" --new-key
new=$(lines_since "$n")
srv=$(spki "$ctl/servercert.pem")
qp_assert_eq 2 "$(grep -c . <<<"$new")" "rotate: a line per file"
qp_assert_contains "$new" "rotate: $ctl/servercert.pem: " "rotate names itself"
qp_assert_contains "$new" "public key: old sha256 $old, new sha256 $srv; backup servercert.pem." \
    "rotate: old and new key, and the backup"

# --- rotate --stage, --commit -------------------------------------------
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" rotate -q -d "$ctl" --stage
new=$(lines_since "$n")
staged=$(spki "$ctl/servercert.pem.next")
qp_assert_contains "$new" "rotate --stage: $ctl/servercert.pem.next: create" \
    "the staged file"
qp_assert_contains "$new" "new sha256 $staged" "the staged key"
old=$srv
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" rotate -q -d "$ctl" --commit
new=$(lines_since "$n")
qp_assert_contains "$new" "rotate --commit: $ctl/servercert.pem: " \
    "the commit's replacement"
qp_assert_contains "$new" "public key: old sha256 $old, new sha256 $staged" \
    "the staged key goes live"
qp_assert_contains "$new" "rotate --commit: $ctl/servercert.pem.next: " \
    "the staged file's removal"

# --- rollback -----------------------------------------------------------
n=$(count)
qp_assert_status 0 "$QMAIL_PEM" rollback -q -d "$ctl" --allow-tlsa-change
new=$(lines_since "$n")
qp_assert_contains "$new" "rollback: $ctl/servercert.pem: " "rollback's line"
qp_assert_contains "$new" "public key: old sha256 $staged, new sha256 $old" \
    "rollback: the key put back"
grep -Ev "$pri_ident" "$log" | grep . &&
    qp_fail "a line not authpriv.notice from qmail-pem"
qp_ok "every line is authpriv.notice from qmail-pem"
qp_assert_not_contains "$(cat "$log")" "PRIVATE" "no key in the log"
qp_done
