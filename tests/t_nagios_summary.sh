#!/bin/bash
# labels: once
# verify's Nagios status line as an on-call person reads it (issue 21):
# each problem once as "FILE: CHECK: what", CRITICAL before WARNING, and
# within a level a key readable beyond its readers, then a reader that
# cannot read, then expiry, then the rest.  group, reader-can-read and
# reader-cannot-read about one file and one cause are one problem with one
# fix (json and prometheus keep every check under its stable name).  An
# expiring certificate says how to renew it: qmail-pem rotate for a
# self-signed one, the CA's client (certbot renew) for a CA-issued one.
# The run script starts vchkpw: no hint says to run qmail-smtpd as qmaild.
# shellcheck disable=SC2015  # `a && b || fail` is meant
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup

rocks="$QP_SRCDIR/tests/fixtures/service/qmailrocks"
vl_fresh
VL="$QP_TMP/vl"
mkdir -p "$VL"
# servercert.pem: self-signed, 3 days left, root:nofiles 0640 while the
# run script's qmail-smtpd runs as vpopmail:vchkpw.
vl_selfsigned "$VL/srv" days=3
cat "$VL/srv.key" "$VL/srv.crt" >"$VL/srv.pem"
vl_place servercert.pem "$VL/srv.pem"
# clientcert.pem: issued by a CA, 20 days left, readable by every user.
vl_selfsigned "$VL/ca" cn="Test CA" san= basic=critical,CA:TRUE eku= days=3650
vl_signed "$VL/cli" "$VL/ca" days=20
cat "$VL/cli.key" "$VL/cli.crt" "$VL/ca.crt" >"$VL/cli.pem"
vl_place clientcert.pem "$VL/cli.pem" root:qmail 0644

qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" --service-dir "$rocks"
line=${QP_OUT%%$'\n'*}
summary=${line%% |*}
printf '%s\n' "$summary" >"$QP_TMP/summary"
mode="clientcert.pem: mode: readable by every user on the system (0644)"
reader="servercert.pem: reader-cannot-read: qmail-smtpd as vpopmail:vchkpw"
expiry="servercert.pem: expiry: expires in "
warn="; WARNING: clientcert.pem: expiry: expires in "
qp_assert_contains "$summary" "QMAIL-PEM CRITICAL - $mode" \
    "the key readable beyond its readers comes first, check name apart"
qp_assert_contains "$summary" "$reader" "then the reader that cannot read"
qp_assert_contains "$summary" "$expiry" "then expiry"
qp_assert_contains "$summary" "$warn" "WARNING after every CRITICAL, named"
at() { local rest=${summary%%"$1"*}; echo "${#rest}"; }
a=$(at "$mode") b=$(at "$reader") c=$(at "$expiry") d=$(at "$warn")
[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] && [ "$c" -lt "$d" ] ||
    qp_fail "order: mode $a, reader $b, expiry $c, warning $d: $summary"
qp_ok "order: mode, reader, expiry, then WARNING"

# One cause, one problem with one fix that works with vchkpw.
qp_assert_not_contains "$summary" "servercert.pem: group:" \
    "the wrong group is not a second problem"
qp_assert_not_contains "$summary" "reader-can-read" \
    "the failed read test is not a third"
qp_assert_contains "$summary" "--server-group vchkpw --service-dir $rocks (the run script starts vchkpw, which must run as vpopmail or root)" \
    "the one fix"
qp_assert_not_contains "$QP_OUT" "qmaild" "no hint to run qmail-smtpd as qmaild"
qp_assert_not_contains "$summary" "mode mode" "no check name twice"

# How to renew.
qp_assert_contains "$summary" "renew it now with qmail-pem rotate -d $CTL (self-signed)" \
    "self-signed: qmail-pem rotate"
qp_assert_contains "$summary" "renew it soon with the client of the CA that issued it (for certbot: certbot renew" \
    "CA-issued: the CA's client"

# json and prometheus keep every check under its name.
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" --service-dir "$rocks" \
    --format json
printf '%s\n' "$QP_OUT" >"$QP_TMP/v.json"
# (Under memcheck the read test's child may not answer in time: UNKNOWN.)
can_read=CRITICAL can_read_n=2
if qp_under_valgrind; then
	got=$(vl_json_check "$QP_TMP/v.json" servercert.pem reader-can-read)
	[ "$got" = UNKNOWN ] && can_read=UNKNOWN can_read_n=3
fi
for check in group reader-can-read reader-cannot-read; do
	got=$(vl_json_check "$QP_TMP/v.json" servercert.pem "$check")
	want=CRITICAL
	[ "$check" = reader-can-read ] && want=$can_read
	qp_assert_eq "$want" "$got" "json: $check stays $want"
done
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" --service-dir "$rocks" \
    --format prometheus
for check in group reader-can-read reader-cannot-read; do
	n=2
	[ "$check" = reader-can-read ] && n=$can_read_n
	qp_assert_contains "$QP_OUT" "qmail_pem_check_status{file=\"servercert.pem\",check=\"$check\"} $n" \
	    "prometheus: $check"
done

# A key that cannot be loaded: the read test fails for that reason and
# is not said again.
printf 'not a key\n' >"$VL/bad.pem"
vl_place servercert.pem "$VL/bad.pem"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
line=${QP_OUT%%|*}
qp_assert_contains "$line" "QMAIL-PEM CRITICAL - clientcert.pem: mode: " \
    "mode first"
qp_assert_contains "$line" "servercert.pem: parses: " "the content problem"
qp_assert_not_contains "$line" "reader-can-read" "no second report of it"
qp_done
