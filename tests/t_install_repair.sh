# shellcheck shell=bash
# t_install_repair.sh: qmail-pem install on broken layouts: the existing key
# and certificate are kept, symlinks and hard links become regular files,
# owners and modes are fixed, replaced files are backed up.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/pki.sh
. "$QP_SRCDIR/tests/pki.sh"
qp_setup

work="$QP_TMP/work"
mkdir -m 0700 "$work"

# One RSA key: with the self-signed certificate `make cert` (qmail's TLS
# patch) makes, and with a certificate from the test CA's intermediate.
pki_init
pki_key "$work/leaf.key"
openssl req -new -x509 -key "$work/leaf.key" -days 30 -subj /CN=mail.example.com \
    -out "$work/self.crt" 2>/dev/null
pki_leaf "$work/leaf.key" "$work/leaf.crt"

orig_key=$(qp_pubkey "$work/leaf.key")
self_fpr=$(qp_cert_fpr "$work/self.crt")
leaf_fpr=$(qp_cert_fpr "$work/leaf.crt")
inter_fpr=$(qp_cert_fpr "$PKI/int.pem")
root_fpr=$(qp_cert_fpr "$PKI/root.pem")

# assert_backup DIR NAME TYPE: exactly one NAME.YYYYMMDDTHHMMSSZ.bak, root:root,
# TYPE (symlink or a 0600 file), stamped between $t0 and $t1; print its path.
assert_backup() {
	local dir=$1 name=$2 type=$3 b stamp n
	n=$(find "$dir" -maxdepth 1 -name "$name.*.bak" | wc -l)
	[ "$n" -eq 1 ] || qp_fail "want one backup of $name, found $n"
	b=$(find "$dir" -maxdepth 1 -name "$name.*.bak")
	stamp=${b#"$dir/$name."}
	stamp=${stamp%.bak}
	[[ $stamp =~ ^[0-9]{8}T[0-9]{6}Z$ ]] ||
	    qp_fail "backup name $b is not $name.YYYYMMDDTHHMMSSZ.bak"
	[[ ! $stamp < $t0 && ! $stamp > $t1 ]] ||
	    qp_fail "backup stamp $stamp is not the time of the run ($t0..$t1)"
	if [ "$type" = symlink ]; then
		[ -L "$b" ] || qp_fail "backup $b is not a symlink"
		[ "$(stat -c %U:%G "$b")" = root:root ] ||
		    qp_fail "backup symlink $b is not root:root"
	else
		qp_assert_file_perm "$b" root:root 0600 >/dev/null
	fi
	printf '%s\n' "$b"
}
stamp_now() { date -u +%Y%m%dT%H%M%SZ; }

# --- the qmailrocks layout: a world-readable file and a symlink to it ------
ctl=$(qp_mkcontrol)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"
cat "$work/leaf.key" "$work/self.crt" >"$srv"
chown vpopmail:qmail "$srv"
chmod 0644 "$srv"
ln -s servercert.pem "$cli"
orig_sum=$(sha256sum <"$srv")
srv_ino=$(stat -c %i "$srv")

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install --dry-run -d "$ctl"
qp_assert_contains "$QP_OUT" \
    "servercert.pem: would fix owner, fix mode (was vpopmail:qmail 0644) -> root:nofiles 0640; key and certificate kept" \
    "dry run: servercert.pem keeps its key, owner and mode fixed"
qp_assert_contains "$QP_OUT" \
    "clientcert.pem: would replace symlink -> root:qmail 0640; same key and certificate as servercert.pem" \
    "dry run: the symlink would be replaced by a file"
qp_assert_not_contains "$QP_OUT" "new key" "dry run: no new key"
qp_assert_same_snapshot "$before" "$ctl" "dry run changes nothing"

t0=$(stamp_now)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
t1=$(stamp_now)
qp_assert_not_contains "$QP_OUT" "new key" "no new key"
qp_assert_contains "$QP_ERR" \
    "servercert.pem was readable by every user (mode 0644): the key it keeps may be known to others; make a new one with qmail-pem install -d $ctl --new-key" \
    "a warning says the kept key was exposed and how to replace it, a complete command"
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$cli" root:qmail 0640
[ "$srv_ino" != "$(stat -c %i "$srv")" ] ||
    qp_fail "servercert.pem was fixed in place: a repair must write a new file"
qp_ok "servercert.pem repaired as a new file (a new inode), like a replacement"
qp_assert_eq "$orig_sum" "$(sha256sum <"$srv")" "servercert.pem bytes kept"
qp_assert_eq "$orig_sum" "$(sha256sum <"$cli")" "clientcert.pem holds the same bytes"
k=$(qp_pubkey "$srv")
qp_assert_eq "$orig_key" "$k" "servercert.pem: the key is preserved"
k=$(qp_pubkey "$cli")
qp_assert_eq "$orig_key" "$k" "clientcert.pem: the key is preserved"
b=$(assert_backup "$ctl" clientcert.pem symlink)
qp_assert_eq servercert.pem "$(readlink "$b")" "the symlink is backed up as a symlink"
qp_assert_contains "$QP_OUT" "clientcert.pem: old file kept as ${b##*/}" \
    "the backup is reported"
n=$(find "$ctl" -name 'servercert.pem.*.bak' | wc -l)
qp_assert_eq 0 "$n" "no backup of a file whose bytes stay"

got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$self_fpr" "$got" "qmaild:nofiles serves the kept certificate"
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$self_fpr" "$got" "qmailr:qmail sends the kept certificate"
qp_assert_status 1 qp_open_as vpopmail qmail "$srv"
qp_assert_status 1 qp_open_as other other "$cli"

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_eq "servercert.pem: unchanged (root:nofiles 0640)
clientcert.pem: unchanged (root:qmail 0640)" "$QP_OUT" "repaired: second run unchanged"
qp_assert_same_snapshot "$before" "$ctl" "repaired: second run touches nothing"

# --- a chain out of order, with its root, text between blocks, key last ----
ctl=$(qp_mkcontrol)
{
	cat "$PKI/root.pem" "$work/leaf.crt"
	printf 'Bag Attributes\n    friendlyName: mail\n'
	cat "$work/leaf.key" "$PKI/int.pem"
} >"$srv"
chown root:nofiles "$srv"
chmod 0640 "$srv"
ln -s "$srv" "$cli"	# absolute, but inside the directory
orig_sum=$(sha256sum <"$srv")
got=$(pki_blocks "$srv")
qp_assert_eq "$root_fpr $leaf_fpr KEY $inter_fpr" "$got" "the chain starts out of order"

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install --dry-run -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: would rewrite layout" \
    "dry run: the layout would be rewritten"
qp_assert_same_snapshot "$before" "$ctl" "dry run changes nothing"
t0=$(stamp_now)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
t1=$(stamp_now)
qp_assert_contains "$QP_OUT" "servercert.pem: rewrite layout" "layout rewritten"
for f in "$srv" "$cli"; do
	head=$(head -n 1 "$f")
	qp_assert_eq "-----BEGIN RSA PRIVATE KEY-----" "$head" \
	    "${f##*/}: the key in the form every TLS patch loads"
	got=$(pki_blocks "$f")
	qp_assert_eq "KEY $leaf_fpr $inter_fpr" "$got" \
	    "${f##*/}: key, leaf, then intermediate; root and text dropped"
	k=$(qp_pubkey "$f")
	qp_assert_eq "$orig_key" "$k" "${f##*/}: the key is preserved"
done
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$cli" root:qmail 0640
b=$(assert_backup "$ctl" servercert.pem file)
qp_assert_eq "$orig_sum" "$(sha256sum <"$b")" "the backup holds the old bytes"
b=$(assert_backup "$ctl" clientcert.pem symlink)
qp_assert_eq "$srv" "$(readlink "$b")" "the absolute symlink is recorded as it was"
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$leaf_fpr" "$got" "qmaild:nofiles serves the leaf"
# What SSL_CTX_use_certificate_chain_file() sends must verify up to the root.
openssl verify -CAfile "$PKI/root.pem" -untrusted "$srv" "$srv" >/dev/null ||
    qp_fail "the rewritten chain does not verify up to the root"
qp_ok "the rewritten chain verifies up to the root"

# --- a hard link between the two names --------------------------------------
ctl=$(qp_mkcontrol)
cat "$work/leaf.key" "$work/self.crt" >"$srv"
chmod 0644 "$srv"
ln "$srv" "$cli"
orig_sum=$(sha256sum <"$srv")
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install --dry-run -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: would replace hard link" "dry run: hard link (server)"
qp_assert_contains "$QP_OUT" "clientcert.pem: would replace hard link" "dry run: hard link (client)"
qp_assert_same_snapshot "$before" "$ctl" "dry run changes nothing"
t0=$(stamp_now)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
t1=$(stamp_now)
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$cli" root:qmail 0640
k=$(qp_pubkey "$cli")
qp_assert_eq "$orig_key" "$k" "hard link: the key is preserved"
for name in servercert.pem clientcert.pem; do
	b=$(assert_backup "$ctl" "$name" file)
	qp_assert_eq "$orig_sum" "$(sha256sum <"$b")" "$name: backup holds the old bytes"
done

# --- only clientcert.pem: servercert.pem gets its key -------------------------
ctl=$(qp_mkcontrol)
cat "$work/leaf.key" "$work/self.crt" >"$cli"
chown root:qmail "$cli"
chmod 0640 "$cli"
cli_ino=$(stat -c '%i %.9Y' "$cli")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_OUT" "same key and certificate as clientcert.pem" \
    "servercert.pem is made from clientcert.pem"
qp_assert_contains "$QP_OUT" "clientcert.pem: unchanged" "clientcert.pem stays"
qp_assert_eq "$cli_ino" "$(stat -c '%i %.9Y' "$cli")" "clientcert.pem untouched"
qp_assert_file_perm "$srv" root:nofiles 0640
k=$(qp_pubkey "$srv")
qp_assert_eq "$orig_key" "$k" "servercert.pem has clientcert.pem's key"

# --- --new-key replaces both; a backup name that is taken gets .1 ------------
# No faketime here (an ASan-built binary deadlocks under libfaketime): the
# names NAME.STAMP.bak of every second the run may take are taken first, so
# the run must number its backups, and must not touch the files already there.
old_sum=$(sha256sum <"$srv")
first=$(date -u +%s)
last=$((first + ${QP_CMD_TIMEOUT:-120} + 10))
for ((s = first; s <= last; s++)); do
	stamp=$(date -u -d "@$s" +%Y%m%dT%H%M%SZ)
	for name in servercert.pem clientcert.pem; do
		printf 'taken %s\n' "$stamp" >"$ctl/$name.$stamp.bak"
		chmod 0600 "$ctl/$name.$stamp.bak"
	done
done
taken=$(cd "$ctl" && for f in *.????????T??????Z.bak; do
	printf '%s %s\n' "$f" "$(stat -c '%i %s %.9Y' "$f")"; done)
# (--keep: install keeps 5 backups by default and would remove the taken
# names, which are newer than the backup it makes.)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key --keep 10000
qp_assert_contains "$QP_OUT" "servercert.pem: replace, new key" "--new-key: new server key"
qp_assert_contains "$QP_OUT" "clientcert.pem: replace, new key" "--new-key: new client key"
k=$(qp_pubkey "$srv")
[ "$k" != "$orig_key" ] || qp_fail "--new-key kept the old key"
qp_ok "--new-key made a new key"
k2=$(qp_pubkey "$cli")
qp_assert_eq "$k" "$k2" "--new-key: both files share the new key"
for name in servercert.pem clientcert.pem; do
	n=$(find "$ctl" -maxdepth 1 -name "$name.*.1.bak" | wc -l)
	qp_assert_eq 1 "$n" "$name: one numbered backup"
	b=$(find "$ctl" -maxdepth 1 -name "$name.*.1.bak")
	stamp=${b#"$ctl/$name."}
	stamp=${stamp%.1.bak}
	[[ $stamp =~ ^[0-9]{8}T[0-9]{6}Z$ ]] ||
	    qp_fail "backup name $b is not $name.YYYYMMDDTHHMMSSZ.1.bak"
	qp_assert_file_perm "$b" root:root 0600
	qp_assert_eq "$old_sum" "$(sha256sum <"$b")" \
	    "$name: the old file is NAME.STAMP.1.bak when NAME.STAMP.bak is taken"
done
now=$(cd "$ctl" && for f in *.????????T??????Z.bak; do
	printf '%s %s\n' "$f" "$(stat -c '%i %s %.9Y' "$f")"; done)
qp_assert_eq "$taken" "$now" "the backups already there are untouched"

# --- a kept certificate that verify would warn about: install says so -----------
ctl=$(qp_mkcontrol)
openssl req -x509 -key "$work/leaf.key" -days 20 -subj /CN=mail.example.com \
    -addext basicConstraints=critical,CA:TRUE -out "$work/ca-like.crt" 2>/dev/null ||
    qp_fail "openssl req failed"
cat "$work/leaf.key" "$work/ca-like.crt" >"$ctl/servercert.pem"
chmod 0640 "$ctl/servercert.pem"
ln -s servercert.pem "$ctl/clientcert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_ERR" "servercert.pem: expiry: expires in" \
    "repair: the kept certificate's near expiry is warned about"
qp_assert_contains "$QP_ERR" "servercert.pem: leaf-ca:" \
    "repair: a kept CA certificate is warned about"
qp_assert_eq "$orig_key" "$(qp_pubkey "$ctl/servercert.pem")" "repair: the key is kept all the same"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_eq "" "$QP_ERR" "the second run, which changes nothing, is quiet"

# --- what the refusals suggest works: --new-key replaces an unusable file -------
newkey_fixes() {	# WHAT SETUP: install refuses and says --new-key; that works
	local what=$1 setup=$2 before
	ctl=$(qp_mkcontrol)
	eval "$setup"
	before=$(qp_snapshot "$ctl")
	qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl"
	qp_assert_contains "$QP_ERR" "--new-key" "$what: the refusal suggests --new-key"
	qp_assert_same_snapshot "$before" "$ctl" "$what: the refusal changes nothing"
	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key --key-type ec-p256
	qp_assert_contains "$QP_ERR" "it will be replaced" "$what: --new-key says it replaces it"
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	[ "$(qp_pubkey "$ctl/servercert.pem")" = "$(qp_cert_pubkey "$ctl/servercert.pem")" ] ||
	    qp_fail "$what: the new servercert.pem does not match"
	qp_ok "$what: --new-key made a matching pair"
	[ -n "$(find "$ctl" -name 'servercert.pem.*.bak')" ] ||
	    qp_fail "$what: the unusable file was not kept as a backup"
	qp_ok "$what: the unusable file is kept as a backup"
}
pki_key "$work/other.key"
newkey_fixes "a key that does not match" \
    'cat "$work/other.key" "$work/self.crt" >"$ctl/servercert.pem"'
newkey_fixes "a damaged key" \
    '{ echo "-----BEGIN PRIVATE KEY-----"; echo "AAAA"; echo "-----END PRIVATE KEY-----"; cat "$work/self.crt"; } >"$ctl/servercert.pem"'
newkey_fixes "a dangling symlink" 'ln -s missing.pem "$ctl/servercert.pem"'

qp_done
