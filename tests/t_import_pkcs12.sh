# shellcheck shell=bash
# t_import_pkcs12.sh: qmail-pem install --pkcs12 with the password from each
# --passin source (env:, file:, fd:, stdin, pass:), without a password, with
# a wrong or missing one; the password never shows in any output.
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
pki_leaf "$w/key.pem" "$w/leaf.pem"
leaf_fpr=$(qp_cert_fpr "$w/leaf.pem")
int_fpr=$(qp_cert_fpr "$PKI/int.pem")
pub=$(qp_pubkey "$w/key.pem")
pw='correct horse: battery'
# The chain in the PKCS#12 in the wrong order, with the root.
cat "$PKI/root.pem" "$PKI/int.pem" >"$w/cas.pem"
openssl pkcs12 -export -inkey "$w/key.pem" -in "$w/leaf.pem" \
    -certfile "$w/cas.pem" -passout "pass:$pw" -out "$w/store.p12"
openssl pkcs12 -export -inkey "$w/key.pem" -in "$w/leaf.pem" \
    -certfile "$w/cas.pem" -passout pass: -out "$w/nopass.p12"

# check NAME: the files hold the key, the leaf and the intermediate, and
# the password shows nowhere.
check() {
	local ctl=$1 name=$2 blocks got
	qp_assert_contains "$QP_OUT" "servercert.pem: create, import" \
	    "$name: imported"
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	blocks=$(pki_blocks "$ctl/servercert.pem")
	qp_assert_eq "KEY $leaf_fpr $int_fpr" "$blocks" \
	    "$name: key, leaf, intermediate (root dropped)"
	got=$(qp_pubkey "$ctl/servercert.pem")
	qp_assert_eq "$pub" "$got" "$name: the key from the PKCS#12"
	qp_assert_not_contains "$QP_OUT$QP_ERR" "horse" \
	    "$name: the password is not printed"
}

ctl=$(qp_mkcontrol)
PKCS12_PW=$pw qp_assert_status 0 env PKCS12_PW="$pw" "$QMAIL_PEM" install \
    -d "$ctl" --pkcs12 "$w/store.p12" --passin env:PKCS12_PW
check "$ctl" "env:VAR"
qp_assert_contains "$QP_OUT" "dropped the root certificate" "the root is named"

ctl=$(qp_mkcontrol)
printf '%s\nthe second line is not part of it\n' "$pw" >"$w/pwfile"
chmod 0600 "$w/pwfile"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" \
    --passin "file:$w/pwfile"
check "$ctl" "file:PATH (first line)"

# fd:N, as a deploy script passes a secret through a descriptor.
with_fd3() {
	"$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" --passin fd:3 \
	    3<<<"$pw"
}
ctl=$(qp_mkcontrol)
qp_assert_status 0 with_fd3
check "$ctl" "fd:3"

with_stdin() {
	printf '%s\r\n' "$pw" | "$QMAIL_PEM" install -d "$ctl" \
	    --pkcs12 "$w/store.p12" --passin stdin
}
ctl=$(qp_mkcontrol)
qp_assert_status 0 with_stdin
check "$ctl" "stdin (CRLF line end)"

ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" \
    --passin "pass:$pw"
check "$ctl" "pass:PASSWORD"

# Without a password: no --passin needed.
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/nopass.p12"
check "$ctl" "a PKCS#12 without a password"
# Repeated: unchanged.
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" \
    --passin "pass:$pw"
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" \
    "the same key and chain from another PKCS#12: unchanged"
qp_assert_same_snapshot "$before" "$ctl" "nothing touched"

# --- wrong, missing, unreadable passwords: nothing changes -------------------------
# refuse STATUS NEEDLE DESCRIPTION CMD...: one line on stderr, the
# directory (with files installed before) byte-identical.
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
refuse() {
	local st=$1 needle=$2 what=$3 before lines
	shift 3
	before=$(qp_snapshot "$ctl")
	qp_assert_status "$st" "$@"
	qp_assert_contains "$QP_ERR" "$needle" "$what: says why"
	# A usage error (64) is followed by the usage text.
	lines=$(printf '%s\n' "$QP_ERR" | grep -c '^qmail-pem: ' || :)
	qp_assert_eq 1 "$lines" "$what: one message line on stderr"
	if [ "$st" -ne 64 ]; then
		lines=$(printf '%s\n' "$QP_ERR" | wc -l)
		qp_assert_eq 1 "$lines" "$what: nothing else on stderr"
	fi
	qp_assert_not_contains "$QP_ERR" "horse" "$what: no password shown"
	qp_assert_same_snapshot "$before" "$ctl" "$what: directory unchanged"
}
refuse 65 "store.p12 (--pkcs12): the password from --passin pass:... is wrong" \
    "wrong password" "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" \
    --passin "pass:horse battery staple"
printf 'not it\n' >"$w/badpw"
refuse 65 "the password from --passin file:$w/badpw is wrong" \
    "wrong password from a file" "$QMAIL_PEM" install -d "$ctl" \
    --pkcs12 "$w/store.p12" --passin "file:$w/badpw"
refuse 65 "store.p12 (--pkcs12) is protected by a password: give its password with --passin" \
    "missing password" "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12"
refuse 66 "--passin env:QP_NO_SUCH_VAR: the environment variable QP_NO_SUCH_VAR is not set" \
    "unset variable" env -u QP_NO_SUCH_VAR "$QMAIL_PEM" install -d "$ctl" \
    --pkcs12 "$w/store.p12" --passin env:QP_NO_SUCH_VAR
refuse 66 "--passin file:$w/none" "missing password file" "$QMAIL_PEM" \
    install -d "$ctl" --pkcs12 "$w/store.p12" --passin "file:$w/none"
refuse 66 "cannot read the password from --passin fd:7" "closed descriptor" \
    "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" --passin fd:7
refuse 64 "--passin takes env:VAR, file:PATH, fd:N, stdin or pass:PASSWORD" \
    "unknown source" "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/store.p12" \
    --passin "horse"
# Not a PKCS#12 at all.
cat "$w/key.pem" "$w/leaf.pem" >"$w/combined.pem"
refuse 65 "combined.pem (--pkcs12) is not a PKCS#12 file: it is PEM" \
    "PEM given to --pkcs12" "$QMAIL_PEM" install -d "$ctl" \
    --pkcs12 "$w/combined.pem"
# A PKCS#12 given to --key says to use --pkcs12.
refuse 65 "store.p12 (--key) is a PKCS#12 file, not a key: import it with --pkcs12" \
    "PKCS#12 given to --key" "$QMAIL_PEM" install -d "$ctl" \
    --key "$w/store.p12" --cert "$w/leaf.pem"
# A PKCS#12 with only a certificate.
openssl pkcs12 -export -nokeys -in "$w/leaf.pem" -passout pass: \
    -out "$w/certonly.p12"
refuse 65 "certonly.p12 (--pkcs12) holds no private key" "no key inside" \
    "$QMAIL_PEM" install -d "$ctl" --pkcs12 "$w/certonly.p12"

qp_done
