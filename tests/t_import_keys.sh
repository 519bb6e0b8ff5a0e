# shellcheck shell=bash
# t_import_keys.sh: qmail-pem install --key/--cert/--chain with the key in
# every encoding OpenSSL writes (PKCS#1, PKCS#8, SEC1, encrypted PKCS#8,
# legacy encrypted PEM, DER), with and without the chain, in any order; the
# files always hold the unencrypted key, the leaf, then the intermediate.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/pki.sh
. "$QP_SRCDIR/tests/pki.sh"
qp_setup
pki_init

w="$QP_TMP/in"
mkdir -m 0755 "$w"
pki_key "$w/rsa.pem" rsa
pki_key "$w/ec.pem" ec
pki_leaf "$w/rsa.pem" "$w/rsa.crt"
pki_leaf "$w/ec.pem" "$w/ec.crt"
root_fpr=$(qp_cert_fpr "$PKI/root.pem")
int_fpr=$(qp_cert_fpr "$PKI/int.pem")
rsa_fpr=$(qp_cert_fpr "$w/rsa.crt")
ec_fpr=$(qp_cert_fpr "$w/ec.crt")
rsa_pub=$(qp_pubkey "$w/rsa.pem")
ec_pub=$(qp_pubkey "$w/ec.pem")

# The encodings, as the tools that make keys write them.
k="$w/keys"
mkdir -m 0755 "$k"
openssl pkey -in "$w/rsa.pem" -out "$k/rsa-pkcs8.pem"
openssl rsa -in "$w/rsa.pem" -traditional -out "$k/rsa-pkcs1.pem" 2>/dev/null
openssl pkcs8 -topk8 -in "$w/rsa.pem" -v2 aes-256-cbc -passout pass:s3cret \
    -out "$k/rsa-enc-pkcs8.pem"
openssl rsa -in "$w/rsa.pem" -aes256 -traditional -passout pass:s3cret \
    -out "$k/rsa-legacy-enc.pem" 2>/dev/null
openssl pkey -in "$w/rsa.pem" -outform DER -out "$k/rsa-pkcs8.der"
openssl rsa -in "$w/rsa.pem" -traditional -outform DER \
    -out "$k/rsa-pkcs1.der" 2>/dev/null
openssl pkcs8 -topk8 -in "$w/rsa.pem" -v2 aes-256-cbc -passout pass:s3cret \
    -outform DER -out "$k/rsa-enc-pkcs8.der"
openssl ec -in "$w/ec.pem" -out "$k/ec-sec1.pem" 2>/dev/null
openssl ec -in "$w/ec.pem" -outform DER -out "$k/ec-sec1.der" 2>/dev/null
openssl pkey -in "$w/ec.pem" -out "$k/ec-pkcs8.pem"
openssl ec -in "$w/ec.pem" -aes256 -passout pass:s3cret \
    -out "$k/ec-legacy-enc.pem" 2>/dev/null
grep -q "BEGIN RSA PRIVATE KEY" "$k/rsa-pkcs1.pem" &&
    grep -q "BEGIN PRIVATE KEY" "$k/rsa-pkcs8.pem" &&
    grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$k/rsa-enc-pkcs8.pem" &&
    grep -q "Proc-Type: 4,ENCRYPTED" "$k/rsa-legacy-enc.pem" &&
    grep -q "BEGIN EC PRIVATE KEY" "$k/ec-sec1.pem" &&
    grep -q "Proc-Type: 4,ENCRYPTED" "$k/ec-legacy-enc.pem" ||
    qp_fail "openssl did not write the encodings this test is about"
qp_ok "inputs: PKCS#1, PKCS#8, SEC1, encrypted PKCS#8, legacy encrypted, DER"

# import NAME CERTFPR PUB ARGS...: import into a fresh directory and check
# the layout: key (unencrypted, the same key), leaf, intermediate.
import() {
	local name=$1 fpr=$2 pub=$3 ctl blocks
	shift 3
	ctl=$(qp_mkcontrol)
	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "$@"
	qp_assert_contains "$QP_OUT" "servercert.pem: create, import" \
	    "$name: servercert.pem imported"
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	blocks=$(pki_blocks "$ctl/servercert.pem")
	qp_assert_eq "KEY $fpr $int_fpr" "$blocks" \
	    "$name: key, then the leaf, then the intermediate"
	qp_assert_not_contains "$(cat "$ctl/servercert.pem")" ENCRYPTED \
	    "$name: the key is written unencrypted"
	got=$(qp_pubkey "$ctl/servercert.pem")
	qp_assert_eq "$pub" "$got" "$name: it is the imported key"
	cmp -s "$ctl/servercert.pem" "$ctl/clientcert.pem" ||
	    qp_fail "$name: clientcert.pem differs from servercert.pem"
	qp_ok "$name: clientcert.pem holds the same key and chain"
}

for f in rsa-pkcs1.pem rsa-pkcs8.pem rsa-pkcs8.der rsa-pkcs1.der; do
	import "$f" "$rsa_fpr" "$rsa_pub" --key "$k/$f" --cert "$w/rsa.crt" \
	    --chain "$PKI/int.pem"
done
for f in rsa-enc-pkcs8.pem rsa-legacy-enc.pem rsa-enc-pkcs8.der; do
	import "$f" "$rsa_fpr" "$rsa_pub" --key "$k/$f" --cert "$w/rsa.crt" \
	    --chain "$PKI/int.pem" --passin pass:s3cret
done
for f in ec-sec1.pem ec-sec1.der ec-pkcs8.pem; do
	import "$f" "$ec_fpr" "$ec_pub" --key "$k/$f" --cert "$w/ec.crt" \
	    --chain "$PKI/int.pem"
done
import ec-legacy-enc.pem "$ec_fpr" "$ec_pub" --key "$k/ec-legacy-enc.pem" \
    --cert "$w/ec.crt" --chain "$PKI/int.pem" --passin pass:s3cret
# RSA keys are written in the traditional form every qmail TLS patch loads.
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-enc-pkcs8.der" \
    --cert "$w/rsa.crt" --chain "$PKI/int.pem" --passin pass:s3cret
first=$(head -n 1 "$ctl/servercert.pem")
qp_assert_eq "-----BEGIN RSA PRIVATE KEY-----" "$first" \
    "an encrypted PKCS#8 RSA key is written as RSA PRIVATE KEY"

# --- any order, duplicates, the root -----------------------------------------------
# The leaf last in one file, after the root and the intermediate.
cat "$PKI/root.pem" "$PKI/int.pem" "$w/rsa.crt" >"$w/shuffled.pem"
import "root, intermediate, leaf in one --cert" "$rsa_fpr" "$rsa_pub" \
    --key "$k/rsa-pkcs8.pem" --cert "$w/shuffled.pem"
qp_assert_contains "$QP_OUT" \
    "dropped the root certificate \"CN=QP Test Root\" (clients have it)" \
    "the root is dropped with a note"
# The intermediate given twice, the root in --chain, the leaf in a file of
# its own: the same bytes as above, whatever the order.
cat "$PKI/int.pem" "$PKI/root.pem" "$PKI/int.pem" >"$w/bundle.pem"
before_sum=$(sha256sum <"$ctl/servercert.pem")
import "leaf alone, bundle with a duplicate" "$rsa_fpr" "$rsa_pub" \
    --key "$k/rsa-pkcs1.pem" --cert "$w/rsa.crt" --chain "$w/bundle.pem"
after_sum=$(sha256sum <"$QP_TMP/control/servercert.pem")
qp_assert_eq "$before_sum" "$after_sum" \
    "the same key and chain give the same bytes, whatever the input order"
# Several --chain files in reverse order.
import "two --chain files, root first" "$rsa_fpr" "$rsa_pub" \
    --key "$k/rsa-pkcs8.pem" --cert "$w/rsa.crt" --chain "$PKI/root.pem" \
    --chain "$PKI/int.pem"
# A longer chain: root -> int -> int2 -> leaf, given upside down.
pki_ca int2 int "QP Test Intermediate 2"
int2_fpr=$(qp_cert_fpr "$PKI/int2.pem")
pki_leaf "$w/rsa.pem" "$w/rsa2.crt" mail.example.com "" int2
rsa2_fpr=$(qp_cert_fpr "$w/rsa2.crt")
cat "$PKI/int.pem" "$PKI/int2.pem" >"$w/two-ints.pem"
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-pkcs8.pem" \
    --cert "$w/rsa2.crt" --chain "$w/two-ints.pem"
blocks=$(pki_blocks "$ctl/servercert.pem")
qp_assert_eq "KEY $rsa2_fpr $int2_fpr $int_fpr" "$blocks" \
    "two intermediates: leaf, the one that issued it, then the next"
qp_assert_contains "$QP_OUT" "2 intermediates" "the note counts them"

# --- without a chain -------------------------------------------------------------
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-pkcs8.pem" \
    --cert "$w/rsa.crt"
blocks=$(pki_blocks "$ctl/servercert.pem")
qp_assert_eq "KEY $rsa_fpr" "$blocks" "without --chain: the key and the leaf"
qp_assert_contains "$QP_ERR" "no intermediate" \
    "a warning says that clients may need the intermediate"
qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "one warning line"
# A DER certificate works as well as PEM.
openssl x509 -in "$w/rsa.crt" -outform DER -out "$w/rsa.der"
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-pkcs8.der" \
    --cert "$w/rsa.der" --chain "$PKI/int.pem"
blocks=$(pki_blocks "$ctl/servercert.pem")
qp_assert_eq "KEY $rsa_fpr $int_fpr" "$blocks" "a DER certificate is read too"

# --- idempotence, and the next certificate ---------------------------------------
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-enc-pkcs8.pem" \
    --passin pass:s3cret --cert "$w/rsa.crt" --chain "$PKI/int.pem"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-enc-pkcs8.pem" \
    --passin pass:s3cret --cert "$w/shuffled.pem"
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged (root:nofiles 0640)" \
    "the same import again: servercert.pem unchanged"
qp_assert_contains "$QP_OUT" "clientcert.pem: unchanged (root:qmail 0640)" \
    "clientcert.pem unchanged"
qp_assert_same_snapshot "$before" "$ctl" "a repeated import touches nothing"
# The same key with a new certificate (certbot --reuse-key): replaced, and
# the old file kept as a backup.
pki_leaf "$w/rsa.pem" "$w/rsa-next.crt"
next_fpr=$(qp_cert_fpr "$w/rsa-next.crt")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-pkcs1.pem" \
    --cert "$w/rsa-next.crt" --chain "$PKI/int.pem"
qp_assert_contains "$QP_OUT" "servercert.pem: replace, import" \
    "a new certificate replaces the old one"
blocks=$(pki_blocks "$ctl/servercert.pem")
qp_assert_eq "KEY $next_fpr $int_fpr" "$blocks" "the new leaf is installed"
n=$(find "$ctl" -name 'servercert.pem.*.bak' | wc -l)
qp_assert_eq 1 "$n" "the old servercert.pem is kept as a backup"
n=$(find "$ctl" -name '.qmail-pem-tmp.*' | wc -l)
qp_assert_eq 0 "$n" "no temp file left"

# --- over the broken layout ------------------------------------------------------------
# A world-readable combined file with clientcert.pem a symlink to it, and
# a servercert.pem that cannot be used (its key does not match): the import
# replaces both with real files and says what it found.
ctl=$(qp_mkcontrol)
cat "$w/ec.pem" "$w/rsa.crt" >"$ctl/servercert.pem"
chmod 0644 "$ctl/servercert.pem"
ln -s servercert.pem "$ctl/clientcert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$k/rsa-pkcs8.pem" \
    --cert "$w/rsa.crt" --chain "$PKI/int.pem"
qp_assert_contains "$QP_ERR" "does not match" "the unusable old file is named"
qp_assert_contains "$QP_ERR" "it will be replaced" "and said to be replaced"
qp_assert_contains "$QP_OUT" "clientcert.pem: replace symlink, import" \
    "the symlink is replaced by a real file"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
blocks=$(pki_blocks "$ctl/clientcert.pem")
qp_assert_eq "KEY $rsa_fpr $int_fpr" "$blocks" "clientcert.pem holds the import"

# --- --dry-run and JSON --------------------------------------------------------------
ctl=$(qp_mkcontrol)
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --dry-run \
    --key "$k/rsa-pkcs8.pem" --cert "$w/rsa.crt" --chain "$PKI/int.pem"
qp_assert_contains "$QP_OUT" "servercert.pem: would create, import" \
    "dry run shows the import"
qp_assert_same_snapshot "$before" "$ctl" "dry run writes nothing"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --format json \
    --key "$k/rsa-pkcs8.pem" --cert "$w/rsa.crt" --chain "$PKI/int.pem"
actions=$(printf '%s' "$QP_OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(",".join(f["actions"]) for f in d["files"]), d["changed"])')
qp_assert_eq "create,import create,import True" "$actions" \
    "JSON: both files created by the import"

qp_done
