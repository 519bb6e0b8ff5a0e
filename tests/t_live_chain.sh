#!/bin/bash
# qmail-pem verify --connect: the chain the server sends, and a second,
# independent SMTP and TLS implementation.
#
# servercert.pem is installed from a CA chain (root -> intermediate ->
# leaf).  python3-aiosmtpd (OpenSSL) then serves the leaf without the
# intermediate (live-chain-complete CRITICAL) and the chain out of order
# (live-chain-order WARNING); openssl s_client -showcerts, the reference,
# first shows what each sends.  exim (Debian's exim4-daemon-light, built
# with GnuTLS) is the second implementation: it runs as a foreground daemon
# from a config of its own, with spool, logs and pid file in $QP_TMP (see
# live_exim in live_lib.sh; no system file is read or changed), loads the
# installed servercert.pem itself, and is probed with AUTH only after
# STARTTLS (all OK), AUTH before it (CRITICAL) and without TLS (CRITICAL);
# swaks confirms what it offers each time.
#
# opensmtpd was not used: its smtpd(8) insists on its own user _smtpd, its
# privilege-separated processes and /var/spool/smtpd, so it cannot run
# from a temp dir without changing the system; exim can.
# valgrind: slow (under memcheck: a dozen RSA keys and chains)
# labels: noasan
# (not again under ASan: RSA keys and chains for openssl s_server take its
# time; the chain code runs under ASan in t_live_hostile and unit_chain)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
. "$QP_SRCDIR/tests/live_lib.sh"
qp_setup
qp_require python3 openssl exim
live_init
vl_certs	# $VL/root -> $VL/inter -> $VL/leaf
vl_fresh
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$CTL" --key "$VL/leaf.key" \
    --cert "$VL/leaf.crt" --chain "$VL/inter.crt"
srv="$CTL/servercert.pem"
leaf_fpr=$(qp_cert_fpr "$VL/leaf.crt")
inter_fpr=$(qp_cert_fpr "$VL/inter.crt")

# sent_chain PORT: the SHA-256 fingerprints of the certificates the server
# at PORT sends after STARTTLS, in order, as openssl s_client sees them.
sent_chain() {
	local out fpr block= line
	out=$(timeout 30 openssl s_client -connect "127.0.0.1:$1" \
	    -starttls smtp -showcerts </dev/null 2>/dev/null) || true
	while IFS= read -r line; do
		case $line in
		"-----BEGIN CERTIFICATE-----") block="$line"$'\n' ;;
		"-----END CERTIFICATE-----")
			fpr=$(printf '%s%s\n' "$block" "$line" |
			    openssl x509 -noout -fingerprint -sha256)
			printf '%s\n' "${fpr#*=}"
			block= ;;
		*) [ -z "$block" ] || block+="$line"$'\n' ;;
		esac
	done <<<"$out"
}

# --- aiosmtpd sends the leaf alone: clients cannot build the chain --------
live_start leafonly --mode aiosmtpd --cert "$VL/leaf.crt" --key "$VL/leaf.key" \
    --auth after
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
sent=$(sent_chain "$port")
qp_assert_eq "$leaf_fpr" "$sent" "s_client: the server sends the leaf only"
vl_expect 2 "$label" live-chain-complete CRITICAL --connect "127.0.0.1:$port"
vl_expect 2 "$label" live-cert-matches OK --connect "127.0.0.1:$port"
msg=$(live_message live-chain-complete -d "$CTL" --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "does not send 1 of the 1 intermediate certificate in servercert.pem (first: CN=Test Intermediate CA)" \
    "the message names the missing intermediate"
live_stop leafonly

# --- aiosmtpd sends leaf, root, intermediate: out of order ----------------
cat "$VL/leaf.crt" "$VL/root.crt" "$VL/inter.crt" >"$QP_TMP/wrong-order.pem"
live_start wrongorder --mode aiosmtpd --cert "$QP_TMP/wrong-order.pem" \
    --key "$VL/leaf.key" --auth after
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
sent=$(sent_chain "$port")
qp_assert_eq "$leaf_fpr
$(qp_cert_fpr "$VL/root.crt")
$inter_fpr" "$sent" "s_client: leaf, root, intermediate"
vl_expect 1 "$label" live-chain-order WARNING --connect "127.0.0.1:$port"
vl_expect 1 "$label" live-chain-complete OK --connect "127.0.0.1:$port"
live_expect 1 "$label" live-chain-order WARNING --connect "127.0.0.1:$port"
msg=$(live_message live-chain-order --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "certificate 2 (CN=Test Root CA) did not issue certificate 1 (CN=mail.example.com)" \
    "the message names the pair out of order"
live_stop wrongorder

# --- exim (GnuTLS) with the installed servercert.pem, AUTH after TLS ------
exim_tls=("tls_advertise_hosts = *" "tls_certificate = $srv"
    "tls_privatekey = $srv")
live_exim exim_ok "${exim_tls[@]}" \
    'auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}'
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_eq 0 "$LIVE_SWAKS_RC" "swaks completes STARTTLS with exim"
qp_assert_contains "$LIVE_SWAKS" "<-  220 mail.example.com ESMTP Exim" \
    "swaks: it is exim"
qp_assert_contains "$LIVE_SWAKS" "<-  250-STARTTLS" "swaks: STARTTLS offered"
qp_assert_not_contains "$LIVE_SWAKS" "<-  250-AUTH" "swaks: no AUTH before TLS"
qp_assert_contains "$LIVE_SWAKS" "<~  250-AUTH PLAIN" "swaks: AUTH after TLS"
sent=$(sent_chain "$port")
qp_assert_eq "$leaf_fpr
$inter_fpr" "$sent" "s_client: exim sends leaf and intermediate"
vl_expect 0 "$label" live-cert-matches OK --connect "127.0.0.1:$port"
# The other checks, from the JSON report of that run.
for check in live-chain-complete live-chain-order auth-before-tls \
    auth-after-tls tls-version starttls-offered; do
	got=$(vl_json_check "$QP_TMP/.qp/vl.json" "$label" "$check")
	qp_assert_eq OK "$got" "json: exim: $check OK"
done
live_stop exim_ok

# --- exim offering AUTH before STARTTLS: CRITICAL -------------------------
live_exim exim_auth "${exim_tls[@]}" 'auth_advertise_hosts = *'
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "<-  250-AUTH PLAIN" \
    "swaks: exim offers AUTH before TLS"
vl_expect 2 "$label" auth-before-tls CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" auth-before-tls CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message auth-before-tls --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "AUTH PLAIN is offered before STARTTLS" \
    "the message names the mechanism"
live_stop exim_auth

# --- exim without TLS: STARTTLS not offered, CRITICAL with the reply ------
live_exim exim_plain 'tls_advertise_hosts ='
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "did not advertise STARTTLS" \
    "swaks: exim offers no STARTTLS"
live_expect 2 "$label" starttls-offered CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message starttls-offered --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "EHLO reply: \"250-mail.example.com Hello" \
    "the message carries exim's EHLO reply"
live_stop exim_plain
qp_done
