#!/bin/bash
# t_hints.sh: every "fix it with" hint is a complete command that works as
# printed (issues 19 and 24): -d when not the default, the groups in use,
# --service-dir when given, --sni NAME for an SNI file.  Run exactly as
# printed: verify's content hints (servercert.pem and an SNI file), the
# readers fix; asserted: csr's next step, rotate --commit's stage hint.
# And the SNI gaps: tlsa --sni labels its record with the SNI file,
# rollback --sni without a backup names the SNI file alone, and install
# --dry-run --sni NAME for a missing folder prints the plan (the folders
# root:root 0755, the file) and changes nothing.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
nosvc="$QP_TMP/no-services"
mkdir -m 0755 "$nosvc"
rocks="$QP_SRCDIR/tests/fixtures/service/qmailrocks"
name=www.example.net
key=(--key-type ec-p256)
verify=${QP_NATIVE:-$QMAIL_PEM}	# its read tests' 5 s window (t_model.sh)
w=(-d "$ctl" --service-dir "$nosvc")

# hint_of FILE CHECK WORDS: the command after WORDS in CHECK's message of
# FILE in verify's JSON ($QP_OUT), up to the end.
hint_of() {
	python3 -c 'import json, sys
for c in json.load(sys.stdin)["files"][sys.argv[1]]["checks"]:
    if c["name"] == sys.argv[2]:
        print(c["message"].split(sys.argv[3], 1)[1])' "$1" "$2" "$3" <<<"$QP_OUT"
}

# run_printed CMD: run a printed "qmail-pem ..." command as it is.  Its
# --new-key makes an RSA key, seconds under memcheck: natively in the
# valgrind twin, which checks the commands that print the hints.
run_printed() {
	# shellcheck disable=SC2086  # the printed command's words
	qp_assert_status 0 "${QP_NATIVE:-$QMAIL_PEM}" ${1#qmail-pem }
}

qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" "${key[@]}" --server-group vchkpw
qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" "${key[@]}" --sni "$name"

# --- content hints: a file that is no PEM at all ------------------------------
for f in "$srv" "$ctl/servercerts/$name/servercert.pem"; do
	printf 'not a key\n' >"$f.junk" && chmod 0640 "$f.junk" &&
	    chown "root:$(stat -c %G "$f")" "$f.junk" && mv "$f.junk" "$f"
done
qp_assert_status 2 "$verify" verify "${w[@]}" --format json
hint=$(hint_of servercert.pem parses "install a new one with ")
qp_assert_eq "qmail-pem install -d $ctl --server-group vchkpw --service-dir $nosvc --new-key" \
    "$hint" "parses: the hint is complete (-d, the kept group, --service-dir)"
sni_hint=$(hint_of "servercerts/$name/servercert.pem" parses "install a new one with ")
qp_assert_eq "qmail-pem install -d $ctl --sni $name --server-group vchkpw --service-dir $nosvc --new-key" \
    "$sni_hint" "parses, SNI file: the hint names --sni $name"
run_printed "$hint"
qp_assert_file_perm "$srv" root:vchkpw 0640
run_printed "$sni_hint"
qp_assert_file_perm "$ctl/servercerts/$name/servercert.pem" root:vchkpw 0640
qp_assert_status 0 "$verify" verify "${w[@]}" --server-user vpopmail
qp_ok "the printed install commands repair both files"

# --- readers: the fix as a complete command, run as printed -------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --service-dir "$nosvc" \
    "${key[@]}" --server-group nofiles --new-key
qp_assert_status 1 "$QMAIL_PEM" readers -d "$ctl" --service-dir "$rocks"
fix="qmail-pem install -d $ctl --server-group vchkpw --service-dir $rocks"
# The qmailrocks script starts vchkpw: no "run it as qmaild" (issue 21).
qp_assert_contains "$QP_OUT" ": $fix (the run script starts vchkpw" "readers: the fix is the model's complete command"
qp_assert_not_contains "$QP_OUT" "as qmaild" "readers: no hint to run qmail-smtpd as qmaild"
qp_assert_status 1 "$QMAIL_PEM" readers -d "$ctl" --service-dir "$rocks" --format json
qp_assert_contains "$QP_OUT" "\"fix\": \"$fix (the run script starts vchkpw" "readers json: the same complete command"
run_printed "$fix"
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" --service-dir "$rocks"
qp_ok "the printed readers fix works"

# --- csr and rotate --commit name complete commands ---------------------------
qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --sni "$name"
qp_assert_contains "$QP_ERR" "returns with: qmail-pem install -d $ctl --sni $name --server-group vchkpw --cert CERT.pem --chain CHAIN.pem" \
    "csr --sni: the next step names -d, --sni and the kept group"
qp_assert_status 66 "$QMAIL_PEM" rotate "${w[@]}" --sni "$name" --commit
qp_assert_contains "$QP_ERR" "stage one with qmail-pem rotate -d $ctl --sni $name --server-group vchkpw --service-dir $nosvc --stage" \
    "rotate --commit --sni: the stage hint is complete"

# A certificate without its key: the request to make names -d and --sni.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$QP_TMP/other.key" -subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
    -days 30 -out "$QP_TMP/other.crt" 2>/dev/null || qp_fail "openssl req failed"
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QMAIL_PEM" install "${w[@]}" --sni "$name" --cert "$QP_TMP/other.crt"
qp_assert_contains "$QP_ERR" "make a request from this server's key with qmail-pem csr -d $ctl --sni $name" \
    "install --cert without its key: the csr command names -d and --sni (csr takes no groups)"
qp_assert_same_snapshot "$before" "$ctl" "install --cert without its key: nothing changed"

# --- tlsa --sni: the record is labelled with the SNI file -----------------------
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl" --sni "$name"
qp_assert_contains "$QP_OUT" "_25._tcp.$name. IN TLSA 3 1 1 " "tlsa --sni: NAME's record"
qp_assert_contains "$QP_OUT" " ; servercerts/$name/servercert.pem" \
    "tlsa --sni: labelled servercerts/$name/servercert.pem"
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl"
qp_assert_contains "$QP_OUT" " ; servercert.pem" "tlsa: labelled servercert.pem"

# --- rollback --sni without a backup names the SNI file alone ------------------
other=mx2.example.net
qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" "${key[@]}" --sni "$other"
qp_assert_status 66 "$QMAIL_PEM" rollback "${w[@]}" --sni "$other"
qp_assert_contains "$QP_ERR" "$ctl/servercerts/$other holds no backup of servercert.pem (servercert.pem.YYYYMMDDTHHMMSSZ.bak)" \
    "rollback --sni: the SNI file's backup is missing"
qp_assert_not_contains "$QP_ERR" "clientcert.pem" "rollback --sni: no clientcert.pem named"

# --- install --dry-run --sni for a folder that does not exist -----------------
dry_run_plans() {	# name what
	local before left
	before=$(qp_snapshot "$ctl")
	qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" "${key[@]}" --sni "$1" --dry-run
	qp_assert_contains "$QP_OUT" "servercerts/$1: would create the folder -> root:root 0755" \
	    "$2: the folder it would make"
	qp_assert_contains "$QP_OUT" "servercerts/$1/servercert.pem: would create" \
	    "$2: the file it would write"
	qp_assert_same_snapshot "$before" "$ctl" "$2: nothing changed"
	left=$(find /tmp -maxdepth 1 -name 'qmail-pem-dry-run.*' | wc -l)
	qp_assert_eq 0 "$left" "$2: no stand-in left in /tmp"
}
dry_run_plans new.example.org "dry run, servercerts/ present"
qp_assert_not_contains "$QP_OUT" "servercerts: would create" \
    "dry run, servercerts/ present: only NAME's folder is new"
[ ! -e "$ctl/servercerts/new.example.org" ] || qp_fail "the dry run made the folder"
rm -rf -- "${ctl:?}/servercerts"
dry_run_plans new.example.org "dry run, no servercerts/"
qp_assert_contains "$QP_OUT" "servercerts: would create the folder -> root:root 0755" \
    "dry run, no servercerts/: both folders would be made"
qp_done
