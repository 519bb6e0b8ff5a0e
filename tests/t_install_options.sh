# shellcheck shell=bash
# t_install_options.sh: qmail-pem install options: --distinct-keys, --owner,
# --server-group, --client-group, --key-type (and its warning), --days,
# --hostname, control/me, the default -d, --format json.
# valgrind: slow (under memcheck: a dozen RSA keys)
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require unshare mount python3

ext() {	# ext FILE NAME: the extension as openssl prints it, on one line
	openssl x509 -in "$1" -noout -ext "$2" | sed 's/^ *//; s/ *$//' | paste -sd'|'
}
cn() {	# cn FILE: the subject of the first certificate
	openssl x509 -in "$1" -noout -subject -nameopt RFC2253
}

# --- --distinct-keys ----------------------------------------------------------
ctl=$(qp_mkcontrol)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --distinct-keys
qp_assert_contains "$QP_OUT" "servercert.pem: create, new key" "distinct: new server key"
qp_assert_contains "$QP_OUT" "clientcert.pem: create, new key" "distinct: new client key"
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$cli" root:qmail 0640
ks=$(qp_pubkey "$srv")
kc=$(qp_pubkey "$cli")
[ "$ks" != "$kc" ] || qp_fail "--distinct-keys: both files have the same key"
qp_ok "--distinct-keys: two different public keys"
k=$(qp_cert_pubkey "$srv")
qp_assert_eq "$ks" "$k" "servercert.pem: key and certificate match"
k=$(qp_cert_pubkey "$cli")
qp_assert_eq "$kc" "$k" "clientcert.pem: key and certificate match"
e=$(ext "$srv" extendedKeyUsage)
qp_assert_eq "X509v3 Extended Key Usage:|TLS Web Server Authentication" "$e" \
    "servercert.pem: serverAuth only"
e=$(ext "$cli" extendedKeyUsage)
qp_assert_eq "X509v3 Extended Key Usage:|TLS Web Client Authentication" "$e" \
    "clientcert.pem: clientAuth only"
s1=$(openssl x509 -in "$srv" -noout -serial)
s2=$(openssl x509 -in "$cli" -noout -serial)
[ "$s1" != "$s2" ] || qp_fail "both certificates have serial $s1"
qp_ok "two certificates, two serials"
fs=$(qp_cert_fpr "$srv")
fc=$(qp_cert_fpr "$cli")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fs" "$got" "distinct: qmaild:nofiles serves the server certificate"
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$fc" "$got" "distinct: qmailr:qmail sends the client certificate"

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --distinct-keys
qp_assert_not_contains "$QP_OUT" "new key" "distinct, run twice: no new key"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_eq "servercert.pem: unchanged (root:nofiles 0640)
clientcert.pem: unchanged (root:qmail 0640)" "$QP_OUT" \
    "an existing distinct client key is kept without --distinct-keys too"
qp_assert_same_snapshot "$before" "$ctl" "distinct: later runs touch nothing"

# From one shared key to two: the server key stays, the client gets its own.
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
shared=$(qp_pubkey "$srv")
srv_id=$(stat -c '%i %.9Y' "$srv")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --distinct-keys
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" "shared -> distinct: server kept"
qp_assert_contains "$QP_OUT" "clientcert.pem: replace, new key" "shared -> distinct: new client key"
qp_assert_eq "$srv_id" "$(stat -c '%i %.9Y' "$srv")" "shared -> distinct: servercert.pem untouched"
kc=$(qp_pubkey "$cli")
[ "$kc" != "$shared" ] || qp_fail "shared -> distinct: the client kept the shared key"
qp_ok "shared -> distinct: clientcert.pem has a key of its own"
e=$(ext "$cli" extendedKeyUsage)
qp_assert_eq "X509v3 Extended Key Usage:|TLS Web Client Authentication" "$e" \
    "shared -> distinct: the new client certificate is clientAuth only"
n=$(find "$ctl" -name 'clientcert.pem.*.bak' | wc -l)
qp_assert_eq 1 "$n" "shared -> distinct: the old client file is backed up"

# --- owner and groups -------------------------------------------------------------
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --owner vpopmail \
    --server-group vchkpw --client-group "$QP_GID_qmail"
qp_assert_file_perm "$srv" vpopmail:vchkpw 0640
qp_assert_file_perm "$cli" vpopmail:qmail 0640
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as vpopmail vchkpw "$srv")
qp_assert_eq "$fpr" "$got" "qmail-smtpd as vpopmail:vchkpw (qmailrocks) reads servercert.pem"
if qp_open_as qmaild nofiles "$srv"; then
	qp_fail "qmaild:nofiles can still read servercert.pem"
fi
qp_ok "qmaild:nofiles cannot read a --server-group vchkpw file"
srv_ino=$(stat -c %i "$srv")
cli_ino=$(stat -c %i "$cli")
sums=$(sha256sum <"$srv"; sha256sum <"$cli")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: fix owner (was vpopmail:vchkpw 0640) -> root:nofiles 0640" \
    "back to the defaults: owner fixed"
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$cli" root:qmail 0640
qp_assert_eq "$sums" "$(sha256sum <"$srv"; sha256sum <"$cli")" \
    "owner and group fixed: the same bytes"
# (A freed inode number may come back for the other file: each file is
# compared with its own old inode.)
[ "$(stat -c %i "$srv")" != "$srv_ino" ] && [ "$(stat -c %i "$cli")" != "$cli_ino" ] ||
    qp_fail "owner fixed in place (same inode): a repair must write a new file"
qp_ok "owner and group fixed by new files (new inodes), never on the live ones"
n=$(find "$ctl" -name '*.bak' | wc -l)
qp_assert_eq 0 "$n" "a repair that keeps the bytes makes no backup"

# --- key types ------------------------------------------------------------------------
# In the valgrind_ twin, RSA-3072 and RSA-4096 are made by qmail-pem itself,
# not under memcheck: the same code as rsa2048 with another number of bits,
# and a minute or more of OpenSSL's prime search under memcheck.
for t in rsa2048 rsa3072 rsa4096 ec-p256 ec-p384 ed25519; do
	ctl=$(qp_mkcontrol)
	bin=$QMAIL_PEM
	case $t in
	rsa3072 | rsa4096)
		if [ -n "${QP_NATIVE:-}" ]; then
			bin=$QP_NATIVE
			echo "# under valgrind: $t made outside memcheck"
		fi
		;;
	esac
	qp_assert_status 0 "$bin" install -d "$ctl" --key-type "$t"
	text=$(openssl x509 -in "$srv" -noout -text)
	ku=$(ext "$srv" keyUsage)
	case $t in
	rsa*)
		qp_assert_eq "" "$QP_ERR" "$t: no warning"
		qp_assert_contains "$text" "Public-Key: (${t#rsa} bit)" "$t: RSA ${t#rsa}"
		qp_assert_contains "$text" "sha256WithRSAEncryption" "$t: SHA-256"
		qp_assert_contains "$ku" "Digital Signature, Key Encipherment" "$t: keyEncipherment"
		head=$(head -n 1 "$srv")
		qp_assert_eq "-----BEGIN RSA PRIVATE KEY-----" "$head" "$t: traditional RSA key"
		;;
	*)
		qp_assert_contains "$QP_ERR" "qmail-pem: warning: $t is not an RSA key type" \
		    "$t: warns"
		qp_assert_contains "$QP_ERR" "454 TLS no valid RSA private key" \
		    "$t: the warning says what breaks"
		qp_assert_contains "$ku" "|Digital Signature" "$t: digitalSignature"
		qp_assert_not_contains "$ku" "Key Encipherment" "$t: no keyEncipherment"
		head=$(head -n 1 "$srv")
		qp_assert_eq "-----BEGIN PRIVATE KEY-----" "$head" "$t: PKCS#8 key"
		;;
	esac
	case $t in
	ec-p256) qp_assert_contains "$text" "NIST CURVE: P-256" "$t: curve" ;;
	ec-p384) qp_assert_contains "$text" "NIST CURVE: P-384" "$t: curve" ;;
	ed25519) qp_assert_contains "$text" "Signature Algorithm: ED25519" "$t: signature" ;;
	esac
	case $t in
	ec-*) qp_assert_contains "$text" "Signature Algorithm: ecdsa-with-SHA256" "$t: SHA-256" ;;
	esac
	k1=$(qp_pubkey "$srv")
	k2=$(qp_cert_pubkey "$srv")
	qp_assert_eq "$k1" "$k2" "$t: key and certificate match"
done
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "ed25519: s_server as qmaild:nofiles serves it"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ed25519 -q
qp_assert_eq "" "$QP_ERR" "-q silences the warning"

# --- --days, --hostname and control/me --------------------------------------------
ctl=$(qp_mkcontrol)
printf '  smtp.example.org \r\nsecond.example.org\n' >"$ctl/me"
t0=$(date +%s)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --days 30 --key-type ec-p256
t1=$(date +%s)
got=$(cn "$srv")
qp_assert_eq "subject=CN=smtp.example.org" "$got" "the first line of me, trimmed"
na=$(openssl x509 -in "$srv" -noout -enddate)
na=$(date -d "${na#notAfter=}" +%s)
if [ "$na" -ge $((t0 + 30 * 86400 - 1)) ] && [ "$na" -le $((t1 + 30 * 86400 + 1)) ]; then
	qp_ok "--days 30: notAfter is 30 days from now"
else
	qp_fail "--days 30: notAfter $na is not 30 days after [$t0, $t1]"
fi

ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --hostname mx.example.net \
    --san mail.example.net --key-type ec-p256
got=$(cn "$srv")
qp_assert_eq "subject=CN=mx.example.net" "$got" "--hostname wins over me"
e=$(ext "$srv" subjectAltName)
qp_assert_eq "X509v3 Subject Alternative Name:|DNS:mx.example.net, DNS:mail.example.net" \
    "$e" "--hostname and --san in the subjectAltName"
ctl=$(qp_mkcontrol)
rm "$ctl/me"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --hostname mx.example.net \
    --key-type ec-p256
got=$(cn "$srv")
qp_assert_eq "subject=CN=mx.example.net" "$got" "--hostname without me"

# --- -d defaults to /var/qmail/control ---------------------------------------------------
# A private mount namespace with an empty tmpfs on /var: nothing outside it
# is touched, and it is gone when the command ends.
# shellcheck disable=SC2016  # expanded by the inner bash
qp_assert_status 0 unshare --mount --propagation private bash -c '
	set -e
	mount -t tmpfs -o mode=0755 qp-test-var /var
	mkdir -p -m 0755 /var/qmail/control
	echo default.example.com >/var/qmail/control/me
	"$1" install --key-type ec-p256 -q
	stat -c "%n %U:%G %a" /var/qmail/control/servercert.pem \
	    /var/qmail/control/clientcert.pem
	openssl x509 -in /var/qmail/control/servercert.pem -noout -subject' \
    _ "$QMAIL_PEM"
qp_assert_eq "/var/qmail/control/servercert.pem root:nofiles 640
/var/qmail/control/clientcert.pem root:qmail 640
subject=CN = default.example.com" "$QP_OUT" "without -d: /var/qmail/control"
qp_assert_status 66 unshare --mount --propagation private bash -c '
	mount -t tmpfs -o mode=0755 qp-test-var /var
	"$1" install --dry-run' _ "$QMAIL_PEM"
qp_assert_contains "$QP_ERR" "control directory /var/qmail/control does not exist" \
    "without -d and no /var/qmail/control: named"

# --- --format json -------------------------------------------------------------------
ctl=$(qp_mkcontrol)
json() {
	printf '%s' "$QP_OUT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["command"], r["dry_run"], r["changed"])
for f in r["files"]:
    print(f["name"], f["changed"], ",".join(f["actions"]), f["permissions"])'
}
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --format json --dry-run
got=$(json)
qp_assert_eq "install True True
servercert.pem True create,new key,new certificate root:nofiles 0640
clientcert.pem True create,new key,new certificate root:qmail 0640" "$got" \
    "--format json --dry-run: the plan"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --format json
got=$(json)
qp_assert_contains "$got" "install False True" "--format json: changed"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --format json
got=$(json)
qp_assert_eq "install False False
servercert.pem False unchanged root:nofiles 0640
clientcert.pem False unchanged root:qmail 0640" "$got" "--format json: unchanged"

qp_done
