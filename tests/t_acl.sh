#!/bin/bash
# POSIX ACLs: a mode says who reads a file only without extended ACL
# entries.  Every file qmail-pem writes (key files, backups, the pending
# key of csr, rotate's staged files) ends with the minimal ACL of its
# mode, even in a directory whose default ACL would give it more readers;
# install repairs a key file that has extended entries (plan: "remove
# ACL"); verify reports them (check acl) and a default ACL on the
# directory (check default-acl, on each key file) as CRITICAL, naming who
# they let in; rotate --commit refuses a staged file that got an ACL.
# Every "who can read" is also asked of the kernel (qp_open_as).
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_need_acls "$0" "$@"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup
qp_require setfacl getfacl python3 promtool

# extended FILE: print its extended ACL entries (none: nothing).
extended() {
	getfacl -p --skip-base --omit-header -- "$1" 2>/dev/null |
	    grep -v -e '^$' -e '^#' || true
}
# no_acl FILE...: none of the files has extended entries, and nobody
# (the user the ACLs below name) cannot read it.
no_acl() {
	local f
	for f in "$@"; do
		qp_assert_eq "" "$(extended "$f")" "$(basename "$f"): no extended ACL entries"
		if qp_open_as nobody nogroup "$f"; then
			qp_fail "$(basename "$f"): nobody can read it"
		fi
		qp_ok "$(basename "$f"): nobody cannot read it"
	done
}

# --- a default ACL on the control directory -----------------------------------
CTL=$(qp_mkcontrol mail.example.com)
setfacl -d -m u:nobody:r,g:other:r -- "$CTL"
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL" "${QP_FAST_KEY[@]}"
no_acl "$CTL/servercert.pem" "$CTL/clientcert.pem"
qp_assert_file_perm "$CTL/servercert.pem" root:nofiles 0640
fpr=$(qp_tls_handshake_as qmaild nofiles "$CTL/servercert.pem") ||
    qp_fail "qmaild cannot load servercert.pem"
[ -n "$fpr" ] || qp_fail "no certificate in the handshake"
qp_ok "qmaild still loads servercert.pem"
vl_expect 2 servercert.pem default-acl CRITICAL
vl_expect_also clientcert.pem default-acl CRITICAL
vl_expect_also servercert.pem acl OK
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "servercert.pem default-acl CRITICAL: $CTL has a default ACL (user:nobody:r--, group:other:r--)" \
    "verify names who the default ACL lets in"

# rotate and its backups, rollback, csr's pending key, --stage: all
# written in that directory, all without extended entries.
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$CTL"
no_acl "$CTL/servercert.pem" "$CTL/clientcert.pem" "$CTL"/servercert.pem.*.bak \
    "$CTL"/clientcert.pem.*.bak
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$CTL"
no_acl "$CTL/servercert.pem" "$CTL/clientcert.pem"
qp_assert_status 0 "$QMAIL_PEM" csr -d "$CTL" --new-key "${QP_FAST_KEY[@]}" \
    --output "$QP_TMP/req.pem"
no_acl "$CTL/servercert.pem.pending-key"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$CTL" --stage
no_acl "$CTL/servercert.pem.next" "$CTL/clientcert.pem.next"
# A staged file that got an ACL since does not go live.
setfacl -m u:nobody:r -- "$CTL/servercert.pem.next"
before=$(qp_snapshot_entries "$CTL")
qp_assert_status 65 "$QMAIL_PEM" rotate -d "$CTL" --commit
qp_assert_contains "$QP_ERR" "servercert.pem.next has extended ACL entries (user:nobody:r--)" \
    "rotate --commit: refuses a staged file with an ACL"
qp_assert_same_snapshot "$before" "$CTL" "rotate --commit refused: nothing changed"
rm -f -- "$CTL"/*.next "$CTL/servercert.pem.pending-key"
setfacl -k -- "$CTL"
vl_expect "$(qp_under_valgrind && echo 1 || echo 0)" servercert.pem default-acl OK

# --- an access ACL on servercert.pem -------------------------------------------
setfacl -m u:nobody:r,g:other:r -- "$CTL/servercert.pem"
qp_open_as nobody nogroup "$CTL/servercert.pem" ||
    qp_fail "setfacl did not let nobody read servercert.pem"
qp_ok "the ACL lets nobody read servercert.pem, mode 0640 notwithstanding"
vl_expect 2 servercert.pem acl CRITICAL
vl_expect_also servercert.pem mode OK
vl_expect_also clientcert.pem acl OK
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "servercert.pem: acl: extended ACL entries user:nobody:r--, group:other:r--" \
    "verify names who the ACL lets in"
# A masked entry lets no one in today, but is one chmod away: CRITICAL
# too, shown with what it lets in now.
chmod 0600 "$CTL/servercert.pem"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "servercert.pem acl CRITICAL: extended ACL entries user:nobody:---, group:other:---" \
    "verify: masked entries are CRITICAL too"
chmod 0640 "$CTL/servercert.pem"
# install plans the repair ...
before=$(qp_snapshot "$CTL")
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL" --dry-run
qp_assert_contains "$QP_OUT" "servercert.pem: would remove ACL (was root:nofiles 0640 with ACL user:nobody:r--, group:other:r--) -> root:nofiles 0640" \
    "install --dry-run: remove ACL, naming the entries"
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL" --dry-run --format json
qp_assert_contains "$QP_OUT" '"remove ACL"' "install --format json: the action"
qp_assert_contains "$QP_OUT" '"removed_acl": "user:nobody:r--, group:other:r--"' \
    "install --format json: the entries"
qp_assert_same_snapshot "$before" "$CTL" "install --dry-run changed nothing"
[ -n "$(extended "$CTL/servercert.pem")" ] || qp_fail "--dry-run removed the ACL"
# ... and makes it.
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL"
no_acl "$CTL/servercert.pem"
qp_assert_file_perm "$CTL/servercert.pem" root:nofiles 0640
qp_assert_status "$(qp_under_valgrind && echo 1 || echo 0)" "$QMAIL_PEM" verify -d "$CTL"
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL"
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" "install again: nothing left to do"

# --- when setting the minimal ACL fails -----------------------------------------
# The new file is not written, nothing is left behind, the message says
# what failed.  (strace injects into the binary itself, not valgrind.)
native=${QP_NATIVE:-$QMAIL_PEM}
CTL=$(qp_mkcontrol mail.example.com)
setfacl -d -m u:nobody:r -- "$CTL"
before=$(qp_snapshot_entries "$CTL")
for n in 1 2; do
	qp_assert_status 74 strace -o /dev/null -e trace=fsetxattr \
	    -e inject=fsetxattr:error=EIO:when=$n "$native" install -d "$CTL" \
	    --key-type ec-p256
	qp_assert_contains "$QP_ERR" "cannot remove the ACL entries (such as a default ACL gives) of the new file: Input/output error" \
	    "fsetxattr #$n fails: says so"
	qp_assert_same_snapshot "$before" "$CTL" "fsetxattr #$n fails: nothing changed"
done
# ... and in a repair (the same bytes in a new file, renamed over the old
# one), the old file stays as it was: bytes, owner, mode, its ACL, inode.
# Without a default ACL the new file has no ACL to remove (the kernel says
# so: no fsetxattr at all), so the step that fails is setting its owner.
setfacl -k -- "$CTL"
qp_assert_status 0 "$QMAIL_PEM" install -d "$CTL" "${QP_FAST_KEY[@]}"
setfacl -m u:nobody:r -- "$CTL/servercert.pem"
sum=$(sha256sum <"$CTL/servercert.pem")
before=$(qp_snapshot_entries "$CTL")
qp_assert_status 74 strace -o /dev/null -e trace=fchown \
    -e inject=fchown:error=EIO:when=1 "$native" install -d "$CTL"
qp_assert_contains "$QP_ERR" "servercert.pem: cannot set the owner of the new file: Input/output error" \
    "repair: setting the owner fails: says so"
qp_assert_same_snapshot "$before" "$CTL" "repair failed: nothing changed"
qp_assert_contains "$(getfacl -cp "$CTL/servercert.pem")" "user:nobody:r--" \
    "repair failed: the old file keeps its ACL"
qp_assert_eq "$sum" "$(sha256sum <"$CTL/servercert.pem")" "repair failed: the same bytes"
qp_assert_file_perm "$CTL/servercert.pem" root:nofiles 0640
qp_done
