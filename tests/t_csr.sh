# shellcheck shell=bash
# t_csr.sh: qmail-pem csr, and installing what the CA signs with
# `install --cert` (no --key).
#
# The request must verify (openssl req -verify), carry CN = host name and a
# subjectAltName with the host name and every --san (and --subject's DN),
# and be for servercert.pem's key, or with --new-key for a new key kept as
# servercert.pem.pending-key (root:root 0600) while the live files stay as
# they are.  A test CA (tests/pki.sh) signs it; `install --cert --chain`
# then gives the split layout with that key (the pending key is removed).
# A certificate for an unrelated key is refused, the directory
# byte-identical, and the message lists the keys tried.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/pki.sh
. "$QP_SRCDIR/tests/pki.sh"
qp_setup
pki_init

w="$QP_TMP/in"
mkdir -m 0755 "$w"
ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"

# req_pubkey CSR: sha256 of the DER public key in a request.
req_pubkey() {
	local sum
	sum=$(openssl req -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform DER | sha256sum) ||
	    qp_fail "req_pubkey: cannot read $1"
	printf '%s\n' "${sum%% *}"
}

# --- a request from the key in servercert.pem ---------------------------------
srv_pub=$(qp_pubkey "$ctl/servercert.pem")
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --san smtp.example.com \
    --output "$w/req.pem"
summary=$QP_OUT
qp_assert_same_snapshot "$before" "$ctl" "csr: the control directory is untouched"
qp_assert_status 0 openssl req -in "$w/req.pem" -verify -noout
qp_assert_contains "$QP_ERR$QP_OUT" "verify OK" "csr: the request's signature verifies"
got=$(openssl req -in "$w/req.pem" -noout -subject -nameopt RFC2253)
qp_assert_eq "subject=CN=mail.example.com" "$got" "csr: CN is the host name from control/me"
got=$(openssl req -in "$w/req.pem" -noout -text |
    grep -A1 'X509v3 Subject Alternative Name' | tail -n 1 | sed 's/^ *//')
qp_assert_eq "DNS:mail.example.com, DNS:smtp.example.com" "$got" \
    "csr: subjectAltName has the host name and --san"
got=$(req_pubkey "$w/req.pem")
qp_assert_eq "$srv_pub" "$got" "csr: the request is for servercert.pem's key"
# The summary (on stdout: the request went to --output) names the digest.
qp_assert_contains "$summary" "public key sha256: $srv_pub" \
    "csr: prints the SHA-256 of the public key"
qp_assert_file_perm "$w/req.pem" root:root 0644

# To stdout: only the request there, the summary on stderr.
qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --hostname mx.example.org \
    --subject "/C=DE/O=Example Org/CN=mx.example.org"
printf '%s\n' "$QP_OUT" >"$w/stdout.pem"
qp_assert_status 0 openssl req -in "$w/stdout.pem" -verify -noout
got=$(head -n 1 "$w/stdout.pem")
qp_assert_eq "-----BEGIN CERTIFICATE REQUEST-----" "$got" \
    "csr: stdout starts with the request"
got=$(grep -c -v -e '^-----' -e '^[A-Za-z0-9+/=]*$' "$w/stdout.pem" || :)
qp_assert_eq 0 "$got" "csr: nothing but the request on stdout"
got=$(openssl req -in "$w/stdout.pem" -noout -subject -nameopt RFC2253)
qp_assert_eq "subject=CN=mx.example.org,O=Example Org,C=DE" "$got" \
    "csr: --subject gives the DN"

# A CN in --subject that is not the host name: refused, nothing made.
before=$(qp_snapshot "$ctl")
qp_assert_status 64 "$QMAIL_PEM" csr -d "$ctl" --subject "/O=Example/CN=other.example.com"
qp_assert_contains "$QP_ERR" "--subject has CN=other.example.com but the host name is mail.example.com" \
    "csr: a --subject CN other than the host name is refused"
qp_assert_contains "$QP_ERR" "--hostname other.example.com" "and the fix is named"
qp_assert_eq "" "$QP_OUT" "csr: no request on stdout"
qp_assert_same_snapshot "$before" "$ctl" "csr: a refused --subject changes nothing"

# A request cannot be made without a key.
empty=$(mktemp -d "$QP_TMP/empty.XXXXXX")
chmod 0755 "$empty"
printf 'mail.example.com\n' >"$empty/me"
before=$(qp_snapshot "$empty")
qp_assert_status 66 "$QMAIL_PEM" csr -d "$empty"
qp_assert_contains "$QP_ERR" "servercert.pem does not exist" \
    "csr without servercert.pem: says so"
qp_assert_contains "$QP_ERR" "--new-key" "csr without servercert.pem: names --new-key"
qp_assert_same_snapshot "$before" "$empty" "csr without servercert.pem: nothing written"

# --- the CA signs it; install --cert --chain keeps the key ----------------------
pki_sign_csr "$w/req.pem" "$w/signed.pem"
# servercert.pem was readable by everyone: the key it keeps may be known.
chmod 0644 "$ctl/servercert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --cert "$w/signed.pem" \
    --chain "$PKI/int.pem"
qp_assert_contains "$QP_ERR" "servercert.pem was readable by every user (mode 0644)" \
    "install --cert that keeps a world-readable key warns about it"
leaf=$(qp_cert_fpr "$w/signed.pem")
int=$(qp_cert_fpr "$PKI/int.pem")
for f in servercert.pem clientcert.pem; do
	got=$(pki_blocks "$ctl/$f")
	qp_assert_eq "KEY ${leaf} ${int}" "$got" \
	    "install --cert: $f is key, signed leaf, intermediate"
	got=$(qp_pubkey "$ctl/$f")
	qp_assert_eq "$srv_pub" "$got" "install --cert: $f keeps the original key"
done
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
got=$(QP_SNI=mail.example.com qp_tls_handshake_as qmaild nofiles \
    "$ctl/servercert.pem") || qp_fail "no handshake as qmaild"
qp_assert_eq "$leaf" "$got" "install --cert: qmaild's server presents the signed leaf"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --cert "$w/signed.pem" \
    --chain "$PKI/int.pem"
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" "install --cert again: unchanged"
qp_assert_same_snapshot "$before" "$ctl" "install --cert again: directory untouched"

# --- --new-key: a pending key, the live files left alone ------------------------
live_before=$(qp_snapshot_entries "$ctl")
qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --new-key --key-type ec-p256 \
    --output "$w/req2.pem"
summary=$QP_OUT
qp_assert_file_perm "$ctl/servercert.pem.pending-key" root:root 0600
qp_assert_status 0 openssl req -in "$w/req2.pem" -verify -noout
pend_pub=$(qp_pubkey "$ctl/servercert.pem.pending-key")
got=$(req_pubkey "$w/req2.pem")
qp_assert_eq "$pend_pub" "$got" "csr --new-key: the request is for the pending key"
[ "$pend_pub" != "$srv_pub" ] || qp_fail "csr --new-key: the key is not new"
qp_ok "csr --new-key: a key other than servercert.pem's"
qp_assert_contains "$summary" "public key sha256: $pend_pub" \
    "csr --new-key: prints the new key's digest"
now=$(qp_snapshot_entries "$ctl" | grep -v 'pending-key')
qp_assert_eq "$live_before" "$now" "csr --new-key: the live files are untouched"

# An unrelated certificate: refused, byte-identical, both keys named.
pki_key "$w/other.key"
pki_leaf "$w/other.key" "$w/other.pem"
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --cert "$w/other.pem" \
    --chain "$PKI/int.pem"
qp_assert_contains "$QP_ERR" "no key for this certificate" \
    "unrelated certificate: refused"
qp_assert_contains "$QP_ERR" "tried $ctl/servercert.pem.pending-key (public key sha256 ${pend_pub:0:16}" \
    "unrelated certificate: names the pending key tried"
qp_assert_contains "$QP_ERR" "and $ctl/servercert.pem (public key sha256 ${srv_pub:0:16}" \
    "unrelated certificate: names servercert.pem's key tried"
got=$(printf '%s\n' "$QP_ERR" | wc -l)
qp_assert_eq 1 "$got" "unrelated certificate: one line on stderr"
qp_assert_same_snapshot "$before" "$ctl" "unrelated certificate: directory byte-identical"

# The signed certificate for the pending key: installed with it, then it goes.
pki_sign_csr "$w/req2.pem" "$w/signed2.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --cert "$w/signed2.pem" \
    --chain "$PKI/int.pem"
[ ! -e "$ctl/servercert.pem.pending-key" ] ||
    qp_fail "install --cert: the pending key is still there"
qp_ok "install --cert: the used pending key is removed"
leaf=$(qp_cert_fpr "$w/signed2.pem")
for f in servercert.pem clientcert.pem; do
	got=$(pki_blocks "$ctl/$f")
	qp_assert_eq "KEY ${leaf} ${int}" "$got" \
	    "install --cert (pending): $f is key, signed leaf, intermediate"
	got=$(qp_pubkey "$ctl/$f")
	qp_assert_eq "$pend_pub" "$got" "install --cert (pending): $f has the pending key"
done
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
got=$(find "$ctl" -name 'servercert.pem.pending-key*' | wc -l)
qp_assert_eq 0 "$got" "install --cert (pending): no copy of the pending key left"

# Unrelated again, now without a pending key: the message says it is absent.
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --cert "$w/other.pem"
qp_assert_contains "$QP_ERR" "tried $ctl/servercert.pem.pending-key (absent) and $ctl/servercert.pem (public key sha256 ${pend_pub:0:16}" \
    "unrelated certificate, no pending key: the keys tried"
qp_assert_same_snapshot "$before" "$ctl" "unrelated certificate, no pending key: byte-identical"

# --- --output names a device or FIFO: refused, the special file untouched ------
mkfifo -m 0644 "$QP_TMP/req.fifo"
qp_assert_status 73 "$QMAIL_PEM" csr -q -d "$ctl" --output "$QP_TMP/req.fifo"
qp_assert_contains "$QP_ERR" "--output $QP_TMP/req.fifo is not a regular file" \
    "csr --output to a FIFO is refused"
[ -p "$QP_TMP/req.fifo" ] || qp_fail "csr --output replaced the FIFO"
qp_ok "the FIFO is left as it was"

qp_done
