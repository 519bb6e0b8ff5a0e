#!/bin/bash
# qmail-pem verify: what is on disk (symlinks, hard links, owners, groups,
# modes, missing files) and the real read test as the daemon's user, in all
# three formats; nothing in the control directory changes.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup
qp_require python3 promtool
vl_fresh
cp "$CTL/servercert.pem" "$QP_TMP/server.pem"

# The qmailrocks layout: clientcert.pem -> servercert.pem.
rm -f "$CTL/clientcert.pem"
ln -s servercert.pem "$CTL/clientcert.pem"
vl_expect 2 clientcert.pem regular-file CRITICAL
vl_expect_also clientcert.pem expiry SKIPPED
vl_expect_also clientcert.pem reader-can-read SKIPPED
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "'clientcert_days'=U;30;7" \
    "perfdata of a file not read is U"
qp_assert_contains "$QP_OUT" "clientcert.pem: regular-file: a symlink to servercert.pem" \
    "the summary names the symlink"

# A symlink to a file the daemon could not otherwise read is not followed:
# the target's content does not matter.
printf 'not even PEM\n' >"$QP_TMP/elsewhere.pem"
rm -f "$CTL/clientcert.pem"
ln -s "$QP_TMP/elsewhere.pem" "$CTL/clientcert.pem"
vl_expect 2 clientcert.pem parses SKIPPED

# A hard link: both names are one file.
rm -f "$CTL/clientcert.pem"
ln "$CTL/servercert.pem" "$CTL/clientcert.pem"
vl_expect 2 servercert.pem link-count WARNING
vl_expect_also clientcert.pem group CRITICAL

# A hard link to a name outside the control directory, right owner and mode.
vl_fresh
ln "$CTL/servercert.pem" "$QP_TMP/copy.pem"
vl_expect 1 servercert.pem link-count WARNING
rm -f "$QP_TMP/copy.pem"

# Modes: world-readable, world-writable, group-writable, no group read,
# stricter than 0640 (0440).
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0644
vl_expect 2 servercert.pem mode CRITICAL
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0642
vl_expect 2 servercert.pem mode CRITICAL
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0660
vl_expect 1 servercert.pem mode WARNING
vl_expect_also servercert.pem reader-can-read OK
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0600
vl_expect 2 servercert.pem mode CRITICAL
vl_expect_also servercert.pem reader-can-read CRITICAL
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0440
vl_expect 0 servercert.pem mode OK

# Another group, and no run script says who reads it: the group is kept
# (site/model.h), but the read test as qmail's default reader fails, and
# its fix names the group that reader needs.
vl_place servercert.pem "$QP_TMP/server.pem" root:qmail 0640
vl_expect 2 servercert.pem reader-can-read CRITICAL
vl_expect_also servercert.pem group OK
vl_expect_also servercert.pem reader-can-read CRITICAL
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "servercert.pem reader-can-read CRITICAL: qmaild cannot open it (Permission denied)" \
    "the read test says what qmaild saw"

# ... unless verify is told the group qmail-smtpd really runs with.
qp_add_user smtpd 20030 20002
vl_expect 0 servercert.pem group OK --server-group qmail --server-user smtpd

# Owner not root.
vl_place servercert.pem "$QP_TMP/server.pem" other:nofiles 0640
vl_expect 2 servercert.pem owner CRITICAL
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0640

# Supplementary groups count, as for the daemon: qmaild reads a file of
# group vchkpw only when the group database lists it as a member.
vl_place servercert.pem "$QP_TMP/server.pem" root:vchkpw 0640
vl_expect 2 servercert.pem reader-can-read CRITICAL --server-group vchkpw
sed -i 's/^vchkpw:x:20010:$/vchkpw:x:20010:qmaild/' "$NSS_WRAPPER_GROUP"
vl_expect 0 servercert.pem reader-can-read OK --server-group vchkpw
vl_place servercert.pem "$QP_TMP/server.pem" root:nofiles 0640

# A parent directory qmaild cannot search: owner, group and mode are right,
# only the real read test finds it.
chmod 0750 "$CTL"
vl_expect 2 servercert.pem reader-can-read CRITICAL
vl_expect_also servercert.pem mode OK
chmod 0755 "$CTL"

# Missing files: servercert.pem is CRITICAL, clientcert.pem a WARNING.
rm -f "$CTL/clientcert.pem"
vl_expect 1 clientcert.pem exists WARNING
vl_expect_also clientcert.pem owner SKIPPED
rm -f "$CTL/servercert.pem"
vl_expect 2 servercert.pem exists CRITICAL

# Not a regular file.
mkdir "$CTL/servercert.pem"
vl_expect 2 servercert.pem regular-file CRITICAL
rmdir "$CTL/servercert.pem"

qp_done
