# shellcheck shell=bash
# t_lib_selftest.sh: tests/lib.sh itself, without the qmail-pem binary.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"

# expect_fail MSG CMD...: assert that CMD, run in a subshell, fails through a
# lib.sh assertion (its "FAIL:" line is kept in $xf_err).
expect_fail() {
	local msg=$1
	shift
	if ("$@") >"$QP_TMP/xf.out" 2>"$QP_TMP/xf.err"; then
		qp_fail "$msg: the check did not fail"
	fi
	xf_err=$(cat "$QP_TMP/xf.err")
	qp_assert_contains "$xf_err" "FAIL:" "$msg"
}

qp_setup

# --- nss_wrapper users and groups -------------------------------------------
qp_assert_eq 20001 "$(qp_uid qmaild)" "qp_uid qmaild"
qp_assert_eq 20001 "$(qp_gid nofiles)" "qp_gid nofiles"
qp_assert_eq 20002 "$QP_GID_qmail" "QP_GID_qmail exported"
qp_assert_eq 0 "$(qp_uid root)" "root still resolves"
ent=$(getent group nofiles)
qp_assert_eq "nofiles:x:20001:" "$ent" "getent group nofiles"
ids=$(id qmaild)
qp_assert_eq "uid=20001(qmaild) gid=20001(nofiles) groups=20001(nofiles)" \
    "$ids" "id qmaild"
# shellcheck disable=SC2016  # expanded by the inner sh
ids=$(setpriv --reuid=qmailr --regid=qmail --clear-groups \
    sh -c 'echo $(id -un):$(id -gn) $(grep ^Groups: /proc/self/status)')
qp_assert_eq "qmailr:qmail Groups:" "$ids" \
    "setpriv resolves nss_wrapper names, --clear-groups leaves none"
expect_fail "qp_uid of an unknown user fails" qp_uid no-such-user

# --- control directory ---------------------------------------------------------
ctl=$(qp_mkcontrol)
qp_assert_eq "$QP_TMP/control" "$ctl" "qp_mkcontrol prints its path"
st=$(stat -c '%U:%G %a' "$ctl")
qp_assert_eq "root:root 755" "$st" "control dir is root 0755"
me=$(cat "$ctl/me")
qp_assert_eq mail.example.com "$me" "default me"
ctl=$(qp_mkcontrol smtp.example.org)
me=$(cat "$ctl/me")
qp_assert_eq smtp.example.org "$me" "me from the argument"

# --- a combined key+cert file as qmail-smtpd reads it ---------------------------
work="$QP_TMP/work"
mkdir -m 0755 "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=mail.example.com -days 2 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
srv="$ctl/servercert.pem"
cat "$work/key.pem" "$work/cert.pem" >"$srv"
chown root:nofiles "$srv"
chmod 0640 "$srv"
qp_assert_file_perm "$srv" root:nofiles 0640
qp_assert_file_perm "$srv" 0:20001 640

keyhash=$(qp_pubkey "$srv")
certhash=$(qp_cert_pubkey "$srv")
qp_assert_eq "$keyhash" "$certhash" "key and certificate match"
want=$(openssl pkey -in "$work/key.pem" -pubout -outform DER | sha256sum)
qp_assert_eq "${want%% *}" "$keyhash" "qp_pubkey is the sha256 of the DER key"
expect_fail "qp_pubkey of a file without a key fails" qp_pubkey "$work/cert.pem"

fpr=$(qp_cert_fpr "$srv")
case $fpr in
[0-9A-F][0-9A-F]:*) qp_ok "qp_cert_fpr prints AA:BB:... ($fpr)" ;;
*) qp_fail "qp_cert_fpr printed '$fpr'" ;;
esac

expect_fail "qp_assert_file_perm: wrong mode" \
    qp_assert_file_perm "$srv" root:nofiles 0600
expect_fail "qp_assert_file_perm: wrong group" \
    qp_assert_file_perm "$srv" root:qmail 0640
ln -s servercert.pem "$ctl/link.pem"
expect_fail "qp_assert_file_perm: symlink" \
    qp_assert_file_perm "$ctl/link.pem" root:nofiles 0640
rm "$ctl/link.pem"
ln "$srv" "$work/hardlink.pem"
expect_fail "qp_assert_file_perm: second hard link" \
    qp_assert_file_perm "$srv" root:nofiles 0640
rm "$work/hardlink.pem"

# --- real readers ------------------------------------------------------------
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "s_server as qmaild:nofiles presents the certificate"
if qp_tls_handshake_as other other "$srv" 2>"$QP_TMP/hs.err"; then
	qp_fail "s_server as other:other read $srv"
fi
hs_err=$(cat "$QP_TMP/hs.err")
qp_assert_contains "$hs_err" "did not start" "s_server as other:other cannot load it"

qp_assert_status 0 qp_open_as qmaild nofiles "$srv"
qp_assert_status 1 qp_open_as other other "$srv"
open_err=$(cat "$QP_TMP/.qp/open_as.err")
qp_assert_contains "$open_err" "Permission denied" "other:other gets EACCES"
qp_assert_status 1 qp_open_as "$QP_UID_qmailr" "$QP_GID_qmail" "$srv"

cli="$ctl/clientcert.pem"
cp "$srv" "$cli"
chown root:qmail "$cli"
chmod 0640 "$cli"
qp_assert_file_perm "$cli" root:qmail 0640
got=$(qp_client_cert_as qmailr qmail "$cli")
qp_assert_eq "$fpr" "$got" "s_client as qmailr:qmail sends the certificate"
if qp_client_cert_as qmaild nofiles "$cli" 2>/dev/null; then
	qp_fail "s_client as qmaild:nofiles read $cli"
fi
qp_ok "s_client as qmaild:nofiles cannot load clientcert.pem"

left=$(pgrep -af -- "$QP_TMP" || true)
qp_assert_eq "" "$left" "no probe process left running"

# --- snapshots ---------------------------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_contains "$before" "servercert.pem type=regular_file mode=640 uid=0 gid=20001" \
    "snapshot lists mode and owners"
qp_assert_contains "$before" "sha256=" "snapshot hashes contents"
cat "$ctl"/* >/dev/null
qp_assert_same_snapshot "$before" "$ctl" "reading the files changes nothing"

chmod 0644 "$srv"
expect_fail "snapshot detects a chmod" qp_assert_same_snapshot "$before" "$ctl"
chmod 0640 "$srv"
expect_fail "snapshot detects a chmod undone (ctime)" \
    qp_assert_same_snapshot "$before" "$ctl"

before=$(qp_snapshot "$ctl")
touch -r "$srv" "$work/stamp"
# Same size, same mtime: only the contents (and ctime) differ.
printf 'X' | dd of="$srv" bs=1 seek=100 conv=notrunc status=none
touch -r "$work/stamp" "$srv"
expect_fail "snapshot detects a content change" \
    qp_assert_same_snapshot "$before" "$ctl"
xf_out=$(cat "$QP_TMP/xf.err")
qp_assert_contains "$xf_out" "sha256=" "the diff shows the hash line"

ctl=$(qp_mkcontrol)
before=$(qp_snapshot "$ctl")
entries=$(qp_snapshot_entries "$ctl")
touch "$ctl/.tmp.servercert"
rm "$ctl/.tmp.servercert"
expect_fail "full snapshot detects a temp file that came and went" \
    qp_assert_same_snapshot "$before" "$ctl"
qp_assert_same_snapshot "$entries" "$ctl" "entries snapshot ignores it"
touch "$ctl/.tmp.servercert"
expect_fail "entries snapshot detects a leftover dot file" \
    qp_assert_same_snapshot "$entries" "$ctl"
# A directory with no regular file in it (one stat, no sha256sum) and
# symlinks, which are recorded by target, not hashed.
empty=$QP_TMP/empty
mkdir -m 0755 "$empty"
before=$(qp_snapshot_entries "$empty")
qp_assert_eq "# qp_snapshot entries" "$before" "an empty directory's snapshot"
ln -s servercert.pem "$empty/clientcert.pem"
expect_fail "snapshot detects a new symlink" \
    qp_assert_same_snapshot "$before" "$empty"
before=$(qp_snapshot "$empty")
qp_assert_contains "$before" "target=servercert.pem" "a symlink's target is recorded"
qp_assert_not_contains "$before" "sha256=" "a dangling symlink is not hashed"
rm "$empty/clientcert.pem"
ln -s me "$empty/clientcert.pem"
expect_fail "snapshot detects a symlink pointed elsewhere" \
    qp_assert_same_snapshot "$before" "$empty"

# --- qp_turn: which qmail-pem a twin's repeated run uses -----------------------
turns=
for i in 1 2 3 4 5 6; do
	QP_VALGRIND=1 QP_NATIVE=native QMAIL_PEM=memcheck qp_turn "$i" 3
	turns="$turns $QP_BIN"
done
qp_assert_eq " native native memcheck native native memcheck" "$turns" \
    "in a twin, qp_turn I 3 memchecks when I mod 3 is 0"
QP_VALGRIND=0 QP_NATIVE=native QMAIL_PEM=memcheck qp_turn 1 3
qp_assert_eq memcheck "$QP_BIN" "outside a twin, qp_turn always picks QMAIL_PEM"

# --- assertions ----------------------------------------------------------------
qp_assert_status 3 sh -c 'echo out; echo err >&2; exit 3'
qp_assert_eq out "$QP_OUT" "QP_OUT holds stdout"
qp_assert_eq err "$QP_ERR" "QP_ERR holds stderr"
expect_fail "qp_assert_status: wrong status" qp_assert_status 0 false
expect_fail "qp_assert_eq: different" qp_assert_eq a b "a is b"
expect_fail "qp_assert_contains: missing" qp_assert_contains abc x "x in abc"
qp_assert_not_contains abc x "x not in abc"
expect_fail "qp_assert_not_contains: present" qp_assert_not_contains abc b "b not in abc"
out=$(QP_CMD_TIMEOUT=1 bash -c '. "$QP_SRCDIR/tests/lib.sh"; QP_TMP=$1; qp_assert_status 0 sleep 5' \
    _ "$QP_TMP" 2>&1 || true)
qp_assert_contains "$out" "(timed out)" "qp_assert_status is bounded"

# --- qp_skip: the skip status 77 comes only from it ----------------------------
# shellcheck disable=SC2016  # expanded by the inner bash
qp_assert_status 77 bash -c 'set -eu; . "$QP_SRCDIR/tests/lib.sh"; qp_setup
    qp_skip "no frobnicator here"'
qp_assert_contains "$QP_OUT" "SKIP: no frobnicator here" "qp_skip says why"
# shellcheck disable=SC2016
qp_assert_status 1 bash -c 'set -eu; . "$QP_SRCDIR/tests/lib.sh"; qp_setup
    (exit 77)'
qp_assert_contains "$QP_ERR" "exited with status 77" \
    "a command's status 77 under set -e is a failure, not a skip"

qp_done
