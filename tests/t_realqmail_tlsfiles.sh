#!/bin/bash
# t_realqmail_tlsfiles.sh: verify's judgement of qmail's other TLS files
# (issue 23) beside what the real qmail-smtpd (netqmail 1.06 + qmail-tls
# 20231230, built by the realqmail fixture, under tcpserver as qmaild)
# does with the same files:
#   - dh2048.pem and rsa2048.pem: "not used", because this qmail-smtpd
#     imports no reader for them (automatic DH parameters);
#   - tlsserverciphers naming a TLS 1.3 suite only: WARNING, and a TLS 1.2
#     client cannot start TLS while a TLS 1.3 client can;
#   - a security level the RSA 2048 key does not meet: CRITICAL, and no
#     client can complete the handshake;
#   - tlsserverciphers its reader cannot read: CRITICAL, and STARTTLS
#     gets "421 unable to read controls";
#   - TLSCIPHERS from the run script: judged instead of tlsserverciphers
#     (which is "not used"), and qmail-smtpd started with it behaves so.
# fixtures: realqmail
# shellcheck disable=SC2015,SC2119  # `a && b || fail`; helpers with defaults
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/realqmail.sh"
qp_setup
rq_init
native=${QP_NATIVE:-$QMAIL_PEM}
CTL=$(rq_mkroot)
"$native" install -q -d "$CTL" >/dev/null || qp_fail "install -d $CTL"

# says FILE CHECK STATUS EXIT [verify options...]: verify -v exits EXIT
# and reports the check.
says() {
	local file=$1 check=$2 status=$3 want=$4
	shift 4
	qp_assert_status "$want" "$QMAIL_PEM" verify -d "$CTL" -v "$@"
	qp_assert_contains "$QP_OUT" "
$file $check $status: " "verify: $file $check $status"
}
# tls12 PORT: does a TLS 1.2-only client complete STARTTLS?
tls12() {
	timeout 20 openssl s_client -starttls smtp -tls1_2 -noservername \
	    -connect "127.0.0.1:$1" </dev/null >"$QP_TMP/tls12.out" 2>&1 &&
	    grep -q 'Protocol *: TLSv1.2' "$QP_TMP/tls12.out"
}

# --- dh*.pem, rsa*.pem: qmail-tls 20231230 reads neither ----------------
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
    -out "$CTL/dh2048.pem" 2>/dev/null &&
    openssl genrsa -out "$CTL/rsa2048.pem" 2048 2>/dev/null ||
    qp_fail "DH parameters, RSA key"
chmod 0644 "$CTL/rsa2048.pem"
says rsa2048.pem used INFO 0
qp_assert_contains "$QP_OUT" "not used: qmail-smtpd ($RQ_ROOT/bin/qmail-smtpd) imports no reader of temporary RSA keys" \
    "the real qmail-smtpd, found in QMAILHOME/bin, reads no rsa*.pem"
qp_assert_contains "$QP_OUT" "dh2048.pem used INFO: not used: qmail-smtpd ($RQ_ROOT/bin/qmail-smtpd) imports no reader of DH parameters" \
    "... and no dh*.pem"
imports=$(nm -D --undefined-only "$RQ_ROOT/bin/qmail-smtpd")
qp_assert_not_contains "$imports" DHparams "nm: no DH parameter reader imported"
rm -f "$CTL/dh2048.pem" "$CTL/rsa2048.pem"

rq_smtpd_start smtpd qmaild nofiles
rq_starttls "$RQ_PORT"
qp_assert_eq ok "$RQ_TLS" "STARTTLS completes without tlsserverciphers"
tls12 "$RQ_PORT" || qp_fail "TLS 1.2 without tlsserverciphers: $(tail -n 3 "$QP_TMP/tls12.out")"
qp_ok "a TLS 1.2 client completes STARTTLS without tlsserverciphers"

# --- a TLS 1.3 suite only: no TLS 1.2 left -------------------------------
printf 'TLS_AES_128_GCM_SHA256\n' >"$CTL/tlsserverciphers"
chmod 0644 "$CTL/tlsserverciphers"
says tlsserverciphers ciphers WARNING 1
rq_starttls "$RQ_PORT"
qp_assert_eq ok "$RQ_TLS" "a TLS 1.3 client still completes STARTTLS"
if tls12 "$RQ_PORT"; then
	qp_fail "a TLS 1.2 client completed STARTTLS with TLS 1.3 suites only"
fi
qp_ok "a TLS 1.2 client cannot start TLS (qmail-smtpd has no TLS 1.2 cipher)"

# --- a security level servercert.pem's key does not reach ---------------
printf 'DEFAULT:@SECLEVEL=3\n' >"$CTL/tlsserverciphers"
says tlsserverciphers ciphers CRITICAL 2
rq_starttls "$RQ_PORT"
qp_assert_eq failed "$RQ_TLS" "no client completes the handshake (security level 3, RSA 2048)"

# --- a file its reader cannot read ----------------------------------------
printf 'HIGH\n' >"$CTL/tlsserverciphers"
chmod 0600 "$CTL/tlsserverciphers"
says tlsserverciphers reader-can-read CRITICAL 2
rq_starttls "$RQ_PORT"
qp_assert_eq refused "$RQ_TLS" "STARTTLS is refused"
qp_assert_contains "$RQ_REPLY" "421 unable to read controls" \
    "qmail-smtpd answers 421 unable to read controls"
rq_stop smtpd

# --- TLSCIPHERS from the run script, taken instead of the file ---------
chmod 0644 "$CTL/tlsserverciphers"
svc="$QP_TMP/service"
mkdir -p "$svc/qmail-smtpd"
cat >"$svc/qmail-smtpd/run" <<EOF
#!/bin/sh
TLSCIPHERS=TLS_AES_256_GCM_SHA384
export TLSCIPHERS
exec tcpserver -u $QP_UID_qmaild -g $QP_GID_nofiles 0 smtp $RQ_ROOT/bin/qmail-smtpd
EOF
chmod 0755 "$svc/qmail-smtpd/run"
says "TLSCIPHERS:$svc/qmail-smtpd/run" ciphers WARNING 1 --service-dir "$svc"
qp_assert_contains "$QP_OUT" "tlsserverciphers used INFO: not used: the run script ($svc/qmail-smtpd/run) sets TLSCIPHERS" \
    "tlsserverciphers is not used"
qp_assert_not_contains "$QP_OUT" "tlsserverciphers ciphers" \
    "tlsserverciphers, not used, is not judged"
TLSCIPHERS=TLS_AES_256_GCM_SHA384 rq_smtpd_start smtpd2 qmaild nofiles
rq_starttls "$RQ_PORT"
qp_assert_eq ok "$RQ_TLS" "with TLSCIPHERS, a TLS 1.3 client completes STARTTLS"
if tls12 "$RQ_PORT"; then
	qp_fail "with TLSCIPHERS=TLS_AES_256_GCM_SHA384 a TLS 1.2 client started TLS"
fi
qp_ok "with TLSCIPHERS a TLS 1.2 client cannot, though tlsserverciphers says HIGH"
rq_stop smtpd2

qp_done
