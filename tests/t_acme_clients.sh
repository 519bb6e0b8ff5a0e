# shellcheck shell=bash
# labels: once
# t_acme_clients.sh: the lego and uacme recipes (contrib/lego/hook.sh,
# contrib/uacme/qmail-pem-uacme) with the real clients against one pebble
# (tests/acme_lib.sh): a first certificate is issued and deployed, a run
# with nothing new changes nothing, a forced renewal deploys the new
# certificate, and each time both control files hold the client's key, leaf
# and pebble's intermediate with the right owners and modes and serve them
# in a handshake as qmaild and qmailr.
#
# lego trusts pebble's CA through LEGO_CA_CERTIFICATES.  uacme (libcurl with
# GnuTLS) has no option for a CA file and ignores CURL_CA_BUNDLE and
# SSL_CERT_FILE: it runs in a private mount namespace where a copy of the
# system bundle with pebble's CA added is bind-mounted over
# /etc/ssl/certs/ca-certificates.crt, so the machine's bundle is never
# touched.
#
# Labelled once: what runs here is the clients and the recipes' shell; the
# import they end in is the one t_acme.sh (certbot, dehydrated) runs under
# valgrind and ASan too.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/acme_lib.sh
. "$QP_SRCDIR/tests/acme_lib.sh"
qp_setup
qp_require lego uacme unshare mount

ctl=$(qp_mkcontrol mail.example.test)
qp_pebble_start
w=$QP_ACME_WORK
marker="$QP_TMP/restarted"
export QMAIL_PEM QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_RESTART="touch $marker"

# restarted WHAT: the hook ran QMAIL_PEM_RESTART (and forget it).
restarted() {
	[ -e "$marker" ] || qp_fail "$1: QMAIL_PEM_RESTART was not run"
	rm -f "$marker"
	qp_ok "$1: QMAIL_PEM_RESTART was run"
}
not_restarted() {
	[ ! -e "$marker" ] || qp_fail "$1: QMAIL_PEM_RESTART was run for nothing"
	qp_ok "$1: no restart"
}

# --- lego --------------------------------------------------------------------------
# The hook as README.md and the hook's header say: --key-type rsa2048, run
# with --run-hook, renew with --renew-hook.
lego=(lego --server "$QP_ACME_DIR" --path "$w/lego"
    --email postmaster@example.test --accept-tos --domains mail.example.test
    --http --http.port "127.0.0.1:$QP_ACME_HTTP_PORT" --key-type rsa2048)
hook="$QP_SRCDIR/contrib/lego/hook.sh"
export LEGO_CA_CERTIFICATES="$QP_ACME_CA"
certs="$w/lego/certificates"
qp_assert_status 0 "${lego[@]}" run --run-hook "$hook"
qp_assert_contains "$QP_OUT$QP_ERR" \
    "qmail-pem: installed the certificate for mail.example.test" \
    "lego run: the hook installed the certificate"
restarted "lego run"
qp_acme_check_installed "$ctl" "$certs/mail.example.test.crt" "lego run"
want=$(qp_pubkey "$certs/mail.example.test.key")
got=$(qp_pubkey "$ctl/servercert.pem")
qp_assert_eq "$want" "$got" "lego run: the key is lego's"
kt=$(openssl pkey -in "$ctl/servercert.pem" -noout -text | head -1)
qp_assert_contains "$kt" "Private-Key: (2048 bit" \
    "lego run: --key-type rsa2048 gives qmail an RSA key"
first=$(qp_cert_fpr "$ctl/servercert.pem")

# The hook again on the same files (lego runs it only after a change; an
# administrator may run it by hand): unchanged, nothing touched.
before=$(qp_snapshot "$ctl")
qp_assert_status 0 env LEGO_CERT_DOMAIN=mail.example.test \
    LEGO_CERT_PATH="$certs/mail.example.test.crt" \
    LEGO_CERT_KEY_PATH="$certs/mail.example.test.key" "$hook"
qp_assert_contains "$QP_OUT" "certificate for mail.example.test unchanged" \
    "lego hook on unchanged files: says unchanged"
not_restarted "lego hook on unchanged files"
qp_assert_same_snapshot "$before" "$ctl" \
    "lego hook on unchanged files: directory untouched"

# Another domain's certificate is none of this hook's business.
qp_assert_status 0 env QMAIL_PEM_DOMAIN=other.example.test \
    LEGO_CERT_DOMAIN=mail.example.test \
    LEGO_CERT_PATH="$certs/mail.example.test.crt" \
    LEGO_CERT_KEY_PATH="$certs/mail.example.test.key" "$hook"
qp_assert_same_snapshot "$before" "$ctl" \
    "lego hook with QMAIL_PEM_DOMAIN: other domains are left alone"

# A forced renewal (pebble's certificates are good for years: --days far
# beyond that) runs --renew-hook with a new key and certificate.
qp_assert_status 0 "${lego[@]}" renew --days 36500 --no-random-sleep \
    --renew-hook "$hook"
qp_assert_contains "$QP_OUT$QP_ERR" \
    "qmail-pem: installed the certificate for mail.example.test" \
    "lego renew: the hook installed the renewed certificate"
restarted "lego renew"
qp_acme_check_installed "$ctl" "$certs/mail.example.test.crt" "lego renew"
got=$(qp_cert_fpr "$ctl/servercert.pem")
[ "$got" != "$first" ] || qp_fail "lego renew: the certificate did not change"
qp_ok "lego renew: the files hold a new certificate"
want=$(qp_pubkey "$certs/mail.example.test.key")
got=$(qp_pubkey "$ctl/clientcert.pem")
qp_assert_eq "$want" "$got" "lego renew: the key is lego's new key"

# --- uacme ---------------------------------------------------------------------------
# A copy of the system bundle with pebble's CA, seen by uacme only.
cat /etc/ssl/certs/ca-certificates.crt "$QP_ACME_CA" >"$w/bundle.crt"
cat >"$w/uacme-with-ca" <<'EOF'
#!/bin/sh
# uacme in a mount namespace of its own whose system CA bundle trusts pebble.
exec unshare --mount --propagation private sh -c \
    'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec uacme "$@"' \
    "$QP_UACME_BUNDLE" "$@"
EOF
chmod 0755 "$w/uacme-with-ca"
# uacme's challenge hook: accept http-01 (pebble does not check it; a real
# one writes the token for a web server, as /usr/share/uacme/uacme.sh does).
cat >"$w/uacme-challenge" <<'EOF'
#!/bin/sh
case $1:$2 in
begin:http-01) exit 0 ;;
begin:*) exit 1 ;;
esac
exit 0
EOF
chmod 0755 "$w/uacme-challenge"
script="$QP_SRCDIR/contrib/uacme/qmail-pem-uacme"
export QP_UACME_BUNDLE="$w/bundle.crt" UACME="$w/uacme-with-ca"
export UACME_CONFDIR="$w/uacme"
ua="-a $QP_ACME_DIR -h $w/uacme-challenge"

# Without an account uacme fails (-n: make none): nothing changes.
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
before=$(qp_snapshot "$ctl")
qp_assert_status 2 env UACME_ARGS="$ua -n" "$script" mail.example.test
qp_assert_contains "$QP_ERR" "qmail-pem-uacme: uacme failed (status 2)" \
    "qmail-pem-uacme: says uacme failed"
not_restarted "qmail-pem-uacme after a failure"
qp_assert_same_snapshot "$before" "$ctl" \
    "qmail-pem-uacme after a failure: directory untouched"

qp_assert_status 0 "$UACME" -c "$UACME_CONFDIR" -a "$QP_ACME_DIR" -y new
qp_assert_status 0 env UACME_ARGS="$ua" "$script" mail.example.test
qp_assert_eq "qmail-pem-uacme: installed the certificate for mail.example.test" \
    "$QP_OUT" "qmail-pem-uacme: the first certificate is installed"
restarted "qmail-pem-uacme, first certificate"
qp_acme_check_installed "$ctl" "$UACME_CONFDIR/mail.example.test/cert.pem" \
    "qmail-pem-uacme, first certificate"
want=$(qp_pubkey "$UACME_CONFDIR/private/mail.example.test/key.pem")
got=$(qp_pubkey "$ctl/servercert.pem")
qp_assert_eq "$want" "$got" "qmail-pem-uacme: the key is uacme's"
kt=$(openssl pkey -in "$ctl/servercert.pem" -noout -text | head -1)
qp_assert_contains "$kt" "Private-Key: (2048 bit" \
    "qmail-pem-uacme: -t RSA gives qmail an RSA key"
first=$(qp_cert_fpr "$ctl/servercert.pem")

# The daily cron run: uacme finds the certificate current (status 1);
# qmail-pem finds the files current; nothing printed, nothing touched.
before=$(qp_snapshot "$ctl")
qp_assert_status 0 env UACME_ARGS="$ua" "$script" mail.example.test
qp_assert_eq "" "$QP_OUT" "qmail-pem-uacme, nothing to renew: prints nothing"
not_restarted "qmail-pem-uacme, nothing to renew"
qp_assert_same_snapshot "$before" "$ctl" \
    "qmail-pem-uacme, nothing to renew: directory untouched"

# A deploy that did not happen (the files replaced by hand meanwhile) is
# made on the next run, even with nothing to renew.
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
qp_assert_status 0 env UACME_ARGS="$ua" "$script" mail.example.test
qp_assert_contains "$QP_OUT" "installed the certificate for mail.example.test" \
    "qmail-pem-uacme, nothing to renew: a missed deploy is made"
restarted "qmail-pem-uacme, missed deploy"
got=$(qp_cert_fpr "$ctl/servercert.pem")
qp_assert_eq "$first" "$got" "qmail-pem-uacme: uacme's certificate is back"

# A forced renewal (-f): a new certificate, deployed.
qp_assert_status 0 env UACME_ARGS="$ua -f" "$script" mail.example.test
qp_assert_contains "$QP_OUT" "installed the certificate for mail.example.test" \
    "qmail-pem-uacme -f: the renewed certificate is installed"
restarted "qmail-pem-uacme -f"
qp_acme_check_installed "$ctl" "$UACME_CONFDIR/mail.example.test/cert.pem" \
    "qmail-pem-uacme -f"
got=$(qp_cert_fpr "$ctl/servercert.pem")
[ "$got" != "$first" ] || qp_fail "qmail-pem-uacme -f: the certificate did not change"
qp_ok "qmail-pem-uacme -f: the files hold a new certificate"
n=$(find "$ctl" -name 'servercert.pem.*.bak' | wc -l)
[ "$n" -ge 1 ] || qp_fail "qmail-pem-uacme -f: no backup of the replaced file"
qp_ok "qmail-pem-uacme -f: the replaced file was kept as a backup"

qp_done
