#!/bin/bash
# labels: once
# --format json wherever it is offered (issue 21): a refusal, an error or a
# usage error still prints exactly one JSON object on stdout, with "ok":
# false, "exit" equal to the command's exit status, the "message" said on
# stderr and "warnings" as a list; a success says "ok": true with the same
# names ("dir" everywhere, readers' too).  And install --keep N (default 5,
# as rotate): the backups install keeps, each holding an old private key.
# shellcheck disable=SC2119  # qp_mkcontrol with its default
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
# The distribution's python3 when there is one: a version manager's shim
# earlier on PATH costs ten times as much per start.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
qp_require python3
rocks="$QP_SRCDIR/tests/fixtures/service/qmailrocks"
ctl=$(qp_mkcontrol)

# json_is STATUS OK [PYTHON-ASSERTION]: $QP_OUT is one JSON object whose
# exit is STATUS (the command's, as qp_assert_status saw it), ok is OK
# (true/false), with dir, warnings a list, and a message when not ok.
json_is() {
	printf '%s' "$QP_OUT" >"$QP_TMP/out.json"
	"$PY" - "$1" "$2" "${3:-True}" "$QP_TMP/out.json" <<-'EOF' ||
	import json, sys
	text = open(sys.argv[4]).read()
	d = json.loads(text)	# exactly one value, nothing after it
	assert isinstance(d, dict), d
	assert d["exit"] == int(sys.argv[1]), d
	assert d["ok"] is (sys.argv[2] == "true"), d
	assert "dir" in d and "control_dir" not in d, d
	assert isinstance(d["warnings"], list), d
	if not d["ok"]:
	    assert d["message"], d
	assert eval(sys.argv[3]), d
	EOF
	    qp_fail "not the JSON expected (exit $1, ok $2, $3): $QP_OUT"
	qp_ok "one JSON object: exit $1, ok $2"
}

# --- refusals and errors ---------------------------------------------------
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl" --service-dir "$rocks" \
    --format json
json_is 78 false '"vpopmail:vchkpw" in d["message"] and d["command"] == "install"'
msg=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["message"])' <<<"$QP_OUT")
qp_assert_contains "$QP_ERR" "$msg" "the message is the one on stderr"
qp_assert_status 64 "$QMAIL_PEM" install -d "$ctl" --format json --bogus
json_is 64 false '"--bogus" in d["message"]'
qp_assert_status 66 "$QMAIL_PEM" install -d "$QP_TMP/none" --format json
json_is 66 false 'd["dir"].endswith("/none")'
qp_assert_status 66 "$QMAIL_PEM" rotate -d "$ctl" --format json
json_is 66 false 'd["command"] == "rotate"'
qp_assert_status 66 "$QMAIL_PEM" rollback -d "$ctl" --format json
json_is 66 false 'd["command"] == "rollback"'
qp_assert_status 66 "$QMAIL_PEM" readers -d "$QP_TMP/none" --format json
json_is 66 false 'd["command"] == "readers"'
qp_assert_status 3 "$QMAIL_PEM" verify -d "$QP_TMP/none" --format json
json_is 3 false 'd["command"] == "verify" and d["status"] == "UNKNOWN"'
qp_assert_status 3 "$QMAIL_PEM" verify -d "$ctl" --format json -w x
json_is 3 false '"-w takes" in d["message"]'

# --- successes: the same names, warnings as a list ------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 \
    --format json
json_is 0 true 'any("RSA" in w for w in d["warnings"]) and d["changed"]'
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" --format json \
    --service-dir "$QP_TMP/none"
json_is 0 true 'd["dir"] and d["readers"]'
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --dry-run --format json
json_is 0 true 'd["dry_run"] and not d["changed"]'

# --- install --keep --------------------------------------------------------
backups() { find "$ctl" -maxdepth 1 -name "$1.*.bak" | sort; }
pub() { openssl pkey -in "$1" -pubout 2>/dev/null | sha256sum | cut -c1-64; }
declare -A was
for _ in 1 2 3; do
	was[$(pub "$ctl/servercert.pem")]=1
	qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ctl" --new-key \
	    --key-type ec-p256 --keep 2
done
list=$(backups servercert.pem)
qp_assert_eq 2 "$(grep -c . <<<"$list")" "--keep 2: two backups of servercert.pem"
qp_assert_eq 2 "$(backups clientcert.pem | grep -c .)" "--keep 2: two of clientcert.pem"
while read -r b; do
	k=$(pub "$b")
	[ -n "${was[$k]:-}" ] || qp_fail "$b holds no old private key"
	[ "$k" != "$(pub "$ctl/servercert.pem")" ] || qp_fail "$b holds the live key"
done <<<"$list"
qp_ok "each backup holds an old private key"
for _ in 1 2 3 4; do
	qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ctl" --new-key \
	    --key-type ec-p256
done
qp_assert_eq 5 "$(backups servercert.pem | grep -c .)" "the default keeps 5"
qp_assert_status 64 "$QMAIL_PEM" install -d "$ctl" --keep 0
qp_done
