# shellcheck shell=bash
# t_repair_inode.sh: a repair of owner and mode writes a new file (the same
# bytes) and renames it over the old one; it never changes the live inode.
#
#   (a) a user opened servercert.pem O_RDWR while it was theirs; after the
#       repair (root:nofiles 0640) their write through that descriptor
#       reaches the old inode only, never the live key file;
#   (c) a servercert.pem bind-mounted from outside the control directory
#       (in a private mount namespace: unshare -m) is refused with a
#       message naming the mount point, the outside file unchanged, the
#       directory as it was: for a repair, for a replacement (--new-key),
#       and for csr --output and verify --output naming a mounted file.
# (b), a kill between two steps of a repair, is t_crash.sh's "perms"
# scenario; faults at each of its calls, t_faults.sh's.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require unshare mount

ctl=$(qp_mkcontrol)
srv=$ctl/servercert.pem
qp_assert_status 0 "$QMAIL_PEM" install -q --key-type ec-p256 -d "$ctl"
good=$(sha256sum <"$srv")

# --- (a) a descriptor opened while the file was someone else's ----------------
chown qmaild:nofiles "$srv"
chmod 0600 "$srv"
fifo=$QP_TMP/go
mkfifo -m 0600 "$fifo"
chown qmaild "$fifo"
# As qmaild: open the file read-write while it is qmaild's, say so, wait
# for the go, then write through the old descriptor.
# (bash's <> is open(O_RDWR|O_CREAT); the write goes to offset 0.)
(cd / && exec setpriv --reuid="$QP_UID_qmaild" --regid="$QP_GID_nofiles" \
    --clear-groups bash -c '
exec 3<>"$1" || exit 1
echo open
read -r _ <"$2"
printf ATTACKER >&3 || exit 1
echo written
' sh "$srv" "$fifo") >"$QP_TMP/attacker.out" 2>&1 &
attacker=$!
for _ in $(seq 100); do
	grep -q open "$QP_TMP/attacker.out" && break
	sleep 0.1
done
qp_assert_contains "$(cat "$QP_TMP/attacker.out")" open \
    "qmaild holds servercert.pem open read-write while it is qmaild's"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_OUT" "servercert.pem: fix owner, fix mode (was qmaild:nofiles 0600) -> root:nofiles 0640" \
    "install repairs owner and mode"
printf 'go\n' >"$fifo"
wait "$attacker" || qp_fail "the writer as qmaild failed: $(cat "$QP_TMP/attacker.out")"
qp_assert_contains "$(cat "$QP_TMP/attacker.out")" written \
    "qmaild wrote through its old descriptor"
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_eq "$good" "$(sha256sum <"$srv")" \
    "the write through the old descriptor did not reach the live key file"
qp_assert_not_contains "$(head -c 64 "$srv")" ATTACKER "no ATTACKER in servercert.pem"

# --- (c) a file mounted over servercert.pem -------------------------------------
# mounted_on FILE CMD...: run CMD in a private mount namespace in which
# $outside is bind-mounted on FILE (the namespace, and the mount, end
# with CMD).
outside=$QP_TMP/outside.pem
cp -p "$srv" "$outside"
chmod 0644 "$outside"
mounted_on() {
	local on=$1
	shift
	unshare -m --propagation private sh -c \
	    'mount --bind "$1" "$2" || exit 99; shift 2; exec "$@"' \
	    sh "$outside" "$on" "$@"
}
unshare -m --propagation private true ||
    qp_fail "unshare -m does not work here: this test needs mount namespaces (root)"
outside_was=$(stat -c '%i %u %g %a %.9Y %.9Z' "$outside"; sha256sum <"$outside")
before=$(qp_snapshot_entries "$ctl")	# a temp file came and went: the mtime of $ctl moves
# The bytes are the same: a repair of owner and mode.
qp_assert_status 73 mounted_on "$srv" "$QMAIL_PEM" install -q -d "$ctl"
qp_assert_contains "$QP_ERR" "$srv is a mount point" "repair: the refusal names the mount point"
qp_assert_contains "$QP_ERR" "qmail-pem replaces files by rename" "repair: and says why"
qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "repair: one line on stderr"
qp_assert_eq "$outside_was" "$(stat -c '%i %u %g %a %.9Y %.9Z' "$outside"; sha256sum <"$outside")" \
    "repair: the mounted file outside the directory is unchanged (owner, mode, bytes)"
qp_assert_same_snapshot "$before" "$ctl" "repair: the control directory is as it was"
# New content: the backup made first goes again.
qp_assert_status 73 mounted_on "$srv" "$QMAIL_PEM" install -q --new-key \
    --key-type ec-p256 -d "$ctl"
qp_assert_contains "$QP_ERR" "$srv is a mount point" "--new-key: refused, naming the mount point"
qp_assert_eq "$outside_was" "$(stat -c '%i %u %g %a %.9Y %.9Z' "$outside"; sha256sum <"$outside")" \
    "--new-key: the mounted file is unchanged"
qp_assert_same_snapshot "$before" "$ctl" "--new-key: no backup or temp file left"

# The same for --output (a report file mounted from elsewhere).
out=$QP_TMP/out
mkdir -m 0755 "$out"
: >"$out/report.prom"
qp_assert_status 3 mounted_on "$out/report.prom" "$QMAIL_PEM" verify -d "$ctl" \
    --format prometheus --output "$out/report.prom"
qp_assert_contains "$QP_ERR" "$out/report.prom is a mount point" \
    "verify --output onto a mount point: refused, naming it"
qp_assert_status 73 mounted_on "$out/report.prom" "$QMAIL_PEM" csr -q -d "$ctl" \
    --output "$out/report.prom"
qp_assert_contains "$QP_ERR" "$out/report.prom is a mount point" \
    "csr --output onto a mount point: refused, naming it"
qp_assert_eq "$outside_was" "$(stat -c '%i %u %g %a %.9Y %.9Z' "$outside"; sha256sum <"$outside")" \
    "--output: the mounted file is unchanged"
qp_assert_eq "" "$(find "$out" -name '.*.tmp')" "--output: no temp file left"

qp_done
