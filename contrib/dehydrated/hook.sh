#!/usr/bin/env bash
# hook.sh: dehydrated hook that installs each new certificate for qmail.
#
# Use it as dehydrated's hook (HOOK=/etc/dehydrated/qmail-pem-hook.sh in
# /etc/dehydrated/config; root, mode 0755), or copy its deploy_cert function
# into the hook you already have.  dehydrated calls
#   hook.sh deploy_cert DOMAIN KEYFILE CERTFILE FULLCHAINFILE CHAINFILE TIMESTAMP
# after it got a new certificate; `qmail-pem install' imports the key and the
# full chain into servercert.pem (root:nofiles 0640) and clientcert.pem
# (root:qmail 0640) atomically.  Every other handler does nothing here (for
# http-01, dehydrated serves the challenge from its WELLKNOWN directory
# itself).
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

deploy_cert() {
	local domain=$1 keyfile=$2 fullchainfile=$4 out

	if [ -n "$QMAIL_PEM_DOMAIN" ] && [ "$domain" != "$QMAIL_PEM_DOMAIN" ]; then
		return 0
	fi
	# shellcheck disable=SC2086  # QMAIL_PEM_ARGS holds several words
	out=$("$QMAIL_PEM" install $QMAIL_PEM_ARGS --key "$keyfile" \
	    --cert "$fullchainfile" --format json) || return
	case $out in
	*'"changed": true'*|*'"changed":true'*)
		echo " + qmail-pem: installed the certificate for $domain"
		if [ -n "$QMAIL_PEM_RESTART" ]; then
			sh -c "$QMAIL_PEM_RESTART"
		fi
		;;
	*)
		echo " + qmail-pem: certificate for $domain unchanged"
		;;
	esac
}

handler=${1:-}
if [ "$handler" = deploy_cert ]; then
	shift
	deploy_cert "$@"
fi
exit 0
