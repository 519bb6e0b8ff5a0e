#!/bin/bash
# qmail-pem status (issue 21): per file the owner, group and mode, the key,
# subject, issuer, names, expiry, shared key; its reader from the run
# script, the reader's program (the real qmail-smtpd and qmail-remote of
# the realqmail fixture) and what it loads, whether the reader can read it
# today; a staged key; the backups; verify's verdict in one line.  What
# status says about the reader agrees with the real qmail-smtpd run as
# that reader.  It changes nothing and exits 0 whatever the files' state,
# also when qmail's groups and users do not exist (shown, with the fix;
# verify and install stay strict); 66 when DIR does not exist, 77 when it
# is not safe.
# fixtures: realqmail
# shellcheck disable=SC2119,SC2154  # rq_mkroot default; QP_UID_* from qp_setup
# The distribution's python3 when there is one: a version manager's shim
# earlier on PATH costs ten times as much per start.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/realqmail.sh"
qp_setup
rq_init
ctl=$(rq_mkroot)
svc="$QP_TMP/svc"
rq_run_script "$svc" vpopmail vchkpw

# An RSA key and a self-signed certificate, made by openssl (outside
# memcheck): status only reads them.
keys="$QP_TMP/keys"
mkdir -m 0700 "$keys"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$keys/k.pem" \
    -out "$keys/c.pem" -days 100 -subj /CN=mail.example.com \
    -addext subjectAltName=DNS:mail.example.com,DNS:smtp.example.com \
    -addext basicConstraints=critical,CA:FALSE \
    2>/dev/null || qp_fail "openssl req"
for f in servercert.pem clientcert.pem; do
	cat "$keys/k.pem" "$keys/c.pem" >"$ctl/$f"
	chmod 0640 "$ctl/$f"
done
chown root:nofiles "$ctl/servercert.pem"
chown root:qmail "$ctl/clientcert.pem"
leaf=$(qp_cert_fpr "$ctl/servercert.pem")

status() { "$QMAIL_PEM" status -d "$ctl" --service-dir "$svc" "$@"; }

# --- vpopmail:vchkpw cannot read root:nofiles 0640 ------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 0 status
qp_assert_same_snapshot "$before" "$ctl" "status changed nothing"
text=$QP_OUT
qp_assert_contains "$text" "servercert.pem (CRITICAL)" "the file and its state"
qp_assert_contains "$text" "  file       root:nofiles 0640" "owner, group, mode"
qp_assert_contains "$text" "  key        RSA, 2048 bits; the same key as clientcert.pem" \
    "key type, size, shared"
qp_assert_contains "$text" "  subject    CN=mail.example.com" "subject"
qp_assert_contains "$text" "  issuer     self-signed" "issuer"
qp_assert_contains "$text" "  names      mail.example.com, smtp.example.com" \
    "subjectAltNames"
# 100 days from openssl's now: 100 in the same second, else 99.
grep -Eq '\((99|100) days left\)' <<<"$text" && qp_ok "days left" ||
    qp_fail "days left: $text"
qp_assert_contains "$text" "  reader     qmail-smtpd as vpopmail:vchkpw (uid $QP_UID_vpopmail, gid $QP_GID_vchkpw) from $svc/qmail-smtpd/run" \
    "the reader and the run script that says so"
qp_assert_contains "$text" "  can read NO; fix: " "it cannot read it today"
qp_assert_contains "$text" "or install with --server-group vchkpw" "and the fix"
qp_assert_contains "$text" "  program    qmail-smtpd ($RQ_ROOT/bin/qmail-smtpd) loads keys with SSL_use_RSAPrivateKey_file: RSA only" \
    "the real qmail-smtpd: RSA keys only"
qp_assert_contains "$text" "qmail-remote ($RQ_ROOT/bin/qmail-remote) loads keys with SSL_CTX_use_RSAPrivateKey_file: RSA only" \
    "the real qmail-remote: RSA keys only"
qp_assert_contains "$text" "  staged     none" "no staged key"
qp_assert_contains "$text" "  backups    none" "no backups"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" --service-dir "$svc"
verdict=${QP_OUT%% |*}
# (the two runs may fall on either side of the second the 100 days end)
norm() { sed -E 's/expires in (99|100) days/expires in N days/g'; }
qp_assert_contains "$(norm <<<"$text")" "verify: $(norm <<<"$verdict")" \
    "verify's verdict, its own line"
# The real qmail-smtpd as that reader agrees: it cannot read the file.
rq_smtpd_start smtpd vpopmail vchkpw
rq_starttls "$RQ_PORT"
[ "$RQ_TLS" != ok ] || qp_fail "qmail-smtpd as vpopmail read root:nofiles 0640"
qp_assert_contains "$RQ_REPLY" "454 TLS missing certificate" \
    "real qmail-smtpd as vpopmail:vchkpw: cannot read it, as status says"

# --- root:vchkpw: it can, and the real qmail-smtpd presents the leaf ------
chgrp vchkpw "$ctl/servercert.pem"
qp_assert_status 0 status --format json
printf '%s\n' "$QP_OUT" >"$QP_TMP/s.json"
# Under memcheck the read test's child may not answer in time: UNKNOWN.
"$PY" - "$QP_TMP/s.json" "$svc" "$RQ_ROOT" "${QP_VALGRIND:-0}" \
    >"$QP_TMP/fields" <<-'EOF' ||
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["command"] == "status" and doc["ok"] is True, doc
	assert doc["exit"] == 0 and "dir" in doc and doc["warnings"] == []
	srv, cli = doc["files"]
	assert srv["file"] == "servercert.pem" and cli["file"] == "clientcert.pem"
	assert srv["on_disk"] == {"type": "file",
	    "permissions": "root:vchkpw 0640"}, srv["on_disk"]
	c = srv["certificate"]
	assert c["key_type"] == "RSA" and c["key_bits"] == 2048, c
	assert c["self_signed"] is True and c["subject"] == "CN=mail.example.com"
	assert c["sans"] == ["mail.example.com", "smtp.example.com"], c
	assert c["days_left"] in (99, 100), c  # as the text above
	assert srv["shared_key"] == "the same key as clientcert.pem"
	r = srv["readers"][0]
	assert (r["user"], r["group"]) == ("vpopmail", "vchkpw"), r
	assert r["script"] == sys.argv[2] + "/qmail-smtpd/run", r
	assert r["can_read"] is True and r["fix"] is None, r
	p = srv["program"]
	assert p["path"] == sys.argv[3] + "/bin/qmail-smtpd", p
	assert p["keys"] == "RSA only" and p["certificates"] == "the chain", p
	assert srv["read_test"]["status"] in (("OK", "UNKNOWN")
	    if sys.argv[4] == "1" else ("OK",)), srv["read_test"]
	assert srv["staged"] is None and srv["backups"] == {"count": 0}
	assert cli["readers"][0]["user"] == "qmailr", cli["readers"]
	assert doc["verdict"]["line"].startswith("QMAIL-PEM "), doc["verdict"]
	print("ok")
	EOF
    qp_fail "status --format json: $(cat "$QP_TMP/s.json")"
qp_ok "json: every field, the reader can read root:vchkpw 0640"
rq_starttls "$RQ_PORT"
qp_assert_eq ok "$RQ_TLS" "real qmail-smtpd as vpopmail:vchkpw: STARTTLS completes"
qp_assert_eq "$leaf" "$RQ_LEAF" "and presents servercert.pem's leaf"
rq_stop smtpd

# --- a staged key and backups, as rotate --stage and rotate leave them ----
cp -p "$ctl/servercert.pem" "$ctl/servercert.pem.next"
touch -d '3 days ago' "$ctl/servercert.pem.next"
for ago in 40 10; do
	stamp=$(date -u -d "$ago days ago" +%Y%m%dT%H%M%SZ)
	cp -p "$ctl/servercert.pem" "$ctl/servercert.pem.$stamp.bak"
	chmod 0600 "$ctl/servercert.pem.$stamp.bak"
done
newest="servercert.pem.$stamp.bak"
qp_assert_status 0 status
qp_assert_contains "$QP_OUT" "  staged     servercert.pem.next, since " "the staged key"
qp_assert_contains "$QP_OUT" "(3 days): rotate --commit puts it in place" \
    "its age, and what to do with it"
qp_assert_contains "$QP_OUT" "  backups    2, newest $newest (10 days old), oldest 40 days old" \
    "number and age of the backups"

# --- broken files still exit 0; the directory's trouble does not --------
chmod 0644 "$ctl/servercert.pem"
qp_assert_status 0 status
qp_assert_contains "$QP_OUT" "verify: QMAIL-PEM CRITICAL - servercert.pem: mode: readable by every user" \
    "a key readable by all: verify's verdict says so, status exits 0"
qp_assert_status 66 "$QMAIL_PEM" status -d "$QP_TMP/nonexistent"
qp_assert_contains "$QP_ERR" "control directory $QP_TMP/nonexistent does not exist" \
    "66: no such directory"
qp_assert_status 66 "$QMAIL_PEM" status -d "$QP_TMP/nonexistent" --format json
"$PY" -c 'import json, sys; d = json.load(sys.stdin)
assert (d["ok"], d["exit"], d["command"]) == (False, 66, "status"), d
assert "does not exist" in d["message"] and d["warnings"] == []' <<<"$QP_OUT" ||
    qp_fail "status --format json, no directory: $QP_OUT"
qp_ok "json: one object with ok false and exit 66"
chmod 0777 "$ctl"
qp_assert_status 77 "$QMAIL_PEM" status -d "$ctl"
chmod 0755 "$ctl"

# --- qmail's groups and users do not exist: shown, and status exits 0 ----
# A user database without nofiles, qmail, qmaild and qmailr (qmail not
# installed yet), and files a root copy left root:root 0640: the groups
# they should have do not exist.  install refuses (67); status shows it.
grep -Ev '^(nofiles|qmail):' "$QP_TMP/nss/group" >"$QP_TMP/nss/group.noqmail"
grep -Ev '^(qmaild|qmailr):' "$QP_TMP/nss/passwd" >"$QP_TMP/nss/passwd.noqmail"
chmod 0644 "$QP_TMP/nss/group.noqmail" "$QP_TMP/nss/passwd.noqmail"
noqmail=(env NSS_WRAPPER_GROUP="$QP_TMP/nss/group.noqmail"
    NSS_WRAPPER_PASSWD="$QP_TMP/nss/passwd.noqmail")
chown root:root "$ctl/servercert.pem" "$ctl/clientcert.pem"
chmod 0640 "$ctl/servercert.pem" "$ctl/clientcert.pem"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "${noqmail[@]}" "$QMAIL_PEM" status -d "$ctl" --service-dir "$svc"
text=$QP_OUT
qp_assert_contains "$text" "  should be  root:nofiles (does not exist on this system) 0640 (qmail's default)" \
    "no group nofiles: the group servercert.pem should have, shown"
qp_assert_contains "$text" "  should be  root:qmail (does not exist on this system) 0640 (qmail's default)" \
    "no group qmail: the group clientcert.pem should have, shown"
qp_assert_contains "$text" "group qmail (for clientcert.pem) does not exist on this system: create it (qmail's install makes qmail) or pass the group qmail-remote runs as with --client-group" \
    "and how to fix it"
qp_assert_contains "$text" "  read test  UNKNOWN: not run: group nofiles (for servercert.pem) does not exist" \
    "the read test: UNKNOWN, with that cause"
qp_assert_contains "$text" "UNKNOWN: clientcert.pem: group: is root:root 0640; group qmail (for clientcert.pem) does not exist on this system" \
    "the verdict names the cause"
qp_assert_status 0 "${noqmail[@]}" "$QMAIL_PEM" status -d "$ctl" --service-dir "$svc" \
    --format json
"$PY" -c 'import json, sys; d = json.loads(sys.stdin.read())
assert (d["ok"], d["exit"], d["command"]) == (True, 0, "status"), d
srv, cli = d["files"]
w = cli["wanted"]
assert (w["group"], w["group_exists"]) == ("qmail", False), w
assert "--client-group" in w["fix"], w
assert srv["wanted"]["group_exists"] is False, srv["wanted"]
assert cli["read_test"]["status"] == "UNKNOWN", cli["read_test"]' <<<"$QP_OUT" ||
    qp_fail "status --format json, no qmail groups: $QP_OUT"
qp_ok "json: one object, ok true, exit 0, the missing groups in the files"
# Everything else stays strict: verify (a monitoring check: UNKNOWN, as
# before) and install refuse.
qp_assert_status 3 "${noqmail[@]}" "$QMAIL_PEM" verify -d "$ctl" --service-dir "$svc"
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - group nofiles (for servercert.pem) does not exist on this system" \
    "verify: UNKNOWN, the missing group"
qp_assert_status 67 "${noqmail[@]}" "$QMAIL_PEM" install -d "$ctl" --service-dir "$svc" \
    --dry-run
qp_assert_contains "$QP_ERR" "group nofiles (for servercert.pem) does not exist" \
    "install: 67, the missing group"
qp_assert_same_snapshot "$before" "$ctl" "status, verify and install changed nothing"
# clientcert.pem in gid 20002, which has no name now, is kept; its reader
# qmailr does not exist: the read test says so.
chgrp 20002 "$ctl/clientcert.pem"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "${noqmail[@]}" "$QMAIL_PEM" status -d "$ctl" --service-dir "$svc"
qp_assert_contains "$QP_OUT" "  read test  UNKNOWN: not run: user qmailr does not exist on this system: create it" \
    "no user qmailr: the read test says so"
qp_assert_same_snapshot "$before" "$ctl" "status changed nothing"
qp_done
