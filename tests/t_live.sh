#!/bin/bash
# qmail-pem verify --connect against real SMTP servers (python3-aiosmtpd) on
# loopback: AUTH only after STARTTLS (OK), AUTH before it (CRITICAL), no
# AUTH (INFO), a server that still presents another certificate (WARNING,
# "restart it"), an expired one (CRITICAL), no STARTTLS (CRITICAL with the
# reply), SMTPS with --tls; with -d and without.  swaks, the reference
# client, first confirms what each server offers.
# valgrind: slow (under memcheck: RSA keys, and servers that time out on purpose)
# labels: noasan
# (not again under ASan: servers that time out on purpose take its time;
# the SMTP and TLS code runs under ASan in t_live_hostile, unit_smtpreply
# and the fuzz replays)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
. "$QP_SRCDIR/tests/live_lib.sh"
qp_setup
qp_require faketime python3
live_init
vl_fresh	# $CTL laid out by qmail-pem install: a self-signed servercert.pem
srv="$CTL/servercert.pem"

# --- AUTH only after STARTTLS (aiosmtpd's auth_require_tls) ---------------
live_start require_tls --mode aiosmtpd --cert "$srv" --auth after
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_eq 0 "$LIVE_SWAKS_RC" "swaks completes STARTTLS and EHLO"
qp_assert_contains "$LIVE_SWAKS" "<-  250-STARTTLS" "swaks: STARTTLS offered"
qp_assert_not_contains "$LIVE_SWAKS" "<-  250-AUTH" "swaks: no AUTH before TLS"
qp_assert_contains "$LIVE_SWAKS" "<~  250-AUTH LOGIN PLAIN" "swaks: AUTH after TLS"
vl_expect 0 "$label" auth-before-tls OK --connect "127.0.0.1:$port"
vl_expect 0 "$label" auth-after-tls OK --connect "127.0.0.1:$port"
vl_expect 0 "$label" live-cert-matches OK --connect "127.0.0.1:$port"
vl_expect 0 "$label" tls-version OK --connect "127.0.0.1:$port"
vl_expect 0 "$label" live-chain-complete OK --connect "127.0.0.1:$port"
# The files are in the same report.
vl_expect 0 servercert.pem expiry OK --connect "127.0.0.1:$port"
msg=$(live_message live-cert-matches -d "$CTL" --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "presents the certificate of servercert.pem" \
    "live-cert-matches says it is the file's"
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" --connect "127.0.0.1:$port"
qp_assert_contains "$QP_OUT" "'smtp:127.0.0.1:${port}_days'=" \
    "nagios perfdata: days left of the presented certificate"

# Without -d: the server only, no file is read (a monitoring host).
live_expect 0 "$label" live-cert-expiry OK --connect "127.0.0.1:$port"
live_expect 0 "$label" auth-after-tls OK --connect "127.0.0.1:$port"
got=$(vl_json_check "$QP_TMP/.qp/live.json" "$label" live-cert-matches)
qp_assert_eq MISSING "$got" "without -d there is nothing to compare with"
got=$(vl_json_check "$QP_TMP/.qp/live.json" servercert.pem expiry 2>/dev/null ||
    echo absent)
qp_assert_eq absent "$got" "without -d no file is in the report"
# EHLO name, --starttls smtp spelled out, and a name instead of an address.
live_expect 0 "smtp:localhost:$port" tls-handshake OK \
    --connect "localhost:$port" --starttls smtp --helo probe.example.org
live_stop require_tls

# --- AUTH before STARTTLS: CRITICAL --------------------------------------
live_start auth_plain --mode aiosmtpd --cert "$srv" --auth before
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "<-  250-AUTH LOGIN PLAIN" \
    "swaks: AUTH offered before TLS"
vl_expect 2 "$label" auth-before-tls CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" auth-before-tls CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message auth-before-tls --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "AUTH LOGIN PLAIN is offered before STARTTLS" \
    "the message names the mechanisms"
qp_assert_contains "$msg" "clear text" "the message says why"
live_stop auth_plain

# --- no AUTH at all: information, not a problem ----------------------------
live_start no_auth --mode aiosmtpd --cert "$srv" --auth none
port=$LIVE_PORT
live_swaks "$port"
qp_assert_not_contains "$LIVE_SWAKS" "250-AUTH" "swaks: no AUTH at all"
live_expect 0 "smtp:127.0.0.1:$port" auth-after-tls INFO \
    --connect "127.0.0.1:$port"
live_stop no_auth

# --- the server still presents another certificate: WARNING --------------
vl_selfsigned "$QP_TMP/old" cn=old.example.com san=DNS:old.example.com
cat "$QP_TMP/old.key" "$QP_TMP/old.crt" >"$QP_TMP/old.pem"
live_start old_cert --mode aiosmtpd --cert "$QP_TMP/old.pem" --auth after
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" 'TLS peer DN="/CN=old.example.com"' \
    "swaks: the server presents the old certificate"
vl_expect 1 "$label" live-cert-matches WARNING --connect "127.0.0.1:$port"
msg=$(live_message live-cert-matches -d "$CTL" --connect "127.0.0.1:$port")
qp_assert_contains "$msg" \
    "server still presents the old certificate: restart it" \
    "WARNING says: restart it"
fpr=$(qp_cert_fpr "$QP_TMP/old.crt")
fpr=$(printf '%s' "${fpr//:/}" | tr 'A-F' 'a-f')
qp_assert_contains "$msg" "${fpr:0:16}" \
    "the message names the presented certificate's SHA-256"
vl_expect 1 "$label" live-chain-complete SKIPPED --connect "127.0.0.1:$port"
live_stop old_cert

# --- ... and that certificate has expired: CRITICAL -----------------------
vl_selfsigned "$QP_TMP/expired" cn=old.example.com \
    san=DNS:old.example.com days=30 shift=-400d
cat "$QP_TMP/expired.key" "$QP_TMP/expired.crt" >"$QP_TMP/expired.pem"
enddate=$(openssl x509 -in "$QP_TMP/expired.crt" -noout -checkend 0 || true)
qp_assert_eq "Certificate will expire" "$enddate" "the old certificate has expired"
live_start expired --mode aiosmtpd --cert "$QP_TMP/expired.pem" --auth after
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_eq 0 "$LIVE_SWAKS_RC" "swaks: the expired certificate is still served"
vl_expect 2 "$label" live-cert-matches CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" live-cert-expiry CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message live-cert-matches -d "$CTL" --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "expired certificate" "CRITICAL says expired"
qp_assert_contains "$msg" "restart it" "and says to restart it"
live_stop expired

# --- no STARTTLS: CRITICAL, with the server's reply ----------------------
live_start plain --mode aiosmtpd --auth none
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port" --tls-optional
qp_assert_not_contains "$LIVE_SWAKS" "250-STARTTLS" "swaks: no STARTTLS offered"
qp_assert_contains "$LIVE_SWAKS" "did not advertise STARTTLS" \
    "swaks says so too"
qp_assert_contains "$LIVE_SWAKS" "<-  250 HELP" "swaks: EHLO answered"
vl_expect 2 "$label" starttls-offered CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" starttls-offered CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" tls-handshake SKIPPED --connect "127.0.0.1:$port"
msg=$(live_message starttls-offered --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "250-mail.example.com / 250-SIZE" \
    "the message carries the EHLO reply"
live_stop plain

# --- SMTPS (--tls): TLS from the first byte -------------------------------
live_start smtps --mode aiosmtpd --cert "$srv" --implicit-tls --auth after
port=$LIVE_PORT
label="smtps:127.0.0.1:$port"
live_swaks "$port" --tls-on-connect
qp_assert_eq 0 "$LIVE_SWAKS_RC" "swaks speaks SMTPS to it"
qp_assert_contains "$LIVE_SWAKS" "<~  220 " "swaks: banner through TLS"
vl_expect 0 "$label" live-cert-matches OK --connect "127.0.0.1:$port" --tls
vl_expect 0 "$label" banner OK --connect "127.0.0.1:$port" --tls
got=$(vl_json_check "$QP_TMP/.qp/vl.json" "$label" auth-before-tls)
qp_assert_eq MISSING "$got" "SMTPS has no 'before TLS'"
# The same server through STARTTLS speaks TLS where SMTP is expected.
live_expect 2 "smtp:127.0.0.1:$port" banner CRITICAL \
    --connect "127.0.0.1:$port" --timeout 3
live_stop smtps

# --- bad command lines: usage, UNKNOWN for Nagios, nothing probed ---------
qp_assert_status 3 "$QMAIL_PEM" verify --connect "127.0.0.1:0"
qp_assert_contains "$QP_ERR" "port must be a number from 1 to 65535" \
    "port 0 refused"
qp_assert_status 3 "$QMAIL_PEM" verify --connect "mail example.com"
qp_assert_contains "$QP_ERR" "--connect takes HOST" "a bad host refused"
qp_assert_status 3 "$QMAIL_PEM" verify --tls
qp_assert_contains "$QP_ERR" "add --connect" "--tls needs --connect"
qp_assert_status 3 "$QMAIL_PEM" verify --connect 127.0.0.1 --tls \
    --starttls smtp
qp_assert_contains "$QP_ERR" "exclude each other" "--tls with --starttls"
qp_assert_status 3 "$QMAIL_PEM" verify --connect 127.0.0.1 --starttls imap
qp_assert_contains "$QP_ERR" "--starttls takes smtp" "--starttls imap"
qp_assert_status 3 "$QMAIL_PEM" verify --connect 127.0.0.1 --timeout 0
qp_assert_contains "$QP_ERR" "--timeout takes a whole number" "--timeout 0"
qp_assert_status 3 "$QMAIL_PEM" verify --connect 127.0.0.1 \
    --helo $'x\r\nRCPT'
qp_assert_contains "$QP_ERR" "--helo takes a host name" \
    "--helo with CR LF refused"
qp_done
