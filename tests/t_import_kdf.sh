#!/bin/bash
# Hostile key-derivation parameters are refused before any derivation,
# in seconds, naming the parameter and the file: a PKCS#12 MAC iteration
# count of 2^31-1, PBKDF2 and PKCS#12/PBES1 iteration counts above
# 10,000,000 (in an encrypted PKCS#8 key, PEM or DER, and in a PKCS#12
# file's shrouded key and encrypted part), scrypt with p above 16 or more
# memory than OpenSSL's 32 MiB (which today ends as "wrong password").
# openssl writes each file cheaply with a marker count; tests/der_patch.py
# sets the hostile value.  Files with ordinary parameters still import.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3

# A regression would derive for hours: QP_CMD_TIMEOUT turns it into a
# failure (qp_assert_status runs every command under timeout).
QP_CMD_TIMEOUT=20
qp_under_valgrind && QP_CMD_TIMEOUT=120

ctl=$(qp_mkcontrol mail.example.com)
w="$QP_TMP/kdf"
mkdir -m 0700 "$w"
cd "$w"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl req -x509 -new -key key.pem -subj /CN=mail.example.com \
    -addext subjectAltName=DNS:mail.example.com -days 30 -out cert.pem 2>/dev/null ||
    qp_fail "cannot make the test certificate"

patch() {	# IN OUT FROM TO
	python3 "$QP_SRCDIR/tests/der_patch.py" "$@" || qp_fail "der_patch.py $*"
}
pem_of() {	# DER PEM: wrap an EncryptedPrivateKeyInfo in PEM
	{
		echo "-----BEGIN ENCRYPTED PRIVATE KEY-----"
		base64 -w 64 "$1"
		echo "-----END ENCRYPTED PRIVATE KEY-----"
	} >"$2"
}
# refuse_key FILE WORDS: install --key FILE is refused with WORDS.
refuse_key() {
	qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --dry-run \
	    --key "$1" --cert cert.pem --passin pass:secret
	qp_assert_contains "$QP_ERR" "$1 (--key): $2" "--key $1: $2"
}
refuse_p12() {
	qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --dry-run \
	    --pkcs12 "$1" --passin pass:secret
	qp_assert_contains "$QP_ERR" "$1 (--pkcs12): $2" "--pkcs12 $1: $2"
}
accept_key() {
	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --dry-run \
	    --key "$1" --cert cert.pem --passin pass:secret
}
cd "$w"

# --- PKCS#8, PBES2 with PBKDF2: DER and PEM ------------------------------------
openssl pkcs8 -topk8 -in key.pem -v2 aes-256-cbc -iter 4321 \
    -passout pass:secret -outform DER -out pbkdf2.der
accept_key "$w/pbkdf2.der"
patch pbkdf2.der pbkdf2-big.der 4321 2147483647
pem_of pbkdf2-big.der pbkdf2-big.pem
refuse_key pbkdf2-big.der "the PBKDF2 iteration count of the key is 2147483647, more than the 10000000 qmail-pem allows"
refuse_key pbkdf2-big.pem "the PBKDF2 iteration count of the key is 2147483647"
patch pbkdf2.der pbkdf2-limit.der 4321 10000001
refuse_key pbkdf2-limit.der "the PBKDF2 iteration count of the key is 10000001"
# Behind a certificate in the same file, and as the second key block.
cat cert.pem pbkdf2-big.pem >mixed.pem
refuse_key mixed.pem "the PBKDF2 iteration count of the key is 2147483647"
openssl pkcs8 -topk8 -in key.pem -v2 aes-256-cbc -passout pass:secret \
    -out ok.pem
cat ok.pem pbkdf2-big.pem >twokeys.pem
refuse_key twokeys.pem "the PBKDF2 iteration count of the key is 2147483647"

# --- PKCS#8, PBES1 (PKCS#12 PBE) --------------------------------------------------
openssl pkcs8 -topk8 -in key.pem -v1 PBE-SHA1-3DES -iter 4321 \
    -passout pass:secret -outform DER -out pbes1.der
accept_key "$w/pbes1.der"
patch pbes1.der pbes1-big.der 4321 2147483647
refuse_key pbes1-big.der "the PBE iteration count of the key is 2147483647"

# --- PKCS#8, scrypt ------------------------------------------------------------------
# N=8192, r=1, p=32767 needs 5 MiB, well within OpenSSL's limit, and
# minutes of CPU; N=2^20 needs 128 MiB, which OpenSSL refuses after
# asking for the password, and then it looked like a wrong one.
openssl pkcs8 -topk8 -in key.pem -scrypt -scrypt_N 8192 -scrypt_r 1 \
    -scrypt_p 7 -passout pass:secret -outform DER -out scrypt.der
accept_key "$w/scrypt.der"
patch scrypt.der scrypt-p.der 7 32767
refuse_key scrypt-p.der "the scrypt parallelization parameter p of the key is 32767, more than the 16 qmail-pem allows"
patch scrypt.der scrypt-mem.der 8192 1048576
refuse_key scrypt-mem.der "the scrypt parameters of the key (N=1048576, r=1, p=7) need more than 32 MiB of memory"
qp_assert_not_contains "$QP_ERR" "does not decrypt it: give the right password" \
    "scrypt memory: not called a wrong password"

# --- PKCS#12 -------------------------------------------------------------------------
openssl pkcs12 -export -inkey key.pem -in cert.pem -passout pass:secret \
    -iter 4321 -out mac.p12
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --dry-run \
    --pkcs12 mac.p12 --passin pass:secret
patch mac.p12 mac-big.p12 4321 2147483647
refuse_p12 mac-big.p12 "the MAC iteration count of its integrity check is 2147483647, more than the 10000000 qmail-pem allows"
# The same refusal without a password: the MAC is checked first.
qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --dry-run --pkcs12 mac-big.p12
qp_assert_contains "$QP_ERR" "the MAC iteration count" "--pkcs12 without --passin: refused all the same"
# No MAC: the shrouded key (PBES2/PBKDF2, and PKCS#12 PBE) and the
# encrypted certificates (PBES2) are looked at.
openssl pkcs12 -export -inkey key.pem -in cert.pem -passout pass:secret \
    -iter 4321 -nomac -certpbe NONE -out key.p12
patch key.p12 key-big.p12 4321 2147483647
refuse_p12 key-big.p12 "the PBKDF2 iteration count of a key in it is 2147483647"
openssl pkcs12 -export -inkey key.pem -in cert.pem -passout pass:secret \
    -iter 4321 -nomac -certpbe NONE -keypbe PBE-SHA1-3DES -out key1.p12
patch key1.p12 key1-big.p12 4321 2147483647
refuse_p12 key1-big.p12 "the PBE iteration count of a key in it is 2147483647"
openssl pkcs12 -export -inkey key.pem -in cert.pem -passout pass:secret \
    -iter 4321 -nomac -keypbe NONE -certpbe AES-256-CBC -out certs.p12
patch certs.p12 certs-big.p12 4321 2147483647
refuse_p12 certs-big.p12 "the PBKDF2 iteration count of its encrypted part is 2147483647"
qp_done
