#!/bin/bash
# install and the temporary RSA keys of update_tmprsadh (rsa*.pem, issue
# 23): a key readable beyond qmail-smtpd's reader is repaired like a key
# file, by its same bytes in a new file (a new inode) renamed over it,
# with its owner and group kept and mode 0600 (0640 when it is
# root:READER-GROUP), never by chmod on the live file; a key as
# update_tmprsadh makes it (the reader's own, 0600) or root:nofiles 0640
# is left alone, so install and update_tmprsadh never undo each other.
# --dry-run changes nothing; verify says CRITICAL before and OK after.
# shellcheck disable=SC2015,SC2119  # `a && b || fail`; helpers with defaults
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup
qp_require strace python3 promtool
native=${QP_NATIVE:-$QMAIL_PEM}

CTL=$(qp_mkcontrol)
"$native" install -q -d "$CTL" >/dev/null || qp_fail "install -d $CTL"
openssl genrsa -out "$QP_TMP/rsa.pem" 2048 2>/dev/null || qp_fail "genrsa"
sum=$(sha256sum <"$QP_TMP/rsa.pem")

# put NAME OWNER:GROUP MODE: a key file as another tool leaves it.
put() {
	rm -f -- "$CTL/$1"
	cat "$QP_TMP/rsa.pem" >"$CTL/$1" && chown "$2" "$CTL/$1" &&
	    chmod "$3" "$CTL/$1" || qp_fail "put $1"
}
put rsa2048.pem qmaild:qmail 0644	# update_tmprsadh's, then chmod 644
put rsa1024.pem root:nofiles 0664	# root's, for the reader's group
put rsa512.pem qmaild:qmail 0600	# as update_tmprsadh makes it
put rsa4096.pem root:nofiles 0640
ino=$(stat -c %i "$CTL/rsa2048.pem")
# A reader that opened the key while every user could: it keeps the old
# inode, the live file is a new one.
exec 3<"$CTL/rsa2048.pem"

before=$(qp_snapshot "$CTL")
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL" --dry-run
qp_assert_contains "$QP_OUT" "rsa2048.pem: would fix mode (was qmaild:qmail 0644) -> qmaild:qmail 0600" \
    "dry run: rsa2048.pem to 0600, owner and group kept"
qp_assert_contains "$QP_OUT" "rsa1024.pem: would fix mode (was root:nofiles 0664) -> root:nofiles 0640" \
    "dry run: root's rsa1024.pem to 0640 for the reader's group"
qp_assert_not_contains "$QP_OUT" "rsa512.pem" "update_tmprsadh's own file is not in the plan"
qp_assert_not_contains "$QP_OUT" "rsa4096.pem" "root:nofiles 0640 is not in the plan"
qp_assert_same_snapshot "$before" "$CTL" "--dry-run changed nothing"

vl_expect 2 rsa2048.pem mode CRITICAL
vl_expect_also rsa1024.pem mode CRITICAL
vl_expect_also rsa512.pem mode OK
vl_expect_also rsa4096.pem mode OK

keep=$(qp_snapshot_entries "$CTL" | grep -E '^rsa(512|4096)\.pem ')
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL"
qp_assert_contains "$QP_OUT" "rsa2048.pem: fix mode (was qmaild:qmail 0644) -> qmaild:qmail 0600" \
    "install repairs rsa2048.pem"
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" "the key files stay as they were"
qp_assert_file_perm "$CTL/rsa2048.pem" qmaild:qmail 0600
qp_assert_file_perm "$CTL/rsa1024.pem" root:nofiles 0640
qp_assert_eq "$sum" "$(sha256sum <"$CTL/rsa2048.pem")" "the same key"
qp_assert_eq "$sum" "$(sha256sum <"$CTL/rsa1024.pem")" "the same key (rsa1024.pem)"
new=$(stat -c %i "$CTL/rsa2048.pem")
[ "$new" != "$ino" ] || qp_fail "rsa2048.pem kept its inode $ino"
qp_ok "rsa2048.pem is a new inode ($ino -> $new)"
qp_assert_eq "0644" "$(stat -L -c %04a /proc/self/fd/3)" \
    "the descriptor opened before holds the old inode, unchanged"
exec 3<&-
qp_assert_eq "$keep" "$(qp_snapshot_entries "$CTL" | grep -E '^rsa(512|4096)\.pem ')" \
    "rsa512.pem and rsa4096.pem untouched (same inode, mode, times)"
qp_open_as qmaild nofiles "$CTL/rsa2048.pem" ||
    qp_fail "qmaild cannot read its rsa2048.pem"
qp_ok "qmaild reads rsa2048.pem"
if qp_open_as other other "$CTL/rsa2048.pem"; then
	qp_fail "another user still reads rsa2048.pem"
fi
qp_ok "no other user reads rsa2048.pem"
vl_expect 0 rsa2048.pem mode OK

# Again: nothing to do.
before=$(qp_snapshot "$CTL")
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL"
qp_assert_not_contains "$QP_OUT" "rsa" "a second install has nothing to say about rsa*.pem"
qp_assert_same_snapshot "$before" "$CTL" "a second install changed nothing"

# Never a chmod on the live file: the new mode is set on the temp file,
# which is renamed over the old one.
put rsa2048.pem qmaild:qmail 0604
strace -f -qq -o "$QP_TMP/strace.log" -e trace=chmod,fchmod,fchmodat,rename,renameat,renameat2 \
    "$native" install -q -d "$CTL" || qp_fail "install under strace"
log=$(cat "$QP_TMP/strace.log")
qp_assert_not_contains "$(grep -E 'chmod\(|fchmodat\(' <<<"$log" || true)" rsa2048.pem \
    "no chmod by name on rsa2048.pem"
qp_assert_contains "$(grep -E 'rename' <<<"$log")" '"rsa2048.pem"' \
    "a temp file is renamed over rsa2048.pem"
qp_assert_file_perm "$CTL/rsa2048.pem" qmaild:qmail 0600

qp_done
