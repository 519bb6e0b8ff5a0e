# shellcheck shell=bash disable=SC2015  # `a && b || fail` is meant
# t_rotate_dane.sh: the DANE rollover: rotate --stage writes NAME.next with
# the live files' owners and modes and prints the "3 1 1" record of the
# staged key; tlsa prints the current (and --staged the next) record; the
# digests are `openssl pkey -pubout -outform DER | sha256sum` of the keys;
# --commit puts the staged files in place; the refusals change nothing.
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
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 --distinct-keys

# spki_sha256 FILE: the TLSA 3 1 1 digest of the key in FILE, by openssl.
spki_sha256() {
	local sum
	sum=$(openssl pkey -in "$1" -pubout -outform DER | sha256sum) ||
	    qp_fail "openssl cannot read the key in $1"
	printf '%s\n' "${sum%% *}"
}

# --- tlsa on the live key ---------------------------------------------------------
cur=$(spki_sha256 "$srv")
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl"
qp_assert_eq "_25._tcp.mail.example.com. IN TLSA 3 1 1 $cur ; servercert.pem" \
    "$QP_OUT" "tlsa: the record of the live key, owner name from control/me"
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl" --hostname mx.example.net
qp_assert_contains "$QP_OUT" "_25._tcp.mx.example.net. IN TLSA 3 1 1 $cur" \
    "tlsa --hostname names the record"

# --- nothing staged: --commit and tlsa --staged are errors ------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 66 "$QMAIL_PEM" rotate -d "$ctl" --commit
qp_assert_contains "$QP_ERR" "no staged key to commit: $ctl/servercert.pem.next does not exist" \
    "--commit without a staged key names the missing file"
qp_assert_contains "$QP_ERR" "stage one with qmail-pem rotate -d $ctl --stage" \
    "and says how to stage one, a complete command"
qp_assert_status 66 "$QMAIL_PEM" tlsa -d "$ctl" --staged
qp_assert_contains "$QP_ERR" "no staged key" "tlsa --staged without a staged key"
qp_assert_same_snapshot "$before" "$ctl" "the refusals changed nothing"

# --- stage --------------------------------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --stage --dry-run
qp_assert_same_snapshot "$before" "$ctl" "--stage --dry-run changes nothing"

live=$(stat -c '%n %i %.9Y %.9Z' "$srv" "$cli")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --stage
qp_assert_file_perm "$ctl/servercert.pem.next" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem.next" root:qmail 0640
nxt=$(spki_sha256 "$ctl/servercert.pem.next")
[ "$nxt" != "$cur" ] || qp_fail "the staged key is the live key"
qp_ok "the staged key is a new key"
printed=$(printf '%s\n' "$QP_OUT" | grep ' IN TLSA ')
qp_assert_eq "_25._tcp.mail.example.com. IN TLSA 3 1 1 $nxt" "$printed" \
    "--stage prints the record of the staged key: openssl's SPKI SHA-256"
qp_assert_eq "$live" "$(stat -c '%n %i %.9Y %.9Z' "$srv" "$cli")" \
    "--stage leaves the live files alone (inodes, mtimes, ctimes)"
n=$(cd "$ctl" && find . -name '*.bak' | wc -l)
qp_assert_eq 0 "$n" "--stage makes no backup: nothing was replaced"
for f in servercert.pem.next clientcert.pem.next; do
	k=$(qp_pubkey "$ctl/$f")
	c=$(qp_cert_pubkey "$ctl/$f")
	qp_assert_eq "$k" "$c" "$f: key matches its certificate"
done
a=$(qp_pubkey "$ctl/clientcert.pem.next")
[ "$a" != "$(qp_pubkey "$ctl/servercert.pem.next")" ] ||
    qp_fail "distinct keys were staged as one"
qp_ok "distinct keys are staged distinct"
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "while staged, s_server as qmaild:nofiles still presents the live certificate"

# --- tlsa --staged: both records ---------------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl" --staged
want="_25._tcp.mail.example.com. IN TLSA 3 1 1 $cur ; servercert.pem
_25._tcp.mail.example.com. IN TLSA 3 1 1 $nxt ; servercert.pem.next"
qp_assert_eq "$want" "$QP_OUT" "tlsa --staged: the current and the next record"

# --- while staged ----------------------------------------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --stage
qp_assert_contains "$QP_ERR" "already staged" "a second --stage warns"
qp_assert_contains "$QP_OUT" "3 1 1 $nxt" "and prints the record of the key staged before"
qp_assert_same_snapshot "$before" "$ctl" "a second --stage changes nothing"
qp_assert_status 78 "$QMAIL_PEM" rotate -d "$ctl"
qp_assert_contains "$QP_ERR" "run qmail-pem rotate -d $ctl --commit" \
    "a plain rotate while staged points to --commit, a complete command"
qp_assert_same_snapshot "$before" "$ctl" "the refused rotate changed nothing"

# A staged key someone made readable does not go live.
chmod 0644 "$ctl/servercert.pem.next"
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" rotate -d "$ctl" --commit
qp_assert_contains "$QP_ERR" "servercert.pem.next is root:nofiles 0644, not root:nofiles 0640" \
    "a widened staged file is refused"
qp_assert_same_snapshot "$before" "$ctl" "the refused commit changed nothing"
chmod 0640 "$ctl/servercert.pem.next"

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --commit --dry-run
qp_assert_same_snapshot "$before" "$ctl" "--commit --dry-run changes nothing"

# --- commit --------------------------------------------------------------------------------
next_cli=$(qp_pubkey "$ctl/clientcert.pem.next")
old_srv_bytes=$(sha256sum <"$srv")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --commit
qp_assert_contains "$QP_OUT" "_25._tcp.mail.example.com. IN TLSA 3 1 1 $nxt" \
    "--commit prints the record now in use"
rt_assert_installed "$ctl" "after --commit"
qp_assert_eq "$nxt" "$(spki_sha256 "$srv")" "the staged server key is live"
qp_assert_eq "$next_cli" "$(qp_pubkey "$cli")" "the staged client key is live"
[ ! -e "$ctl/servercert.pem.next" ] && [ ! -e "$ctl/clientcert.pem.next" ] ||
    qp_fail "a .next file is left after --commit"
qp_ok "--commit removes the .next files"
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
qp_assert_eq 1 "${#bs[@]}" "--commit backs up the old servercert.pem"
qp_assert_eq "$old_srv_bytes" "$(sha256sum <"$ctl/${bs[0]}")" "the backup is the old file"
rt_assert_backups_private "$ctl" "after --commit"
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "s_server as qmaild:nofiles presents the committed certificate"
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl"
qp_assert_eq "_25._tcp.mail.example.com. IN TLSA 3 1 1 $nxt ; servercert.pem" \
    "$QP_OUT" "tlsa now prints the committed key's record"
qp_assert_status 66 "$QMAIL_PEM" rotate -d "$ctl" --commit
qp_ok "a second --commit is an error: nothing is staged"

# --- a shared key: stage and commit both files as one ------------------------------------------
ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --stage --format json
tl=$(printf '%s' "$QP_OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["tlsa_next"])')
nxt=$(spki_sha256 "$ctl/servercert.pem.next")
qp_assert_eq "_25._tcp.mail.example.com. IN TLSA 3 1 1 $nxt" "$tl" \
    "--stage --format json gives the staged record as tlsa_next"
qp_assert_eq "$(sha256sum <"$ctl/servercert.pem.next")" \
    "$(sha256sum <"$ctl/clientcert.pem.next")" "a shared key is staged in both files"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --commit -q
rt_assert_installed "$ctl" "shared key after --commit"
qp_assert_eq "$nxt" "$(spki_sha256 "$ctl/clientcert.pem")" "both files hold the staged key"

qp_done
