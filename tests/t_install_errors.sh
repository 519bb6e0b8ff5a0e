# shellcheck shell=bash
# t_install_errors.sh: key files qmail-pem install must refuse (mismatched,
# unparsable, encrypted, links out of the directory, not regular files): exit
# status 65, one line on stderr naming the file and the fix, and the
# directory byte-identical afterwards.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/install_helpers.sh
. "$QP_SRCDIR/tests/install_helpers.sh"
qp_setup

work="$QP_TMP/work"
mkdir -m 0700 "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.com \
    -keyout "$work/a.key" -out "$work/a.crt" 2>/dev/null
cat "$work/a.key" "$work/a.crt" >"$work/good.pem"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.com \
    -keyout "$work/b.key" -out "$work/b.crt" 2>/dev/null

# --- what the files hold ------------------------------------------------------
ctl=$(qp_mkcontrol)
cat "$work/a.key" "$work/b.crt" >"$work/mismatch.pem"
put servercert.pem "$work/mismatch.pem"
refuse 65 "$ctl/servercert.pem" "install the matching pair"
refuse 65 "$ctl/servercert.pem" "does not match" --distinct-keys

ctl=$(qp_mkcontrol)
put servercert.pem "$work/good.pem"
put clientcert.pem "$work/mismatch.pem"
refuse 65 "$ctl/clientcert.pem" "does not match"

ctl=$(qp_mkcontrol)
printf 'this is not a certificate\n' >"$work/text.pem"
put servercert.pem "$work/text.pem"
refuse 65 "$ctl/servercert.pem" "no private key found"

ctl=$(qp_mkcontrol)
put servercert.pem "$work/a.crt"
refuse 65 "$ctl/servercert.pem" "no private key found"

ctl=$(qp_mkcontrol)
openssl pkey -in "$work/a.key" -aes256 -passout pass:secret -out "$work/enc.key"
cat "$work/enc.key" "$work/a.crt" >"$work/enc.pem"
put servercert.pem "$work/enc.pem"
refuse 65 "$ctl/servercert.pem" "encrypted"

ctl=$(qp_mkcontrol)
cat "$work/a.key" "$work/b.key" "$work/a.crt" >"$work/twokeys.pem"
put servercert.pem "$work/twokeys.pem"
refuse 65 "$ctl/servercert.pem" "holds 2 private keys"

ctl=$(qp_mkcontrol)
head -c 2000 "$work/good.pem" >"$work/cut.pem"
put servercert.pem "$work/cut.pem"
refuse 65 "$ctl/servercert.pem" "damaged"

ctl=$(qp_mkcontrol)
: >"$work/empty.pem"
put servercert.pem "$work/empty.pem"
refuse 65 "$ctl/servercert.pem" "no private key found"

# --- what the names are ---------------------------------------------------------
ctl=$(qp_mkcontrol)
mkdir -m 0755 "$QP_TMP/elsewhere"
cp "$work/good.pem" "$QP_TMP/elsewhere/servercert.pem"
put servercert.pem "$work/good.pem"
ln -s "$QP_TMP/elsewhere/servercert.pem" "$ctl/clientcert.pem"
watch="$ctl $QP_TMP/elsewhere"
refuse 65 "$ctl/clientcert.pem" "not to a file in the control directory itself"
rm "$ctl/clientcert.pem"
ln -s ../elsewhere/servercert.pem "$ctl/clientcert.pem"
refuse 65 "$ctl/clientcert.pem" "not to a file in the control directory itself"
rm "$ctl/servercert.pem"
ln -s ../elsewhere/servercert.pem "$ctl/servercert.pem"
refuse 65 "$ctl/servercert.pem" "not to a file in the control directory itself"
watch=

ctl=$(qp_mkcontrol)
ln -s missing.pem "$ctl/clientcert.pem"
refuse 65 "$ctl/clientcert.pem" "dangling symlink"
rm "$ctl/clientcert.pem"
put real.pem "$work/good.pem"
ln -s real.pem "$ctl/servercert.pem"
ln -s servercert.pem "$ctl/clientcert.pem"
refuse 65 "$ctl/clientcert.pem" "symlink too"

ctl=$(qp_mkcontrol)
mkfifo -m 0600 "$ctl/servercert.pem"
refuse 65 "$ctl/servercert.pem" "not a regular file"
ctl=$(qp_mkcontrol)
mkdir -m 0755 "$ctl/servercert.pem"
refuse 65 "$ctl/servercert.pem" "not a regular file"
ctl=$(qp_mkcontrol)
put servercert.pem "$work/good.pem"
mkfifo -m 0600 "$ctl/real.pem"
ln -s real.pem "$ctl/clientcert.pem"
refuse 65 "$ctl/real.pem" "a FIFO"

qp_done
