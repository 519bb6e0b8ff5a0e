# shellcheck shell=bash
# t_rotate.sh: qmail-pem rotate on what install leaves, shared and distinct
# keys: new keys, the layout and backups afterwards, --keep-key, --keep,
# --dry-run, JSON, and the refusals that leave the directory as it was.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup
qp_require python3

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"

# --- shared key ------------------------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --san smtp.example.com
old_srv=$(qp_pubkey "$srv")
old_fpr=$(qp_cert_fpr "$srv")
old_bytes=$(sha256sum <"$srv")

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --dry-run
qp_assert_contains "$QP_OUT" "servercert.pem: would replace, new key, new certificate" \
    "dry run: servercert.pem would get a new key"
qp_assert_contains "$QP_OUT" "dry run: nothing was changed" "dry run says so"
qp_assert_same_snapshot "$before" "$ctl" "rotate --dry-run changes nothing"

qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: replace, new key, new certificate (was root:nofiles 0640) -> root:nofiles 0640" \
    "servercert.pem reported replaced with a new key"
qp_assert_contains "$QP_OUT" "clientcert.pem: replace, new key, new certificate (was root:qmail 0640) -> root:qmail 0640; same key and certificate as servercert.pem" \
    "clientcert.pem gets the same new key"
qp_assert_eq "" "$QP_ERR" "rotate: nothing on stderr"
rt_assert_installed "$ctl" "after a shared-key rotation"
new_srv=$(qp_pubkey "$srv")
new_cli=$(qp_pubkey "$cli")
[ "$new_srv" != "$old_srv" ] || qp_fail "rotate kept the old server key"
qp_ok "servercert.pem has a new public key"
qp_assert_eq "$new_srv" "$new_cli" "shared keys stay shared"
s1=$(sha256sum <"$srv")
s2=$(sha256sum <"$cli")
qp_assert_eq "$s1" "$s2" "both files hold the same bytes"
blocks=$(grep '^-----' "$srv" | tr '\n' ' ')
qp_assert_eq "-----BEGIN RSA PRIVATE KEY----- -----END RSA PRIVATE KEY----- -----BEGIN CERTIFICATE----- -----END CERTIFICATE----- " \
    "$blocks" "the current key type (RSA, traditional form) and layout are kept"
san=$(openssl x509 -in "$srv" -noout -ext subjectAltName | tail -n 1 | sed 's/^ *//')
qp_assert_eq "DNS:mail.example.com, DNS:smtp.example.com" "$san" \
    "the names of the current certificate are kept"
eku=$(openssl x509 -in "$srv" -noout -ext extendedKeyUsage | tail -n 1 | sed 's/^ *//')
qp_assert_eq "TLS Web Server Authentication, TLS Web Client Authentication" "$eku" \
    "shared certificate: serverAuth+clientAuth"
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
qp_assert_eq 1 "${#bs[@]}" "one backup of servercert.pem"
b=$(sha256sum <"$ctl/${bs[0]}")
qp_assert_eq "$old_bytes" "$b" "the backup holds the old file byte for byte"
mapfile -t bc < <(rt_backups "$ctl" clientcert.pem)
qp_assert_eq 1 "${#bc[@]}" "one backup of clientcert.pem"
qp_assert_eq "${bs[0]#servercert.pem.}" "${bc[0]#clientcert.pem.}" \
    "both backups carry the same stamp"
rt_assert_backups_private "$ctl" "shared rotation"

# The real readers load the new files.
fpr=$(qp_cert_fpr "$srv")
[ "$fpr" != "$old_fpr" ] || qp_fail "the certificate did not change"
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "s_server as qmaild:nofiles presents the new certificate"
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$fpr" "$got" "s_client as qmailr:qmail sends the new certificate"

# --- --keep-key: new certificate, same key ----------------------------------------
k_before=$(qp_pubkey "$srv")
f_before=$(qp_cert_fpr "$srv")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --keep-key --days 100
qp_assert_contains "$QP_OUT" "servercert.pem: replace, new certificate (was" \
    "--keep-key: a new certificate only"
qp_assert_not_contains "$QP_OUT" "new key" "--keep-key: no new key"
k_after=$(qp_pubkey "$srv")
f_after=$(qp_cert_fpr "$srv")
qp_assert_eq "$k_before" "$k_after" "--keep-key keeps the public key"
[ "$f_before" != "$f_after" ] || qp_fail "--keep-key did not make a new certificate"
qp_ok "--keep-key makes a new certificate"
na=$(openssl x509 -in "$srv" -noout -enddate)
na=$(date -d "${na#notAfter=}" +%s)
now=$(date +%s)
[ $((na - now)) -gt $((99 * 86400)) ] && [ $((na - now)) -le $((100 * 86400)) ] ||
    qp_fail "--days 100: notAfter is $(((na - now) / 86400)) days away"
qp_ok "--days 100 sets the validity"
rt_assert_installed "$ctl" "after --keep-key"

# --- --distinct-keys turns the shared key into two ---------------------------------
s_key=$(qp_pubkey "$srv")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --distinct-keys
rt_assert_installed "$ctl" "after --distinct-keys"
d_srv=$(qp_pubkey "$srv")
d_cli=$(qp_pubkey "$cli")
[ "$d_srv" != "$d_cli" ] || qp_fail "--distinct-keys left one key"
qp_ok "--distinct-keys: a key for each file"
[ "$d_srv" != "$s_key" ] && [ "$d_cli" != "$s_key" ] || qp_fail "an old key survived"
qp_ok "--distinct-keys: both keys are new"
eku=$(openssl x509 -in "$cli" -noout -ext extendedKeyUsage | tail -n 1 | sed 's/^ *//')
qp_assert_eq "TLS Web Client Authentication" "$eku" "clientcert.pem: clientAuth only"

# --- distinct keys stay distinct ---------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
rt_assert_installed "$ctl" "after a distinct-key rotation"
n_srv=$(qp_pubkey "$srv")
n_cli=$(qp_pubkey "$cli")
[ "$n_srv" != "$n_cli" ] || qp_fail "a distinct-key rotation made one key"
qp_ok "distinct keys stay distinct"
[ "$n_srv" != "$d_srv" ] && [ "$n_cli" != "$d_cli" ] ||
    qp_fail "a distinct-key rotation kept an old key"
qp_ok "distinct rotation: both public keys differ from the old ones"
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "s_server as qmaild:nofiles loads the new servercert.pem"
fpr=$(qp_cert_fpr "$cli")
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$fpr" "$got" "s_client as qmailr:qmail loads the new clientcert.pem"
rt_assert_backups_private "$ctl" "distinct rotation"

# --- --keep N prunes the oldest backups ------------------------------------------------
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
qp_assert_eq 4 "${#bs[@]}" "four rotations so far: four backups of servercert.pem"
newest=${bs[3]}
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --keep 2 --key-type ec-p256
qp_assert_contains "$QP_ERR" "rsa-key" "a non-RSA key type is warned about"
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
mapfile -t bc < <(rt_backups "$ctl" clientcert.pem)
qp_assert_eq 2 "${#bs[@]}" "--keep 2 leaves two backups of servercert.pem"
qp_assert_eq 2 "${#bc[@]}" "--keep 2 leaves two backups of clientcert.pem"
qp_assert_eq "$newest" "${bs[0]}" "--keep 2 keeps the newest two"
head -n 1 "$srv" | grep -q 'BEGIN PRIVATE KEY' || qp_fail "--key-type ec-p256 not used"
qp_ok "--key-type ec-p256 makes a PKCS#8 EC key"
t=$(openssl pkey -in "$srv" -noout -text | head -n 1)
qp_assert_contains "$t" "256 bit" "the new key is EC P-256"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --keep 1
t=$(openssl pkey -in "$srv" -noout -text | head -n 1)
qp_assert_contains "$t" "256 bit" "without --key-type the key type stays as it is"
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
qp_assert_eq 1 "${#bs[@]}" "--keep 1 leaves one backup"

# --- many rotations within one second: --keep keeps the newest ------------------------
for _ in 1 2 3 4 5; do
	prev=$(qp_pubkey "$srv")
	qp_assert_status 0 "$QMAIL_PEM" rotate -q -d "$ctl" --keep 2 --key-type ec-p256
done
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
qp_assert_eq 2 "${#bs[@]}" "five quick rotations, --keep 2: two backups"
qp_assert_eq "$prev" "$(qp_pubkey "$ctl/${bs[1]}")" \
    "the newest backup holds the key the last rotation replaced"

# --- JSON ---------------------------------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --format json -q
r=$(printf '%s' "$QP_OUT" | rt_json_changed)
qp_assert_eq "True [('servercert.pem', True), ('clientcert.pem', True)]" "$r" \
    "--format json: both files changed"

# --- refusals: each leaves the directory exactly as it was ---------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" rotate -d "$ctl" --days 2
qp_assert_contains "$QP_ERR" "the new servercert.pem fails the expiry check" \
    "a new file that fails verify's checks is refused"
qp_assert_contains "$QP_ERR" "nothing was replaced" "the refusal says nothing was replaced"
qp_assert_same_snapshot "$before" "$ctl" "a failed verification replaces nothing"

qp_assert_status 64 "$QMAIL_PEM" rotate -d "$ctl" --new-key --keep-key
qp_assert_contains "$QP_ERR" "exclude each other" "--new-key with --keep-key is a usage error"
qp_assert_status 64 "$QMAIL_PEM" rotate -d "$ctl" --stage --commit
qp_assert_status 64 "$QMAIL_PEM" rotate -d "$ctl" --commit --days 30
qp_assert_status 64 "$QMAIL_PEM" rotate -d "$ctl" --keep 0
qp_assert_same_snapshot "$before" "$ctl" "usage errors change nothing"

# A group other than the default, root's and 0640: the file remembers it
# (no run script says who reads it: kept, and said once).
chgrp vchkpw "$srv"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --key-type ec-p256
qp_assert_file_perm "$srv" root:vchkpw 0640
qp_assert_contains "$QP_ERR" \
    "keeping group vchkpw of servercert.pem: no run script says who reads it" \
    "the kept group is said"
qp_assert_eq 1 "$(grep -c 'keeping group' <<<"$QP_ERR")" "said once"
# An explicit group wins.
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --server-group nofiles \
    --key-type ec-p256
qp_assert_file_perm "$srv" root:nofiles 0640

# The qmailrocks layout (clientcert.pem a symlink): install's job first.
ctl2="$QP_TMP/rocks"
mkdir -m 0755 "$ctl2"
echo mail.example.com >"$ctl2/me"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mail.example.com -days 30 \
    -keyout "$QP_TMP/k.pem" -out "$QP_TMP/c.pem" 2>/dev/null
cat "$QP_TMP/k.pem" "$QP_TMP/c.pem" >"$ctl2/servercert.pem"
chmod 0644 "$ctl2/servercert.pem"
ln -s servercert.pem "$ctl2/clientcert.pem"
before=$(qp_snapshot "$ctl2")
qp_assert_status 65 "$QMAIL_PEM" rotate -d "$ctl2"
qp_assert_contains "$QP_ERR" "run qmail-pem install -d $ctl2 first" \
    "the qmailrocks layout: rotate says to run install first, a complete command"
qp_assert_same_snapshot "$before" "$ctl2" "the qmailrocks layout is left as it was"
rm "$ctl2/clientcert.pem"
before=$(qp_snapshot "$ctl2")
qp_assert_status 66 "$QMAIL_PEM" rotate -d "$ctl2"
qp_assert_contains "$QP_ERR" "clientcert.pem does not exist" "a missing file is named"
qp_assert_same_snapshot "$before" "$ctl2" "a missing file: nothing changed"

# A certificate issued by a CA is not silently turned into a self-signed one.
ctl3="$QP_TMP/ca"
mkdir -m 0755 "$ctl3"
echo mail.example.com >"$ctl3/me"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=Test-CA -days 30 \
    -addext basicConstraints=critical,CA:TRUE \
    -keyout "$QP_TMP/ca.key" -out "$QP_TMP/ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj /CN=mail.example.com \
    -keyout "$QP_TMP/leaf.key" -out "$QP_TMP/leaf.csr" 2>/dev/null
openssl x509 -req -in "$QP_TMP/leaf.csr" -CA "$QP_TMP/ca.pem" \
    -CAkey "$QP_TMP/ca.key" -CAcreateserial -days 20 \
    -extfile <(printf 'subjectAltName=DNS:mail.example.com\nextendedKeyUsage=serverAuth,clientAuth\n') \
    -out "$QP_TMP/leaf.pem" 2>/dev/null
openssl pkey -in "$QP_TMP/leaf.key" -traditional -out "$QP_TMP/leaf.rsa" 2>/dev/null
for f in servercert.pem:nofiles clientcert.pem:qmail; do
	cat "$QP_TMP/leaf.rsa" "$QP_TMP/leaf.pem" >"$ctl3/${f%%:*}"
	chown "root:${f#*:}" "$ctl3/${f%%:*}"
	chmod 0640 "$ctl3/${f%%:*}"
done
before=$(qp_snapshot "$ctl3")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl3" --if-expires-within 10
qp_assert_contains "$QP_OUT" "nothing to do" "a CA certificate that is not due: nothing to do"
qp_assert_status 78 "$QMAIL_PEM" rotate -d "$ctl3"
qp_assert_contains "$QP_ERR" "issued by a CA" "a CA-issued certificate is refused"
qp_assert_contains "$QP_ERR" "qmail-pem install -d $ctl3 --new-key" \
    "the refusal names the way to self-signed, a complete command"
qp_assert_status 78 "$QMAIL_PEM" rotate -d "$ctl3" --keep-key
qp_assert_same_snapshot "$before" "$ctl3" "a CA-issued certificate is left as it was"

qp_done
