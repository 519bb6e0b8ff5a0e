# shellcheck shell=bash
# t_acme.sh: qmail-pem as the deploy hook of real ACME clients, end to end.
#
# pebble (tests/acme_lib.sh) runs on loopback with PEBBLE_VA_ALWAYS_VALID=1,
# so no challenge is really checked; certbot gets a certificate with
# `certonly --standalone --deploy-hook "qmail-pem install --from-certbot"`,
# then `renew --force-renewal` runs the stored hook again: the control files
# must hold the new certificate each time, with the right owners and modes,
# and present the leaf and pebble's intermediate in a real handshake as
# qmaild.  A deploy with unchanged inputs reports "unchanged".
# contrib/certbot/qmail-pem (the renewal-hooks/deploy script) and
# contrib/dehydrated/hook.sh (dehydrated's deploy_cert, dehydrated against the
# same pebble) are exercised as well.
#
# lego and uacme: tests/t_acme_clients.sh.  acme.sh is not packaged in
# Debian 12, so it is not run here; its recipe (README, man page) runs
# `qmail-pem install --key KEY --cert FULLCHAIN` on the files --install-cert
# copies, which is the command line the dehydrated hook runs below.
# valgrind: slow (under memcheck: RSA keys, and certbot and dehydrated against pebble)
# labels: noasan
# (not again under ASan: pebble, certbot and dehydrated take its time;
# the import paths it reaches run under ASan in t_import_*)
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"
# shellcheck source=tests/acme_lib.sh
. "$QP_SRCDIR/tests/acme_lib.sh"
qp_setup
qp_require certbot dehydrated

ctl=$(qp_mkcontrol mail.example.test)
qp_pebble_start
acme=$QP_ACME_WORK
directory=$QP_ACME_DIR
port_http=$QP_ACME_HTTP_PORT
export REQUESTS_CA_BUNDLE="$QP_ACME_CA" CURL_CA_BUNDLE="$QP_ACME_CA"

check_installed() {
	qp_acme_check_installed "$ctl" "$@"
}

# --- certbot -------------------------------------------------------------------
cb=("certbot" --server "$directory" --no-verify-ssl
    --config-dir "$acme/cb/config" --work-dir "$acme/cb/work"
    --logs-dir "$acme/cb/logs" --non-interactive --no-random-sleep-on-renew)
hook="$QMAIL_PEM install -d $ctl --from-certbot"
qp_assert_status 0 "${cb[@]}" certonly --standalone \
    --http-01-address 127.0.0.1 --http-01-port "$port_http" \
    -d mail.example.test --register-unsafely-without-email --agree-tos \
    --key-type rsa --rsa-key-size 2048 --deploy-hook "$hook"
live="$acme/cb/config/live/mail.example.test"
qp_assert_contains "$QP_ERR$QP_OUT" "Hook 'deploy-hook' ran with output:
 servercert.pem: create, import" "certbot ran the deploy hook, which imported"
check_installed "$live/cert.pem" "certbot certonly"
first=$(qp_cert_fpr "$ctl/servercert.pem")
want=$(qp_pubkey "$live/privkey.pem")
got=$(qp_pubkey "$ctl/servercert.pem")
qp_assert_eq "$want" "$got" "certbot certonly: the key is certbot's privkey.pem"

# The same lineage again: "unchanged", nothing touched.
before=$(qp_snapshot "$ctl")
qp_assert_status 0 env RENEWED_LINEAGE="$live" "$QMAIL_PEM" install -d "$ctl" \
    --from-certbot
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" \
    "deploy with unchanged inputs: servercert.pem unchanged"
qp_assert_contains "$QP_OUT" "clientcert.pem: unchanged" \
    "deploy with unchanged inputs: clientcert.pem unchanged"
qp_assert_same_snapshot "$before" "$ctl" \
    "deploy with unchanged inputs: directory untouched"

# A renewal runs the stored hook and installs the new certificate.
qp_assert_status 0 "${cb[@]}" renew --force-renewal
qp_assert_contains "$QP_ERR$QP_OUT" "Hook 'deploy-hook' ran with output:
 servercert.pem: replace, import" "certbot renew ran the stored deploy hook"
check_installed "$live/cert.pem" "certbot renew"
got=$(qp_cert_fpr "$ctl/servercert.pem")
[ "$got" != "$first" ] || qp_fail "certbot renew: the certificate did not change"
qp_ok "certbot renew: the files hold a new certificate"
want=$(qp_pubkey "$live/privkey.pem")
got=$(qp_pubkey "$ctl/clientcert.pem")
qp_assert_eq "$want" "$got" "certbot renew: the key is the renewed privkey.pem"
n=$(find "$ctl" -name 'servercert.pem.*.bak' | wc -l)
qp_assert_eq 1 "$n" "certbot renew: the replaced file was kept as a backup"

# contrib/certbot/qmail-pem, run as certbot runs renewal-hooks/deploy/*.
script="$QP_SRCDIR/contrib/certbot/qmail-pem"
marker="$QP_TMP/restarted"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 env RENEWED_LINEAGE="$live" \
    RENEWED_DOMAINS="mail.example.test" QMAIL_PEM="$QMAIL_PEM" \
    QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_RESTART="touch $marker" "$script"
qp_assert_contains "$QP_OUT" "unchanged" "contrib/certbot: unchanged lineage"
[ ! -e "$marker" ] || qp_fail "contrib/certbot: restarted for nothing"
qp_ok "contrib/certbot: no restart when nothing changed"
qp_assert_same_snapshot "$before" "$ctl" "contrib/certbot: directory untouched"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
qp_assert_status 0 env RENEWED_LINEAGE="$live" \
    RENEWED_DOMAINS="other.example.test" QMAIL_PEM="$QMAIL_PEM" \
    QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_DOMAIN=mail.example.test "$script"
got=$(qp_cert_fpr "$ctl/servercert.pem")
want=$(qp_cert_fpr "$live/cert.pem")
[ "$got" != "$want" ] || qp_fail "contrib/certbot: acted on another lineage"
qp_ok "contrib/certbot: QMAIL_PEM_DOMAIN skips other lineages"
qp_assert_status 0 env RENEWED_LINEAGE="$live" \
    RENEWED_DOMAINS="mail.example.test" QMAIL_PEM="$QMAIL_PEM" \
    QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_DOMAIN=mail.example.test \
    QMAIL_PEM_RESTART="touch $marker" "$script"
qp_assert_contains "$QP_OUT" "installed the certificate" \
    "contrib/certbot: says it installed"
[ -e "$marker" ] || qp_fail "contrib/certbot: no restart after a change"
qp_ok "contrib/certbot: restart command run after a change"
check_installed "$live/cert.pem" "contrib/certbot"

# --- dehydrated ------------------------------------------------------------------
dh="$acme/dh"
mkdir -p "$dh/wellknown"
cat >"$dh/config" <<EOF
CA="$directory"
BASEDIR="$dh"
WELLKNOWN="$dh/wellknown"
KEY_ALGO=rsa
KEYSIZE=2048
HOOK="$QP_SRCDIR/contrib/dehydrated/hook.sh"
CONTACT_EMAIL=
EOF
export QMAIL_PEM QMAIL_PEM_ARGS="-d $ctl"
qp_assert_status 0 dehydrated --config "$dh/config" --register --accept-terms
qp_assert_status 0 dehydrated --config "$dh/config" --cron \
    --domain mail.example.test
qp_assert_contains "$QP_OUT" "qmail-pem: installed the certificate for mail.example.test" \
    "dehydrated: the deploy_cert hook installed the certificate"
check_installed "$dh/certs/mail.example.test/cert.pem" "dehydrated"
want=$(qp_pubkey "$dh/certs/mail.example.test/privkey.pem")
got=$(qp_pubkey "$ctl/servercert.pem")
qp_assert_eq "$want" "$got" "dehydrated: the key is dehydrated's privkey.pem"
unset QMAIL_PEM_ARGS

# The deploy_cert function README.md shows, on dehydrated's files, with
# `qmail-pem' being the built binary for this control directory.
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
code=$(qp_readme_block dehydrated-deploy-cert)
d="$dh/certs/mail.example.test"
qp_assert_status 0 bash -euc "qmail-pem() { \"\$QMAIL_PEM\" \"\$1\" -d \"$ctl\" \"\${@:2}\"; }
$code
deploy_cert mail.example.test $d/privkey.pem $d/cert.pem $d/fullchain.pem $d/chain.pem 0"
check_installed "$d/cert.pem" "README's deploy_cert"

qp_done
