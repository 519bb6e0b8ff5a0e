#!/bin/bash
# t_model.sh: the installation model (src/site/model.h) as the commands see
# it, without the real qmail (t_model_realqmail.sh has that):
#   - a group the files have is remembered: install, rotate and rollback
#     keep root:vchkpw 0640 without --server-group, and say once that no
#     run script says who reads it; an explicit group wins;
#   - rollback takes --service-dir and refuses, changing nothing, to
#     restore a file that a reader a run script names could not read;
#   - rotate --commit notes the key it replaced; a rollback that would
#     bring it back refuses unless --allow-tlsa-change and prints the
#     `3 1 1' record the restored key needs;
#   - verify reports a staged key as dane-staged (INFO) in all three formats;
#   - the "fix it with" commands work as printed.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3 openssl

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
nosvc="$QP_TMP/no-services"
mkdir -m 0755 "$nosvc"
rocks="$QP_SRCDIR/tests/fixtures/service/qmailrocks"
key=(--key-type ec-p256)
# verify forks read tests that wait 5 s for an answer, which a loaded
# machine under memcheck can miss: verify runs natively in the twin (its
# memcheck coverage is t_verify_*'s), the writers under memcheck.
verify=${QP_NATIVE:-$QMAIL_PEM}

spki_sha256() {
	local sum
	sum=$(openssl pkey -in "$1" -pubout -outform DER | sha256sum) ||
	    qp_fail "openssl cannot read the key in $1"
	printf '%s\n' "${sum%% *}"
}

# --- a remembered group, no run script ---------------------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "${key[@]}" \
    --server-group vchkpw --service-dir "$nosvc"
qp_assert_file_perm "$srv" root:vchkpw 0640
for cmd in "install --new-key" "rotate" "rollback"; do
	# shellcheck disable=SC2086  # the command and its option
	qp_assert_status 0 "$QMAIL_PEM" $cmd -d "$ctl" --service-dir "$nosvc"
	qp_assert_file_perm "$srv" root:vchkpw 0640
	qp_assert_eq 1 "$(grep -c 'keeping group vchkpw of servercert.pem: no run script says who reads it' <<<"$QP_ERR")" \
	    "$cmd: the kept group is said once"
done
qp_assert_status 0 "$verify" verify -d "$ctl" --service-dir "$nosvc" \
    --server-user vpopmail --format json
qp_assert_contains "$QP_OUT" "group vchkpw (kept: no run script says who reads it)" \
    "verify expects the remembered group and says why"

# --- rollback checks the readers ----------------------------------------------
# The live file root:nofiles, a run script naming vpopmail:vchkpw.
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --service-dir "$nosvc" \
    --server-group nofiles
before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" rollback -d "$ctl" --service-dir "$rocks"
qp_assert_same_snapshot "$before" "$ctl" "refused rollback changes nothing"
qp_assert_contains "$QP_ERR" "qmail-smtpd as vpopmail:vchkpw" "names the reader"
fix="qmail-pem rollback -d $ctl --server-group vchkpw --service-dir $rocks"
qp_assert_contains "$QP_ERR" "$fix" "names the complete command"
# The command as printed works, and leaves a file vpopmail reads.
qp_assert_status 0 "$QMAIL_PEM" ${fix#qmail-pem }
qp_assert_file_perm "$srv" root:vchkpw 0640
qp_open_as vpopmail vchkpw "$srv" || qp_fail "vpopmail cannot read the restored file"
qp_ok "the printed rollback command works"
# Now the file remembers vchkpw with the run script: a plain rollback keeps it.
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl" --service-dir "$rocks"
qp_assert_file_perm "$srv" root:vchkpw 0640
qp_assert_not_contains "$QP_ERR" "keeping group" "a reader in the group: nothing to say"

# --- verify's hints run as printed -----------------------------------------------
chmod 0644 "$srv"
qp_assert_status 2 "$verify" verify -d "$ctl" --service-dir "$rocks" --format json
hint=$(python3 -c 'import json, sys
for c in json.load(sys.stdin)["files"]["servercert.pem"]["checks"]:
    if c["name"] == "mode":
        print(c["message"].split("make a new one with ", 1)[1])' <<<"$QP_OUT")
qp_assert_eq "qmail-pem install -d $ctl --server-group vchkpw --service-dir $rocks --new-key" \
    "$hint" "mode: the hint is a complete command, with the group the reader needs"
qp_assert_contains "$QP_OUT" "group vchkpw" "verify expects the reader's group"
# 0644 is not kept; without the option install refuses to choose vchkpw
# on its own and names the complete command.
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl" --service-dir "$rocks"
qp_assert_contains "$QP_ERR" "qmail-pem install -d $ctl --server-group vchkpw --service-dir $rocks" \
    "install names the group as a complete command"
# shellcheck disable=SC2086  # the hint's words
qp_assert_status 0 "$QMAIL_PEM" ${hint#qmail-pem }
qp_assert_file_perm "$srv" root:vchkpw 0640
qp_assert_status 0 "$verify" verify -d "$ctl" --service-dir "$rocks"
qp_ok "the printed install command repairs what verify reported"

# --- DANE: stage, dane-staged, commit, a rollback that would undo it ----------
old=$(spki_sha256 "$srv")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --service-dir "$rocks" --stage
qp_assert_file_perm "$ctl/servercert.pem.next" root:vchkpw 0640
qp_assert_status 0 "$verify" verify -d "$ctl" --service-dir "$rocks" -v
qp_assert_contains "$QP_OUT" "servercert.pem dane-staged INFO: servercert.pem.next is staged, 0 days 0 hours old" \
    "nagios -v: dane-staged with its age"
qp_assert_status 0 "$verify" verify -d "$ctl" --service-dir "$rocks" --format json
qp_assert_contains "$QP_OUT" '"name": "dane-staged"' "json: dane-staged"
qp_assert_status 0 "$verify" verify -d "$ctl" --service-dir "$rocks" --format prometheus
qp_assert_contains "$QP_OUT" 'check="dane-staged"' "prometheus: dane-staged"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --service-dir "$rocks" --commit
qp_assert_file_perm "$srv" root:vchkpw 0640
qp_assert_file_perm "$ctl/.qmail-pem-dane" root:root 0600
qp_assert_contains "$(cat "$ctl/.qmail-pem-dane")" "$old" "the commit notes the replaced key"
qp_assert_status 0 "$verify" verify -d "$ctl" --service-dir "$rocks" -v
qp_assert_not_contains "$QP_OUT" "dane-staged" "no staged key after the commit"

before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" rollback -d "$ctl" --service-dir "$rocks"
qp_assert_same_snapshot "$before" "$ctl" "DANE refusal changes nothing"
qp_assert_contains "$QP_ERR" "IN TLSA 3 1 1 $old" "prints the record the restored key needs"
fix="qmail-pem rollback -d $ctl --server-group vchkpw --service-dir $rocks --allow-tlsa-change"
qp_assert_contains "$QP_ERR" "then run: $fix" "names the complete command"
qp_assert_status 78 "$QMAIL_PEM" rollback -d "$ctl" --service-dir "$rocks" --dry-run
# shellcheck disable=SC2086  # the command's words
qp_assert_status 0 "$QMAIL_PEM" ${fix#qmail-pem }
qp_assert_eq "$old" "$(spki_sha256 "$srv")" "the old key is back"
qp_assert_contains "$QP_OUT" "IN TLSA 3 1 1 $old" "prints the record again"
qp_assert_file_perm "$srv" root:vchkpw 0640
qp_done
