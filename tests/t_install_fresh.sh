# shellcheck shell=bash
# t_install_fresh.sh: qmail-pem install on a fresh control directory: the
# plan, the two files, the certificate's fields, the real readers, and the
# second run that touches nothing.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"

# --- the plan ------------------------------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install --dry-run -d "$ctl"
qp_assert_contains "$QP_OUT" \
    "servercert.pem: would create, new key, new certificate -> root:nofiles 0640" \
    "dry run: servercert.pem would be created with a new key"
qp_assert_contains "$QP_OUT" "serverAuth+clientAuth" \
    "dry run: one certificate for both directions"
qp_assert_contains "$QP_OUT" \
    "clientcert.pem: would create, new key, new certificate -> root:qmail 0640" \
    "dry run: clientcert.pem would be created"
qp_assert_contains "$QP_OUT" "dry run: nothing was changed" "dry run says so"
qp_assert_eq "" "$QP_ERR" "dry run: nothing on stderr"
qp_assert_same_snapshot "$before" "$ctl" "dry run writes nothing"

# --- the files -------------------------------------------------------------------
t0=$(date +%s)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" \
    --san smtp.example.com --san mx.example.net --san mail.example.com
t1=$(date +%s)
qp_assert_contains "$QP_OUT" "servercert.pem: create, new key, new certificate" \
    "servercert.pem reported created"
qp_assert_contains "$QP_OUT" "clientcert.pem: create" "clientcert.pem reported created"
qp_assert_eq "" "$QP_ERR" "no warning for the default rsa2048"
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$cli" root:qmail 0640
s_srv=$(sha256sum <"$srv")
s_cli=$(sha256sum <"$cli")
qp_assert_eq "$s_srv" "$s_cli" "both files hold the same key and certificate"

# The unencrypted key first (the traditional RSA form), then the leaf only.
blocks=$(grep '^-----' "$srv" | tr '\n' ' ')
qp_assert_eq "-----BEGIN RSA PRIVATE KEY----- -----END RSA PRIVATE KEY----- -----BEGIN CERTIFICATE----- -----END CERTIFICATE----- " \
    "$blocks" "key first, then the certificate, nothing else"
qp_assert_not_contains "$(cat "$srv")" "ENCRYPTED" "the key is not encrypted"
key=$(qp_pubkey "$srv")
crt=$(qp_cert_pubkey "$srv")
qp_assert_eq "$key" "$crt" "the key matches the certificate"
entries=$(cd "$ctl" && ls -A | tr '\n' ' ')
qp_assert_eq "clientcert.pem me servercert.pem " "$entries" \
    "no temp file and no backup left"

# --- the certificate ---------------------------------------------------------
text=$(openssl x509 -in "$srv" -noout -text)
qp_assert_contains "$text" "Version: 3 (0x2)" "X.509 v3"
qp_assert_contains "$text" "Signature Algorithm: sha256WithRSAEncryption" \
    "SHA-256 signature"
qp_assert_contains "$text" "Subject: CN = mail.example.com" "subject CN = me"
qp_assert_contains "$text" "Issuer: CN = mail.example.com" "self-signed"
qp_assert_contains "$text" "Public-Key: (2048 bit)" "RSA 2048 by default"

ext() {	# ext FILE NAME: the extension as openssl prints it, on one line
	openssl x509 -in "$1" -noout -ext "$2" | sed 's/^ *//; s/ *$//' | paste -sd'|'
}
e=$(ext "$srv" basicConstraints)
qp_assert_eq "X509v3 Basic Constraints: critical|CA:FALSE" "$e" \
    "basicConstraints CA:FALSE, critical"
e=$(ext "$srv" keyUsage)
qp_assert_contains "$e" "|Digital Signature, Key Encipherment" \
    "keyUsage digitalSignature, keyEncipherment for RSA"
e=$(ext "$srv" extendedKeyUsage)
qp_assert_eq "X509v3 Extended Key Usage:|TLS Web Server Authentication, TLS Web Client Authentication" \
    "$e" "serverAuth+clientAuth for the shared certificate"
e=$(ext "$srv" subjectAltName)
qp_assert_eq "X509v3 Subject Alternative Name:|DNS:mail.example.com, DNS:smtp.example.com, DNS:mx.example.net" \
    "$e" "SAN: the host name, then every --san once"
skid=$(ext "$srv" subjectKeyIdentifier)
akid=$(ext "$srv" authorityKeyIdentifier)
skid=${skid#*|}
akid=${akid#*|}
case $skid in
[0-9A-F][0-9A-F]:*) qp_ok "subject key identifier present ($skid)" ;;
*) qp_fail "no subject key identifier: '$skid'" ;;
esac
qp_assert_eq "$skid" "${akid#keyid:}" "authority key id = subject key id"

serial=$(openssl x509 -in "$srv" -noout -serial)
serial=${serial#serial=}
case $serial in
[1-7][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F])
	qp_ok "serial is a positive 128-bit number ($serial)" ;;
*) qp_fail "serial is not a positive 16-byte number: $serial" ;;
esac

# notBefore is five minutes before the run, notAfter 365 days after it.
nb=$(openssl x509 -in "$srv" -noout -startdate)
na=$(openssl x509 -in "$srv" -noout -enddate)
nb=$(date -d "${nb#notBefore=}" +%s)
na=$(date -d "${na#notAfter=}" +%s)
if [ "$nb" -ge $((t0 - 301)) ] && [ "$nb" -le $((t1 - 299)) ]; then
	qp_ok "notBefore is now minus 5 minutes"
else
	qp_fail "notBefore $nb is not in [$((t0 - 300)), $((t1 - 300))]"
fi
if [ "$na" -ge $((t0 + 365 * 86400 - 1)) ] && [ "$na" -le $((t1 + 365 * 86400 + 1)) ]; then
	qp_ok "notAfter is now plus 365 days"
else
	qp_fail "notAfter $na is not 365 days after [$t0, $t1]"
fi
openssl verify -CAfile "$srv" -purpose sslserver "$srv" >/dev/null 2>&1 ||
    qp_fail "openssl verify -purpose sslserver refuses the certificate"
qp_ok "openssl verify: valid for sslserver"
openssl verify -CAfile "$cli" -purpose sslclient "$cli" >/dev/null 2>&1 ||
    qp_fail "openssl verify -purpose sslclient refuses the certificate"
qp_ok "openssl verify: valid for sslclient"

# --- the real readers ----------------------------------------------------------
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" \
    "s_server as qmaild:nofiles loads servercert.pem and presents its certificate"
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$fpr" "$got" \
    "s_client as qmailr:qmail loads clientcert.pem and sends its certificate"
for who in other:other vpopmail:vchkpw nobody:nogroup qmailr:qmail; do
	if qp_open_as "${who%%:*}" "${who#*:}" "$srv"; then
		qp_fail "$who can read servercert.pem"
	fi
	err=$(cat "$QP_TMP/.qp/open_as.err")
	qp_assert_contains "$err" "Permission denied" "$who gets EACCES on servercert.pem"
done
for who in other:other vpopmail:vchkpw nobody:nogroup qmaild:nofiles; do
	if qp_open_as "${who%%:*}" "${who#*:}" "$cli"; then
		qp_fail "$who can read clientcert.pem"
	fi
	err=$(cat "$QP_TMP/.qp/open_as.err")
	qp_assert_contains "$err" "Permission denied" "$who gets EACCES on clientcert.pem"
done
if qp_tls_handshake_as other other "$srv" 2>/dev/null; then
	qp_fail "s_server as other:other loaded servercert.pem"
fi
qp_ok "s_server as other:other cannot load servercert.pem"
if qp_client_cert_as qmaild nofiles "$cli" 2>/dev/null; then
	qp_fail "s_client as qmaild:nofiles loaded clientcert.pem"
fi
qp_ok "s_client as qmaild:nofiles cannot load clientcert.pem"

# --- run twice --------------------------------------------------------------------
id_before=$(stat -c '%n %i %.9Y' "$srv" "$cli")
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_eq "servercert.pem: unchanged (root:nofiles 0640)
clientcert.pem: unchanged (root:qmail 0640)" "$QP_OUT" \
    "second run: unchanged for each file"
qp_assert_eq "" "$QP_ERR" "second run: nothing on stderr"
id_after=$(stat -c '%n %i %.9Y' "$srv" "$cli")
qp_assert_eq "$id_before" "$id_after" "second run: same inodes, same mtimes"
qp_assert_same_snapshot "$before" "$ctl" \
    "second run: directory byte-identical (no temp, no backup, same ctime)"

qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --format json
changed=$(printf '%s' "$QP_OUT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["changed"], [(f["name"], f["changed"], f["actions"]) for f in r["files"]])')
qp_assert_eq "False [('servercert.pem', False, ['unchanged']), ('clientcert.pem', False, ['unchanged'])]" \
    "$changed" "--format json: nothing changed"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --dry-run
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" "dry run on a good directory: unchanged"
qp_assert_same_snapshot "$before" "$ctl" "third and fourth runs touch nothing either"

qp_done
