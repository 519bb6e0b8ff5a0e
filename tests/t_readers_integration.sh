#!/bin/bash
# t_readers_integration.sh: install, rotate and verify follow the readers the
# run scripts name (tests/fixtures/service/<layout>, users of lib.sh through
# nss_wrapper).  qmailrocks runs qmail-smtpd as vpopmail:vchkpw: install and
# rotate refuse the root:nofiles layout without touching the directory,
# --server-group vchkpw works, and verify reports CRITICAL reader-cannot-read
# and runs its real read test as vpopmail.  A script that cannot be read only
# warns; no service directory at all changes nothing.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3 promtool

fixtures="$QP_SRCDIR/tests/fixtures/service"
rocks="$fixtures/qmailrocks"
script="$rocks/qmail-smtpd/run"
nosvc="$QP_TMP/no-services"
mkdir -m 0755 "$nosvc"
ctl=$(qp_mkcontrol mail.example.com)

# check FILE NAME in the JSON report $QP_OUT: "STATUS MESSAGE" or "absent".
json_check() {
	python3 -c 'import json, sys
f = json.loads(sys.stdin.read())["files"][sys.argv[1]]
for c in f["checks"]:
    if c["name"] == sys.argv[2]:
        print(c["status"], c["message"])
        sys.exit(0)
print("absent")' "$1" "$2" <<<"$QP_OUT"
}

# --- no service directory: qmail's default readers, as before ---------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --service-dir "$nosvc"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
qp_assert_status 0 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$nosvc" -v
qp_assert_contains "$QP_OUT" "qmaild (uid 20001) loads the key" \
    "no run scripts: the read test runs as qmaild"

# --- qmailrocks: install refuses root:nofiles, the directory untouched -------
before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl" --service-dir "$rocks"
qp_assert_same_snapshot "$before" "$ctl" "refused install leaves $ctl as it was"
qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "refusal is one line"
qp_assert_contains "$QP_ERR" "servercert.pem: qmail-smtpd as vpopmail:vchkpw (uid 20010, gid 20010) from $script cannot read it as root:nofiles 0640" \
    "refusal names the file, the user and the run script"
qp_assert_contains "$QP_ERR" "qmail-pem install -d $ctl --server-group vchkpw --service-dir $rocks (the run script starts vchkpw, which must run as vpopmail or root)" \
    "refusal names the fix that works with vchkpw, as a complete command"
qp_assert_not_contains "$QP_ERR" 'as qmaild' "no hint to run qmail-smtpd as qmaild"
# --dry-run refuses as well: the plan would break STARTTLS.
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl" --service-dir "$rocks" --dry-run
qp_assert_same_snapshot "$before" "$ctl" "refused dry run leaves $ctl as it was"

# A fresh directory is refused before anything is created.
fresh="$QP_TMP/fresh"
mkdir -m 0755 "$fresh"
printf 'mail.example.com\n' >"$fresh/me"
before_fresh=$(qp_snapshot "$fresh")
qp_assert_status 78 "$QMAIL_PEM" install -d "$fresh" --service-dir "$rocks"
qp_assert_same_snapshot "$before_fresh" "$fresh" "refused fresh install creates nothing"

# --- verify on root:nofiles: CRITICAL reader-cannot-read in every format ----
qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$rocks"
qp_assert_contains "$QP_OUT" "CRITICAL" "nagios: CRITICAL"
# The wrong group, the failed read test and the reader that cannot read
# are one cause: the status line says it once, with the group it needs.
qp_assert_contains "$QP_OUT" "Fix: qmail-pem install -d $ctl --server-group vchkpw --service-dir $rocks (the run script starts vchkpw" \
    "nagios: the group the detected reader needs is expected"
qp_assert_not_contains "${QP_OUT%%|*}" "servercert.pem: group:" \
    "nagios: the group check is not a second problem"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$rocks" -v
qp_assert_contains "$QP_OUT" "servercert.pem reader-cannot-read CRITICAL: servercert.pem: qmail-smtpd as vpopmail:vchkpw" \
    "nagios -v: reader-cannot-read names the detected reader"

qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$rocks" --format json
res=$(json_check servercert.pem reader-cannot-read)
qp_assert_contains "$res" "CRITICAL servercert.pem: qmail-smtpd as vpopmail:vchkpw" \
    "json: reader-cannot-read is CRITICAL and names vpopmail:vchkpw"
qp_assert_contains "$res" "$script" "json: names the run script"
res=$(json_check servercert.pem reader-can-read)
qp_assert_contains "$res" "CRITICAL vpopmail cannot open it" \
    "json: the real read test ran as vpopmail and failed"
qp_assert_eq absent "$(json_check clientcert.pem reader-cannot-read)" \
    "json: qmail-remote (qmailr:qmail) can read clientcert.pem"

qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$rocks" \
    --format prometheus
qp_assert_contains "$QP_OUT" \
    'qmail_pem_check_status{file="servercert.pem",check="reader-cannot-read"} 2' \
    "prometheus: reader-cannot-read status 2"
qp_assert_contains "$QP_OUT" \
    'qmail_pem_check_ok{file="servercert.pem",check="reader-cannot-read"} 0' \
    "prometheus: reader-cannot-read not ok"
promtool check metrics <"$QP_OUT_FILE" >/dev/null 2>&1 ||
    promtool check metrics <"$QP_OUT_FILE"
qp_ok "prometheus: promtool accepts the metrics"

# --- rotate refuses too ---------------------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" rotate -d "$ctl" --service-dir "$rocks"
qp_assert_same_snapshot "$before" "$ctl" "refused rotate leaves $ctl as it was"
qp_assert_contains "$QP_ERR" "--server-group vchkpw" "rotate names the fix"

# --- --server-group vchkpw: installed, readable by vpopmail, verify OK ---------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --service-dir "$rocks" \
    --server-group vchkpw
qp_assert_file_perm "$ctl/servercert.pem" root:vchkpw 0640
qp_open_as vpopmail vchkpw "$ctl/servercert.pem" ||
    qp_fail "vpopmail:vchkpw cannot really read root:vchkpw 0640"
qp_ok "vpopmail:vchkpw really reads servercert.pem"

qp_assert_status 0 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$rocks" -v
qp_assert_contains "$QP_OUT" "vpopmail (uid 20010) loads the key and the chain" \
    "verify: the real read test ran as vpopmail and passed"
qp_assert_not_contains "$QP_OUT" "reader-cannot-read" \
    "verify: no reader-cannot-read once vpopmail can read"
qp_assert_status 0 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$rocks" \
    --format json
qp_assert_contains "$(json_check servercert.pem group)" "OK group vchkpw" \
    "verify: vchkpw is the expected group on this server"
# Without the run scripts, root:vchkpw is not what qmail's default reader needs.
qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$nosvc"
qp_ok "verify without run scripts still expects nofiles"

# rotate keeps the layout the readers need.
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --service-dir "$rocks" \
    --server-group vchkpw
qp_assert_file_perm "$ctl/servercert.pem" root:vchkpw 0640
qp_open_as vpopmail vchkpw "$ctl/servercert.pem" ||
    qp_fail "vpopmail:vchkpw cannot read the rotated servercert.pem"
qp_ok "vpopmail:vchkpw reads the rotated servercert.pem"

# --- the other layouts: their readers can read root:nofiles ------------------
ctl=$(qp_mkcontrol mail.example.com)
for layout in lwq jms1 runit; do
	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" \
	    --service-dir "$fixtures/$layout"
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_status 0 "$QMAIL_PEM" verify -d "$ctl" \
	    --service-dir "$fixtures/$layout" -v
	qp_assert_contains "$QP_OUT" "qmaild (uid 20001) loads the key" \
	    "$layout: the read test runs as qmaild"
done

# --- a script that cannot be read: a warning, never a refusal ----------------
before=$(qp_snapshot_entries "$ctl")
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" \
    --service-dir "$fixtures/unparseable"
qp_assert_same_snapshot "$before" "$ctl" "unchanged files stay as they are"
qp_assert_contains "$QP_ERR" \
    "warning: servercert.pem: cannot tell whether qmail-smtpd as a user that is not known" \
    "unparseable: install warns"
qp_assert_contains "$QP_ERR" "check with qmail-pem readers" \
    "unparseable: the warning says how to check"
# --- qmail-remote always runs as qmailr:qmail: a client group it is not in ------
ctl=$(qp_mkcontrol)
before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" install -q --key-type ec-p256 -d "$ctl" \
    --client-group nofiles
qp_assert_contains "$QP_ERR" "qmail-remote as qmailr:qmail" \
    "install --client-group nofiles: refused, naming qmail-remote's user"
qp_assert_contains "$QP_ERR" "--client-group qmail" "and the option that fixes it"
qp_assert_same_snapshot "$before" "$ctl" "the refusal writes nothing"
qp_assert_status 0 "$QMAIL_PEM" install -q --key-type ec-p256 -d "$ctl"
chgrp nofiles "$ctl/clientcert.pem"
qp_assert_status 2 "$QMAIL_PEM" verify -v -d "$ctl"
qp_assert_contains "$QP_OUT" "clientcert.pem reader-cannot-read CRITICAL" \
    "verify: qmailr cannot read a root:nofiles clientcert.pem"

# --- a group the reader is in as a supplementary member: all three agree -------
qp_add_group mailtls 20030 qmaild,qmailr
ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -q --key-type ec-p256 -d "$ctl" \
    --server-group mailtls --client-group mailtls
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl"
qp_assert_status 1 "$QMAIL_PEM" verify -d "$ctl" --server-group mailtls \
    --client-group mailtls
qp_assert_not_contains "$QP_OUT" "CRITICAL" \
    "verify: supplementary members read the files (only the non-RSA warning)"

qp_done
