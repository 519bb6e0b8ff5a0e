#!/bin/bash
# qmail-pem status and SNI certificates (issue 24): without --sni a block
# (and a JSON entry) per file, servercert.pem, clientcert.pem and every
# servercerts/NAME/servercert.pem, each labelled with its path under DIR,
# with the SNI file's own key, names, staged key (servercert.pem.next in
# its folder) and backups (in its folder); with --sni NAME that file
# alone, and verify's verdict on it.  A NAME without a folder is said,
# exit 0.  sni-smtpd (tests/standin_smtpd.c, picks
# servercerts/NAME/servercert.pem in its SNI callback as sagredo's
# qmail-smtpd) run as qmaild:nofiles presents NAME's leaf, as status says
# it can read it.  EC keys: the key type is not the point here.
# fixtures: realqmail
# shellcheck disable=SC2015,SC2119,SC2154  # a && b || fail; rq_mkroot default; QP_*
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/realqmail.sh
. "$QP_SRCDIR/tests/realqmail.sh"
qp_setup
rq_init
ctl=$(rq_mkroot mail.example.com)
svc="$QP_TMP/svc"
rq_install_smtpd sni
rq_run_script "$svc" qmaild nofiles
www=www.example.org
shop=shop.example.net
EC=(--key-type ec-p256)

# The files are made natively in the valgrind twin (status is under test);
# under memcheck the read test's child may not answer in time: UNKNOWN.
QP=${QP_NATIVE:-$QMAIL_PEM}
ok=OK
[ "${QP_VALGRIND:-0}" = 1 ] && ok='(OK|UNKNOWN)'
qp_assert_status 0 "$QP" install -q -d "$ctl" --key-type rsa2048
qp_assert_status 0 "$QP" install -q -d "$ctl" --sni "$shop" "${EC[@]}"
qp_assert_status 0 "$QP" install -q -d "$ctl" --sni "$www" "${EC[@]}"
# one backup and a staged key in www's folder, none in DIR
qp_assert_status 0 "$QP" rotate -q -d "$ctl" --sni "$www"
qp_assert_status 0 "$QP" rotate -q -d "$ctl" --sni "$www" --stage

status() { "$QMAIL_PEM" status -d "$ctl" --service-dir "$svc" "$@"; }
# block LABEL TEXT: the lines of LABEL's block
block() { awk -v h="$1 (" 'index($0, h) == 1 { on = 1 } on && $0 == "" { exit } on' <<<"$2"; }

# --- text, every file -----------------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 0 status
qp_assert_same_snapshot "$before" "$ctl" "status changed nothing"
text=$QP_OUT
heads=$(grep -E '^[a-z].* \((OK|WARNING|CRITICAL|UNKNOWN)\)$' <<<"$text" | sed 's/ (.*//')
qp_assert_eq "servercert.pem
clientcert.pem
servercerts/$shop/servercert.pem
servercerts/$www/servercert.pem" "$heads" "a block per file, SNI files labelled, sorted"
b=$(block "servercerts/$www/servercert.pem" "$text")
grep -Eqx "servercerts/$www/servercert.pem \($ok\)" <<<"$b" &&
    qp_ok "the SNI file is OK" || qp_fail "the SNI file's state: $b"
qp_assert_contains "$b" "  file       root:nofiles 0640" "its owner, group, mode"
grep -qx '  key        EC, 256 bits' <<<"$b" &&
    qp_ok "its own key (no other file to share it with)" || qp_fail "its key: $b"
qp_assert_contains "$b" "  names      $www" "its names"
qp_assert_contains "$b" "  reader     qmail-smtpd as qmaild:nofiles" "its reader"
qp_assert_contains "$b" "    can read yes, as the file is now" "who can read it"
qp_assert_contains "$b" "  staged     servercert.pem.next, since " "its staged key"
qp_assert_contains "$b" "  backups    1, newest servercert.pem." "its backup"
b=$(block "servercerts/$shop/servercert.pem" "$text")
qp_assert_contains "$b" "  names      $shop" "the other SNI file, its names"
qp_assert_contains "$b" "  staged     none" "no staged key in its folder"
qp_assert_contains "$b" "  backups    none" "no backups in its folder"
b=$(block servercert.pem "$text")
qp_assert_contains "$b" "  key        RSA, 2048 bits" "servercert.pem: its RSA key"
qp_assert_contains "$b" "  staged     none" "servercert.pem: the SNI folder's staged key is not its"
qp_assert_contains "$b" "  backups    none" "servercert.pem: nor its backup"

# --- json, every file -----------------------------------------------------
qp_assert_status 0 status --format json
printf '%s\n' "$QP_OUT" >"$QP_TMP/all.json"
"$PY" - "$QP_TMP/all.json" "$www" "$shop" "${QP_VALGRIND:-0}" <<-'EOF' >/dev/null ||
	import json, sys
	doc = json.load(open(sys.argv[1]))
	www, shop = sys.argv[2], sys.argv[3]
	ok = ("OK", "UNKNOWN") if sys.argv[4] == "1" else ("OK",)
	lw, ls = ("servercerts/%s/servercert.pem" % n for n in (www, shop))
	files = {f["file"]: f for f in doc["files"]}
	assert [f["file"] for f in doc["files"]] == ["servercert.pem",
	    "clientcert.pem", ls, lw], list(files)
	w = files[lw]
	assert w["status"] in ok, w
	assert w["on_disk"] == {"type": "file",
	    "permissions": "root:nofiles 0640"}, w["on_disk"]
	assert w["certificate"]["key_type"] == "EC", w["certificate"]
	assert www in w["certificate"]["sans"], w["certificate"]
	assert w["staged"]["file"] == "servercert.pem.next", w["staged"]
	assert w["backups"]["count"] == 1, w["backups"]
	assert w["readers"][0]["user"] == "qmaild", w["readers"]
	assert w["readers"][0]["can_read"] is True, w["readers"]
	assert files[ls]["staged"] is None and files[ls]["backups"] == {"count": 0}
	assert www not in files[ls]["certificate"]["sans"], files[ls]
	s = files["servercert.pem"]
	assert s["staged"] is None and s["backups"] == {"count": 0}, s
	assert s["certificate"]["key_type"] == "RSA", s
	EOF
    qp_fail "status --format json: $(cat "$QP_TMP/all.json")"
qp_ok "json: an entry per file with its label, its staged key and backups"

# --- --sni NAME: that file alone ------------------------------------------
qp_assert_status 0 status --sni "$www"
text=$QP_OUT
heads=$(grep -cE '^[a-z].* \((OK|WARNING|CRITICAL|UNKNOWN)\)$' <<<"$text")
qp_assert_eq 1 "$heads" "--sni: one block"
grep -Eqx "servercerts/$www/servercert.pem \($ok\)" <<<"$text" &&
    qp_ok "--sni: the SNI file" || qp_fail "--sni: $text"
qp_assert_contains "$text" "  staged     servercert.pem.next, since " "--sni: its staged key"
grep -Eq "^verify: QMAIL-PEM $ok - servercerts/$www/servercert.pem" <<<"$text" &&
    qp_ok "--sni: verify's verdict on it" || qp_fail "--sni verdict: $text"
qp_assert_status 0 status --sni "$www" --format json
"$PY" -c 'import json, sys; d = json.load(sys.stdin)
assert [f["file"] for f in d["files"]] == ["servercerts/%s/servercert.pem" % sys.argv[1]], d
assert d["files"][0]["backups"]["count"] == 1, d
assert d["verdict"]["status"] in (("OK", "UNKNOWN") if sys.argv[2] == "1"
    else ("OK",)), d' "$www" "${QP_VALGRIND:-0}" <<<"$QP_OUT" || qp_fail "status --sni --format json: $QP_OUT"
qp_ok "--sni json: one entry, that file"

# --- a NAME without a folder, a NAME that is not one -----------------------
qp_assert_status 0 status --sni missing.example.com
qp_assert_contains "$QP_OUT" "servercerts/missing.example.com/servercert.pem (CRITICAL)" \
    "--sni NAME without a folder: CRITICAL"
qp_assert_contains "$QP_OUT" "  file       cannot be used: $ctl/servercerts/missing.example.com does not exist: qmail-pem install" \
    "and why, with the command that makes it"
qp_assert_status 64 status --sni ../x
qp_assert_contains "$QP_ERR" "--sni" "--sni ../x: a usage error"

# --- sni-smtpd as qmaild:nofiles agrees: it presents NAME's leaf -----------
rq_smtpd_start sni qmaild nofiles "$RQ_ROOT/bin/qmail-smtpd" "$RQ_ROOT"
out="$QP_TMP/sclient.out"
timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$RQ_PORT" \
    -servername "$www" -showcerts </dev/null >"$out" 2>&1 || true
qp_assert_eq "$(qp_cert_fpr "$ctl/servercerts/$www/servercert.pem")" \
    "$(_qp_fpr_after 'Certificate chain' "$out")" \
    "sni-smtpd as qmaild:nofiles presents $www's leaf, as status says it can"
rq_stop sni
qp_done
