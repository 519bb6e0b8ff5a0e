# shellcheck shell=bash
# t_rotate_rollback.sh: qmail-pem rollback puts back the files the last
# rotation replaced, exactly, and is itself reversible.
# valgrind: slow (under memcheck: a run at every step, EC keys (QP_FAST_KEY))
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup
[ "${#QP_FAST_KEY[@]}" -eq 0 ] ||
    echo "# under valgrind: EC P-256 keys (QP_FAST_KEY in tests/lib.sh)"

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"

# --- nothing to roll back to ---------------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --distinct-keys \
    "${QP_FAST_KEY[@]}"
before=$(qp_snapshot "$ctl")
qp_assert_status 66 "$QMAIL_PEM" rollback -d "$ctl"
qp_assert_contains "$QP_ERR" "no backup of servercert.pem or clientcert.pem" \
    "no backup: rollback says there is nothing to roll back to"
qp_assert_same_snapshot "$before" "$ctl" "no backup: nothing changed"

# --- rotate twice, roll back once -----------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
p1_srv=$(qp_pubkey "$srv")
p1_cli=$(qp_pubkey "$cli")
p1_bytes=$(sha256sum "$srv" "$cli" | cut -d' ' -f1)
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
p2_srv=$(qp_pubkey "$srv")
p2_cli=$(qp_pubkey "$cli")
[ "$p2_srv" != "$p1_srv" ] || qp_fail "the second rotation kept the key"

before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl" --dry-run
qp_assert_contains "$QP_OUT" "servercert.pem: would replace" "rollback --dry-run shows the plan"
qp_assert_same_snapshot "$before" "$ctl" "rollback --dry-run changes nothing"

qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: restored from servercert.pem." \
    "rollback names the backup it restored"
rt_assert_installed "$ctl" "after rollback"
r_srv=$(qp_pubkey "$srv")
r_cli=$(qp_pubkey "$cli")
qp_assert_eq "$p1_srv" "$r_srv" "rollback restores the previous server public key"
qp_assert_eq "$p1_cli" "$r_cli" "rollback restores the previous client public key"
r_bytes=$(sha256sum "$srv" "$cli" | cut -d' ' -f1)
qp_assert_eq "$p1_bytes" "$r_bytes" "rollback restores both files byte for byte"
rt_assert_backups_private "$ctl" "after rollback"
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "s_server as qmaild:nofiles loads the restored file"
fpr=$(qp_cert_fpr "$cli")
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$fpr" "$got" "s_client as qmailr:qmail loads the restored file"

# The files it replaced are backups now: a second rollback undoes the first.
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl"
u_srv=$(qp_pubkey "$srv")
u_cli=$(qp_pubkey "$cli")
qp_assert_eq "$p2_srv" "$u_srv" "a second rollback undoes the first (server)"
qp_assert_eq "$p2_cli" "$u_cli" "a second rollback undoes the first (client)"
rt_assert_installed "$ctl" "after the second rollback"

# --- only the newest stamp is restored: a file changed alone is restored alone ---------
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
sleep 1.1
# A backup of servercert.pem alone, newer than the pair (as install leaves
# when it repaired one file): the file the rotation replaced.
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cp "$ctl/${bs[-1]}" "$ctl/servercert.pem.$stamp.bak"
chmod 0600 "$ctl/servercert.pem.$stamp.bak"
want=$(sha256sum <"$ctl/servercert.pem.$stamp.bak")
cli_before=$(sha256sum <"$cli")
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: restored from servercert.pem.$stamp.bak" \
    "the newest backup (servercert.pem's alone) is restored"
qp_assert_eq "$want" "$(sha256sum <"$srv")" "servercert.pem holds that backup's bytes"
cli_after=$(sha256sum <"$cli")
qp_assert_eq "$cli_before" "$cli_after" "clientcert.pem, without a backup that new, is left alone"

# --- a backup that holds the live bytes (left by a failed run) is passed over ----------
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
p_srv=$(qp_pubkey "$srv")
mapfile -t bs < <(rt_backups "$ctl" servercert.pem)
prev=$(sha256sum <"$ctl/${bs[-1]}")
sleep 1.1
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cp "$srv" "$ctl/servercert.pem.$stamp.bak"
chmod 0600 "$ctl/servercert.pem.$stamp.bak"
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl"
qp_assert_eq "$prev" "$(sha256sum <"$srv")" \
    "a copy of the live file is not a rollback target: the one before it is restored"
[ "$(qp_pubkey "$srv")" != "$p_srv" ] || qp_fail "the rotated key is still live"
qp_ok "the rotation is undone"
rm -f "$ctl/servercert.pem.$stamp.bak"

# --- a recorded symlink is not brought back ---------------------------------------------
sleep 1.1
stamp=$(date -u +%Y%m%dT%H%M%SZ)
ln -s servercert.pem "$ctl/clientcert.pem.$stamp.bak"
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" rollback -d "$ctl"
qp_assert_contains "$QP_ERR" "records a symlink" "a symlink backup is refused"
lines=$(printf '%s\n' "$QP_ERR" | wc -l)
qp_assert_eq 1 "$lines" "one line on stderr"
qp_assert_same_snapshot "$before" "$ctl" "a symlink backup: nothing changed"
rm "$ctl/clientcert.pem.$stamp.bak"

# --- a damaged backup is refused ----------------------------------------------------------
sleep 1.1
stamp=$(date -u +%Y%m%dT%H%M%SZ)
head -c 300 "$srv" >"$ctl/servercert.pem.$stamp.bak"
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" rollback -d "$ctl"
qp_assert_contains "$QP_ERR" "servercert.pem.$stamp.bak" "the damaged backup is named"
qp_assert_same_snapshot "$before" "$ctl" "a damaged backup: nothing changed"

# --- a rollback killed midway: its note, and the next rollback finishes it ---------------
rm -f "$ctl/servercert.pem.$stamp.bak"
qp_require strace
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
k_srv=$(qp_pubkey "$srv")
k_cli=$(qp_pubkey "$cli")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
sleep 1.1
# renameat 1 puts the note in place, 2 and 3 the backups of the live files,
# 4 the restored servercert.pem: killed there, after servercert.pem alone.
ASAN_OPTIONS=detect_leaks=0 strace -o "$QP_TMP/kill.trace" -e trace=renameat \
    -e inject=renameat:signal=KILL:when=5 "$QMAIL_PEM" rollback -q -d "$ctl" \
    >/dev/null 2>&1 || true
grep -q 'killed by SIGKILL' "$QP_TMP/kill.trace" || qp_fail "rollback was not killed"
[ -f "$ctl/.qmail-pem-rollback" ] || qp_fail "the killed rollback left no note"
qp_assert_file_perm "$ctl/.qmail-pem-rollback" root:root 0600
qp_assert_eq "$k_srv" "$(qp_pubkey "$srv")" "killed after one rename: servercert.pem is restored"
[ "$(qp_pubkey "$cli")" != "$k_cli" ] || qp_fail "clientcert.pem was restored too"
qp_ok "killed after one rename: clientcert.pem is not restored yet"
before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" rotate -d "$ctl"
qp_assert_contains "$QP_ERR" "a rollback was interrupted" "rotate refuses while the note is there"
qp_assert_contains "$QP_ERR" "qmail-pem rollback -d $ctl" "and says how to finish it"
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl"
qp_assert_same_snapshot "$before" "$ctl" "install and rotate change nothing then"
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl" \
    --post-hook "echo \"hook: \$QMAIL_PEM_CHANGED\" >$QP_TMP/hook.log"
qp_assert_contains "$QP_OUT" "finishing the rollback that was interrupted" \
    "the next rollback finishes the killed one"
qp_assert_eq "hook: servercert.pem clientcert.pem" "$(cat "$QP_TMP/hook.log")" \
    "the post-hook hears of both files"
qp_assert_eq "$k_srv" "$(qp_pubkey "$srv")" "servercert.pem: the pair before the last rotation"
qp_assert_eq "$k_cli" "$(qp_pubkey "$cli")" "clientcert.pem: the pair before the last rotation"
[ ! -e "$ctl/.qmail-pem-rollback" ] || qp_fail "the note is still there"
qp_ok "the note is gone"
rt_assert_installed "$ctl" "after the finished rollback"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"

qp_done
