#!/bin/sh
# hook.sh: lego hook that installs each new certificate for qmail.
#
# Copy to /usr/local/sbin/qmail-pem-lego-hook (root, mode 0755) and give it
# to lego as --run-hook when getting the certificate and as --renew-hook in
# the renewal cron job:
#   lego --path /etc/lego --email postmaster@example.com --accept-tos \
#       --domains mail.example.com --http --key-type rsa2048 \
#       run --run-hook /usr/local/sbin/qmail-pem-lego-hook
#   lego --path /etc/lego --email postmaster@example.com \
#       --domains mail.example.com --http --key-type rsa2048 \
#       renew --renew-hook /usr/local/sbin/qmail-pem-lego-hook
# lego runs the hook itself (not through a shell) only when it got a new
# certificate, with LEGO_CERT_DOMAIN, LEGO_CERT_KEY_PATH and LEGO_CERT_PATH
# (the certificate followed by its issuers, unless --no-bundle) set.
# `qmail-pem install' imports the key and the chain into servercert.pem
# (root:nofiles 0640) and clientcert.pem (root:qmail 0640) atomically.
#
# --key-type rsa2048: lego makes EC keys by default, and qmail's TLS patch
# (qmail-tls 20231230, the newest) loads RSA keys only.
#
# Settings (edit here, or set them in the environment):
#   QMAIL_PEM_DOMAIN   only act for this domain (empty: every certificate)
#   QMAIL_PEM_ARGS     more options for `qmail-pem install', for example
#                      "-d /var/qmail/control --client-self-signed"
#   QMAIL_PEM_RESTART  a command run after the files changed: sslserver loads
#                      the certificate once at start, so restart it, e.g.
#                      "svc -t /service/qmail-smtpsd"; qmail-smtpd under
#                      tcpserver needs nothing
#   QMAIL_PEM          the qmail-pem program
set -eu

: "${QMAIL_PEM_DOMAIN:=}"
: "${QMAIL_PEM_ARGS:=}"
: "${QMAIL_PEM_RESTART:=}"
: "${QMAIL_PEM:=qmail-pem}"

if [ -z "${LEGO_CERT_PATH:-}" ] || [ -z "${LEGO_CERT_KEY_PATH:-}" ]; then
	echo "qmail-pem lego hook: LEGO_CERT_PATH and LEGO_CERT_KEY_PATH are" \
	    "not set; lego sets them for --run-hook and --renew-hook" >&2
	exit 64
fi
domain=${LEGO_CERT_DOMAIN:-}
if [ -n "$QMAIL_PEM_DOMAIN" ] && [ "$domain" != "$QMAIL_PEM_DOMAIN" ]; then
	exit 0
fi

# With --no-bundle the certificate file holds the leaf only; lego always
# writes the issuers beside it.  qmail-pem drops a certificate given twice.
issuer=${LEGO_CERT_PATH%.crt}.issuer.crt
set --
[ -f "$issuer" ] && set -- --chain "$issuer"

# --format json tells whether a file changed; -q would hide the plan.
# shellcheck disable=SC2086  # QMAIL_PEM_ARGS holds several words
out=$("$QMAIL_PEM" install $QMAIL_PEM_ARGS --key "$LEGO_CERT_KEY_PATH" \
    --cert "$LEGO_CERT_PATH" "$@" --format json)
case $out in
*'"changed": true'*|*'"changed":true'*)
	echo "qmail-pem: installed the certificate for $domain"
	if [ -n "$QMAIL_PEM_RESTART" ]; then
		sh -c "$QMAIL_PEM_RESTART"
	fi
	;;
*)
	echo "qmail-pem: certificate for $domain unchanged"
	;;
esac
