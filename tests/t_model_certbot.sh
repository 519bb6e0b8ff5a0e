#!/bin/bash
# t_model_certbot.sh: a certbot renewal in the qmailrocks setup (issue 19).
# qmail-smtpd runs as vpopmail:vchkpw (a run script says so); the files
# are set up with `install --server-group vchkpw`; then certbot (against
# pebble, tests/acme_lib.sh) issues and renews a certificate, and its deploy
# hook runs `qmail-pem install --from-certbot -q` with no group option.
# servercert.pem stays root:vchkpw 0640 (the model keeps the group its
# reader is in) and the real qmail-smtpd (the realqmail fixture) completes
# STARTTLS presenting the renewed leaf.  RSA keys: the real qmail-smtpd
# loads RSA only (certbot --key-type rsa).  One issuance, one renewal.
# fixtures: realqmail
# labels: once
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/realqmail.sh
. "$QP_SRCDIR/tests/realqmail.sh"
# shellcheck source=tests/acme_lib.sh
. "$QP_SRCDIR/tests/acme_lib.sh"
qp_setup
qp_require certbot
rq_init

ctl=$(rq_mkroot mail.example.test)
svc="$QP_TMP/service"
rq_run_script "$svc" vpopmail vchkpw
w=(-d "$ctl" --service-dir "$svc")
qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" --server-group vchkpw
qp_assert_file_perm "$ctl/servercert.pem" root:vchkpw 0640
rq_smtpd_start smtpd vpopmail vchkpw

qp_pebble_start
export REQUESTS_CA_BUNDLE="$QP_ACME_CA"
acme=$QP_ACME_WORK
cb=(certbot --server "$QP_ACME_DIR" --no-verify-ssl
    --config-dir "$acme/cb/config" --work-dir "$acme/cb/work"
    --logs-dir "$acme/cb/logs" --non-interactive --no-random-sleep-on-renew)
live="$acme/cb/config/live/mail.example.test"
# The hook as the README gives it, without a group: the model keeps it.
hook="$QMAIL_PEM install -d $ctl --service-dir $svc --from-certbot -q"

# serves WHAT: qmail-smtpd, as vpopmail:vchkpw, completes STARTTLS and
# presents the leaf certbot has now; servercert.pem is still root:vchkpw.
serves() {
	local want
	want=$(qp_cert_fpr "$live/cert.pem")
	qp_assert_file_perm "$ctl/servercert.pem" root:vchkpw 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	rq_starttls "$RQ_PORT"
	qp_assert_eq ok "$RQ_TLS" "$1: STARTTLS completes ($RQ_REPLY)"
	qp_assert_eq "$want" "$RQ_LEAF" "$1: qmail-smtpd presents certbot's leaf"
}

qp_assert_status 0 "${cb[@]}" certonly --standalone \
    --http-01-address 127.0.0.1 --http-01-port "$QP_ACME_HTTP_PORT" \
    -d mail.example.test --register-unsafely-without-email --agree-tos \
    --key-type rsa --rsa-key-size 2048 --deploy-hook "$hook"
serves "certbot certonly"
first=$RQ_LEAF

qp_assert_status 0 "${cb[@]}" renew --force-renewal
qp_assert_not_contains "$QP_ERR$QP_OUT" "keeping group" \
    "certbot renew: the hook says nothing (-q; the run script names the reader)"
serves "certbot renew"
[ "$RQ_LEAF" != "$first" ] || qp_fail "certbot renew: the leaf did not change"
qp_ok "certbot renew: qmail-smtpd presents the renewed leaf"
qp_done
