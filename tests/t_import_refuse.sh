# shellcheck shell=bash
# t_import_refuse.sh: every import qmail-pem must refuse, each with one line
# on stderr naming the file and the fix, a documented exit status, and the
# control directory byte-identical: key and certificate that do not match,
# a certificate expired or not yet valid (unless --force, which says so), a
# chain that does not link up or holds a stranger, a file that is not what
# its option says, an encrypted key without (or with a wrong) password.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/pki.sh
. "$QP_SRCDIR/tests/pki.sh"
qp_setup
pki_init

w="$QP_TMP/in"
mkdir -m 0755 "$w"
pki_key "$w/key.pem"
pki_key "$w/other.pem"
pki_leaf "$w/key.pem" "$w/leaf.pem"
pki_leaf "$w/other.pem" "$w/other.crt" other.example.com
pki_leaf "$w/key.pem" "$w/expired.pem" mail.example.com -400d
pki_leaf "$w/key.pem" "$w/future.pem" mail.example.com +100d
openssl pkcs8 -topk8 -in "$w/key.pem" -v2 aes-256-cbc -passout pass:s3cret \
    -out "$w/enc.pem"

# A control directory with files installed, so that "unchanged" covers
# contents, owners, modes, inodes and times of real files.
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"

# refuse STATUS NEEDLE WHAT CMD...: CMD fails with STATUS and one line on
# stderr containing NEEDLE, and changes nothing.
refuse() {
	local st=$1 needle=$2 what=$3 before lines
	shift 3
	before=$(qp_snapshot "$ctl")
	qp_assert_status "$st" "$@"
	qp_assert_contains "$QP_ERR" "$needle" "$what: says why"
	lines=$(printf '%s\n' "$QP_ERR" | grep -c '^qmail-pem: ' || :)
	qp_assert_eq 1 "$lines" "$what: one message line"
	if [ "$st" -ne 64 ]; then
		lines=$(printf '%s\n' "$QP_ERR" | wc -l)
		qp_assert_eq 1 "$lines" "$what: nothing else on stderr"
	fi
	qp_assert_eq "" "$QP_OUT" "$what: nothing on stdout"
	qp_assert_same_snapshot "$before" "$ctl" "$what: directory unchanged"
}
install() {
	"$QMAIL_PEM" install -d "$ctl" "$@"
}

# --- key and certificate ---------------------------------------------------------
refuse 65 "leaf.pem, $PKI/int.pem: no certificate matches the key from $w/other.pem" \
    "mismatched pair" install --key "$w/other.pem" --cert "$w/leaf.pem" \
    --chain "$PKI/int.pem"
qp_assert_contains "$QP_ERR" "give the certificate issued for this key" \
    "mismatched pair: says what to do"

# --- validity ------------------------------------------------------------------------
refuse 65 "expired.pem, $PKI/int.pem: the certificate \"CN=mail.example.com\" expired on" \
    "expired certificate" install --key "$w/key.pem" --cert "$w/expired.pem" \
    --chain "$PKI/int.pem"
qp_assert_contains "$QP_ERR" "(or pass --force to install it anyway)" \
    "expired: names --force"
refuse 65 "the certificate \"CN=mail.example.com\" is not valid before" \
    "certificate not yet valid" install --key "$w/key.pem" \
    --cert "$w/future.pem" --chain "$PKI/int.pem"
# --force installs it, and says so on stderr and in the plan.
qp_assert_status 0 install --key "$w/key.pem" --cert "$w/expired.pem" \
    --chain "$PKI/int.pem" --force
qp_assert_contains "$QP_ERR" "warning:" "--force: a warning"
qp_assert_contains "$QP_ERR" "installing it anyway because of --force" \
    "--force: the warning says why it was installed"
qp_assert_contains "$QP_OUT" "NOT VALID NOW (--force)" \
    "--force: the plan line says so too"
got=$(qp_cert_fpr "$ctl/servercert.pem")
want=$(qp_cert_fpr "$w/expired.pem")
qp_assert_eq "$want" "$got" "--force: the expired certificate is installed"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
# An expired intermediate is refused as well.
pki_ca oldint root "QP Old Intermediate"
faketime -f -400d openssl x509 -req -in "$PKI/oldint.csr" -CA "$PKI/root.pem" \
    -CAkey "$PKI/root.key" -set_serial 77 -days 30 -extfile "$PKI/ca.ext" \
    -out "$PKI/oldint.pem" 2>/dev/null
pki_leaf "$w/key.pem" "$w/by-oldint.pem" mail.example.com "" oldint
refuse 65 "the intermediate certificate \"CN=QP Old Intermediate\" expired on" \
    "expired intermediate" install --key "$w/key.pem" \
    --cert "$w/by-oldint.pem" --chain "$PKI/oldint.pem"

# --- chains ------------------------------------------------------------------------
refuse 65 "the certificate \"CN=other.example.com\" does not belong to the chain" \
    "a stranger certificate" install --key "$w/key.pem" --cert "$w/leaf.pem" \
    --chain "$PKI/int.pem" --chain "$w/other.crt"
# root -> int -> int2 -> leaf, given without int2: a gap.
pki_ca int2 int "QP Test Intermediate 2"
pki_leaf "$w/key.pem" "$w/leaf2.pem" mail.example.com "" int2
refuse 65 "the chain does not link up: none of the other certificates issued \"CN=mail.example.com\" (its issuer is \"CN=QP Test Intermediate 2\")" \
    "an intermediate missing" install --key "$w/key.pem" \
    --cert "$w/leaf2.pem" --chain "$PKI/int.pem"
# A root that did not issue the chain.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/stray-root.key" \
    -out "$w/stray-root.pem" -subj "/CN=Stray Root" -days 30 \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
refuse 65 "the root certificate \"CN=Stray Root\" does not belong to the chain" \
    "an unrelated root" install --key "$w/key.pem" --cert "$w/leaf.pem" \
    --chain "$PKI/int.pem" --chain "$w/stray-root.pem"

# The leaf and a root, without the intermediate between them: the gap is named.
refuse 65 "\"CN=mail.example.com\" was issued by \"CN=QP Test Intermediate\", which was not given" \
    "a root without the intermediate" install --key "$w/key.pem" --cert "$w/leaf.pem" \
    --chain "$PKI/root.pem"
qp_assert_contains "$QP_ERR" "add the intermediate with --chain" "and how to close it"

# --- a file that is not what its option says -----------------------------------------
refuse 65 "leaf.pem (--key) holds a certificate, not a private key: give it with --cert" \
    "certificate given to --key" install --key "$w/leaf.pem" \
    --cert "$w/leaf.pem"
refuse 65 "key.pem (--cert) holds a private key, not a certificate: give it with --key" \
    "key given to --cert" install --key "$w/key.pem" --cert "$w/key.pem"
openssl pkey -in "$w/key.pem" -outform DER -out "$w/key.der"
refuse 65 "key.der (--chain) holds a private key, not a certificate" \
    "DER key given to --chain" install --key "$w/key.pem" \
    --cert "$w/leaf.pem" --chain "$w/key.der"
head -c 600 /dev/urandom >"$w/garbage"
refuse 65 "garbage (--key) is not a private key in PEM or DER form" \
    "garbage given to --key" install --key "$w/garbage" --cert "$w/leaf.pem"
refuse 65 "garbage (--cert) is not a certificate in PEM or DER form" \
    "garbage given to --cert" install --key "$w/key.pem" --cert "$w/garbage"
openssl req -new -key "$w/key.pem" -subj /CN=mail.example.com -out "$w/req.pem"
refuse 65 "req.pem (--cert) holds a certificate request, not a certificate: send it to the CA" \
    "request given to --cert" install --key "$w/key.pem" --cert "$w/req.pem"
openssl pkey -in "$w/key.pem" -pubout -out "$w/pub.pem"
refuse 65 "pub.pem (--key) holds a public key, not the private key" \
    "public key given to --key" install --key "$w/pub.pem" --cert "$w/leaf.pem"
refuse 65 "is a directory, not a regular file" "a directory given to --key" \
    install --key "$w" --cert "$w/leaf.pem"
mkfifo "$w/fifo"
refuse 65 "is a FIFO, not a regular file" "a FIFO given to --cert" \
    install --key "$w/key.pem" --cert "$w/fifo"
refuse 66 "cannot open $w/missing.pem" "a missing file" \
    install --key "$w/missing.pem" --cert "$w/leaf.pem"
# A damaged certificate: a block cut short.
head -n 8 "$w/leaf.pem" >"$w/cut.pem"
refuse 65 "cut.pem (--cert)" "a certificate cut short" \
    install --key "$w/key.pem" --cert "$w/cut.pem"

# --- passwords ---------------------------------------------------------------------------
refuse 65 "enc.pem (--key) is encrypted: give its password with --passin env:VAR, file:PATH or fd:N" \
    "encrypted key without --passin" install --key "$w/enc.pem" \
    --cert "$w/leaf.pem" --chain "$PKI/int.pem"
refuse 65 "enc.pem (--key): the password from --passin env:QP_PW does not decrypt it" \
    "encrypted key, wrong password" env QP_PW=wrong "$QMAIL_PEM" install \
    -d "$ctl" --key "$w/enc.pem" --cert "$w/leaf.pem" --passin env:QP_PW
qp_assert_not_contains "$QP_ERR" "wrong" "the password is not printed"

# --- usage -------------------------------------------------------------------------------
refuse 64 "--key needs --cert FILE" "--key alone" install --key "$w/key.pem"
refuse 64 "--key/--cert, --pkcs12 and --from-certbot are alternatives" \
    "two sources" install --key "$w/key.pem" --cert "$w/leaf.pem" \
    --from-certbot "$w"
refuse 64 "--chain needs --cert FILE" "--chain alone" install \
    --chain "$PKI/int.pem"
refuse 64 "--passin is the password of an encrypted --key or --pkcs12 file" \
    "--passin without a key" install --cert "$w/leaf.pem" --passin pass:x
refuse 64 "--distinct-keys makes self-signed pairs" "--distinct-keys with an import" \
    install --key "$w/key.pem" --cert "$w/leaf.pem" --distinct-keys
refuse 64 "an imported certificate keeps the names its CA put in it" \
    "--san with an import" install --key "$w/key.pem" --cert "$w/leaf.pem" \
    --san other.example.com
refuse 64 "--client-self-signed goes with an import" \
    "--client-self-signed alone" install --client-self-signed
refuse 64 "--force only applies to imported certificates" "--force alone" \
    install --force
refuse 64 "--from-certbot: name the lineage directory" \
    "--from-certbot outside certbot" env -u RENEWED_LINEAGE "$QMAIL_PEM" \
    install -d "$ctl" --from-certbot

qp_done
