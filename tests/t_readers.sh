#!/bin/bash
# t_readers.sh: qmail-pem readers against the fixture service trees in
# tests/fixtures/service/<layout>, with the qmail users of lib.sh (nss_wrapper).
# Every verdict is checked against the kernel too: the detected user really
# opens the file (qp_open_as), or really cannot.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3

fixtures="$QP_SRCDIR/tests/fixtures/service"
ctl=$(qp_mkcontrol)

# Stand-in key files: readers only looks at owners and modes.
for f in servercert.pem clientcert.pem; do
	printf 'not a key\n' >"$ctl/$f"
	chmod 0640 "$ctl/$f"
done
chown root:nofiles "$ctl/servercert.pem"
chown root:qmail "$ctl/clientcert.pem"

"$QMAIL_PEM" help readers >/dev/null 2>&1 ||
    qp_fail "qmail-pem has no readers command (readers_line is not wired into qmail-pem.c)"

readers() {	# layout [args...]
	local layout=$1
	shift
	"$QMAIL_PEM" readers -d "$ctl" --service-dir "$fixtures/$layout" "$@"
}

# readers_json LAYOUT: run readers --format json (status in $1 of the
# caller's expectation) and flatten every field of every reader into
# $QP_TMP/json as "INDEX.FIELD=value" lines, with one python3 run.
readers_json() {	# status layout
	qp_assert_status "$1" readers "$2" --format json
	python3 -c 'import json, sys
for i, r in enumerate(json.loads(sys.stdin.read())["readers"]):
    for k, v in r.items():
        v = "null" if v is None else str(v).lower() if isinstance(v, bool) else v
        print("%d.%s=%s" % (i, k, v))' <<<"$QP_OUT" >"$QP_TMP/json" ||
	    qp_fail "readers --format json: not JSON"
}

# json FIELD INDEX: a field of reader INDEX from the last readers_json.
json() {
	local line
	line=$(grep -m1 -e "^$2\\.$1=" "$QP_TMP/json") || {
		echo "absent"
		return 0
	}
	printf '%s\n' "${line#*=}"
}

# expect_reader LAYOUT INDEX PROGRAM USER GROUP SOURCE CAN_READ SCRIPT: one
# reader of the last readers_json, field by field.
expect_reader() {
	local what="$1 json reader $2"
	qp_assert_eq "$3" "$(json program "$2")" "$what: program"
	qp_assert_eq "$4" "$(json user "$2")" "$what: user"
	qp_assert_eq "$5" "$(json group "$2")" "$what: group"
	qp_assert_eq "$6" "$(json source "$2")" "$what: source"
	qp_assert_eq "$7" "$(json can_read "$2")" "$what: can_read"
	qp_assert_eq "$8" "$(json script "$2")" "$what: script"
}

# --- djb / Life with qmail: qmaild:nofiles reads root:nofiles 0640 ----------
qp_assert_status 0 readers lwq
qp_assert_contains "$QP_OUT" \
    "servercert.pem: read by qmail-smtpd as qmaild:nofiles (uid 20001, gid 20001) from $fixtures/lwq/qmail-smtpd/run; can read it today (root:nofiles 0640)" \
    "lwq: qmail-smtpd reads servercert.pem as qmaild:nofiles"
qp_assert_contains "$QP_OUT" \
    "clientcert.pem: read by qmail-remote as qmailr:qmail (uid 20002, gid 20002, set by qmail-start); can read it today (root:qmail 0640)" \
    "lwq: qmail-remote reads clientcert.pem as qmailr:qmail"
qp_open_as qmaild nofiles "$ctl/servercert.pem" ||
    qp_fail "qmaild:nofiles cannot really read servercert.pem"
qp_ok "lwq: qmaild:nofiles really reads servercert.pem"
qp_open_as qmailr qmail "$ctl/clientcert.pem" ||
    qp_fail "qmailr:qmail cannot really read clientcert.pem"
qp_ok "lwq: qmailr:qmail really reads clientcert.pem"
readers_json 0 lwq
expect_reader lwq 0 qmail-smtpd qmaild nofiles script true \
    "$fixtures/lwq/qmail-smtpd/run"
# LWQ starts qmail-send through /var/qmail/rc, which is not read: no script.
expect_reader lwq 1 qmail-remote qmailr qmail default true null

# --- qmailrocks: vpopmail:vchkpw cannot; --server-group vchkpw would do -----
qp_assert_status 1 readers qmailrocks
qp_assert_contains "$QP_OUT" \
    "servercert.pem: read by qmail-smtpd as vpopmail:vchkpw (uid 20010, gid 20010) from $fixtures/qmailrocks/qmail-smtpd/run; cannot read it today (root:nofiles 0640)" \
    "qmailrocks: vpopmail:vchkpw cannot read root:nofiles 0640"
# The run script starts vchkpw, which must run as vpopmail or root:
# running qmail-smtpd as qmaild is no fix there, and none says so; the fix
# is a complete command (the model's).
qp_assert_contains "$QP_OUT" "qmail-pem install -d $ctl --server-group vchkpw --service-dir $fixtures/qmailrocks (the run script starts vchkpw, which must run as vpopmail or root)" \
    "qmailrocks: the fix that works, a complete command"
qp_assert_not_contains "$QP_OUT" "as qmaild" "qmailrocks: no hint to run as qmaild"
if qp_open_as vpopmail vchkpw "$ctl/servercert.pem"; then
	qp_fail "vpopmail:vchkpw can read root:nofiles 0640 after all"
fi
qp_ok "qmailrocks: vpopmail:vchkpw really cannot read it"

readers_json 1 qmailrocks
qp_assert_eq vpopmail "$(json user 0)" "qmailrocks json: user"
qp_assert_eq vchkpw "$(json group 0)" "qmailrocks json: group"
qp_assert_eq script "$(json source 0)" "qmailrocks json: source"
qp_assert_eq false "$(json can_read 0)" "qmailrocks json: can_read"
qp_assert_eq "$fixtures/qmailrocks/qmail-smtpd/run" "$(json script 0)" \
    "qmailrocks json: script"

chgrp vchkpw "$ctl/servercert.pem"
qp_assert_status 0 readers qmailrocks
qp_assert_contains "$QP_OUT" "can read it today (root:vchkpw 0640)" \
    "qmailrocks: root:vchkpw 0640 is readable"
qp_open_as vpopmail vchkpw "$ctl/servercert.pem" ||
    qp_fail "vpopmail:vchkpw cannot really read root:vchkpw 0640"
qp_ok "qmailrocks: vpopmail:vchkpw really reads root:vchkpw 0640"
chgrp nofiles "$ctl/servercert.pem"

# --- jms1: tcpserver -U and sslserver -U after envuidgid qmaild -------------
qp_assert_status 0 readers jms1
qp_assert_contains "$QP_OUT" \
    "servercert.pem: read by qmail-smtpd as qmaild:nofiles (uid 20001, gid 20001) from $fixtures/jms1/qmail-smtpd/run" \
    "jms1: port 25 as qmaild:nofiles"
qp_assert_contains "$QP_OUT" \
    "servercert.pem: read by sslserver as qmaild:nofiles (uid 20001, gid 20001) from $fixtures/jms1/qmail-smtpd-ssl/run" \
    "jms1: sslserver on 465 as qmaild:nofiles"
qp_assert_contains "$QP_OUT" "CERTFILE=/var/qmail/control/servercert.pem" \
    "jms1: sslserver's CERTFILE noted"
readers_json 0 jms1
expect_reader jms1 0 qmail-smtpd qmaild nofiles script true \
    "$fixtures/jms1/qmail-smtpd/run"
expect_reader jms1 1 sslserver qmaild nofiles script true \
    "$fixtures/jms1/qmail-smtpd-ssl/run"

# --- runit: chpst -u qmaild:nofiles -----------------------------------------
qp_assert_status 0 readers runit
qp_assert_contains "$QP_OUT" \
    "read by qmail-smtpd as qmaild:nofiles (uid 20001, gid 20001) from $fixtures/runit/qmail-smtpd/run" \
    "runit: chpst -u qmaild:nofiles"
readers_json 0 runit
expect_reader runit 0 qmail-smtpd qmaild nofiles script true \
    "$fixtures/runit/qmail-smtpd/run"

# --- a script whose command is only known by running it -----------------------
qp_assert_status 2 readers unparseable
qp_assert_contains "$QP_OUT" "read by qmail-smtpd as a user that is not known" \
    "unparseable: the user is not known"
qp_assert_contains "$QP_OUT" "note: line 6: runs \$(cat /etc/smtpd-cmd)" \
    "unparseable: the note names the line and the command"
readers_json 2 unparseable
qp_assert_eq unknown "$(json source 0)" "unparseable json: source"
qp_assert_eq null "$(json can_read 0)" "unparseable json: can_read"

# --- no qmail-smtpd at all: qmail's default -----------------------------------
qp_assert_status 0 readers nosmtpd
qp_assert_contains "$QP_OUT" \
    "servercert.pem: read by qmail-smtpd as qmaild:nofiles (uid 20001, gid 20001, qmail's default); can read it today (root:nofiles 0640)" \
    "nosmtpd: qmail's default reader"

# --- what readers reports about the files themselves --------------------------
mv "$ctl/clientcert.pem" "$ctl/clientcert.real"
ln -s clientcert.real "$ctl/clientcert.pem"
qp_assert_status 2 readers lwq
qp_assert_contains "$QP_OUT" "clientcert.pem is a symlink to clientcert.real" \
    "a symlink is reported, not followed"
rm -f "$ctl/clientcert.pem" "$ctl/clientcert.real"
qp_assert_status 0 readers lwq
qp_assert_contains "$QP_OUT" "clientcert.pem does not exist" \
    "a missing file is reported and not counted"

chmod 0750 "$ctl"
qp_assert_status 1 readers lwq
qp_assert_contains "$QP_OUT" "it cannot enter $ctl" \
    "a control directory the reader cannot enter"
chmod 0755 "$ctl"

qp_assert_status 64 "$QMAIL_PEM" readers --format xml
qp_assert_status 66 "$QMAIL_PEM" readers -d "$QP_TMP/nonexistent" \
    --service-dir "$fixtures/lwq"
qp_done
