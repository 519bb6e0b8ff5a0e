#!/bin/bash
# verify --format nagios: a '|' in any text (a certificate's subject or
# subjectAltName, the control directory's path, an argument) never reaches
# the output, where Nagios would read what follows as perfdata: the status
# line has exactly one '|', before qmail-pem's own perfdata, and the -v
# lines none (a '|' there starts long-output perfdata).  Control
# characters become '?' as well.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup

# What a forger would put after a '|' (openssl's config keeps no quotes).
forged="servercert_days=9999;30;7"

# nagios_clean [PIPES]: $QP_OUT's first line has PIPES '|' (default 1),
# none of them in the status text, and no other line has one.
nagios_clean() {
	local want=${1:-1} first rest pipes
	first=${QP_OUT%%$'\n'*}
	rest=${QP_OUT#"$first"}
	pipes=${first//[!|]/}
	qp_assert_eq "$want" "${#pipes}" "the status line has $want '|'"
	qp_assert_not_contains "$rest" "|" "no '|' in the lines after it"
	if [ "$want" = 1 ]; then
		[[ ${first#*|} =~ ^\ \'servercert_days\'=[0-9U]+\;30\;7\ \'clientcert_days\'=[0-9U]+\;30\;7$ ]] ||
		    qp_fail "perfdata other than qmail-pem's own: ${first#*|}"
		qp_ok "the perfdata is qmail-pem's own"
	fi
}

vl_fresh

# A subject with '|' and no subjectAltName: the hostname check names the
# subject.
mkdir -m 0755 "$QP_TMP/c"
vl_selfsigned "$QP_TMP/c/subject" key=ec cn="mail.example.com|$forged" san=
cat "$QP_TMP/c/subject.key" "$QP_TMP/c/subject.crt" >"$QP_TMP/c/subject.pem"
vl_place servercert.pem "$QP_TMP/c/subject.pem"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "hostname: does not cover mail.example.com (names: CN=mail.example.com?servercert_days=9999\\;30\\;7)" \
    "the subject is shown with '?' for '|'"
nagios_clean
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" -v
nagios_clean

# A subjectAltName with '|'.
vl_selfsigned "$QP_TMP/c/san" key=ec cn=x.example.com \
    san="DNS:x.example.com|$forged,DNS:y.example.com"
cat "$QP_TMP/c/san.key" "$QP_TMP/c/san.crt" >"$QP_TMP/c/san.pem"
vl_place servercert.pem "$QP_TMP/c/san.pem"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "names: x.example.com?servercert_days=9999;30;7,y.example.com" \
    "the subjectAltName is shown with '?' for '|'"
nagios_clean
# JSON and Prometheus keep their own escaping: the name is there whole.
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL" --format json
qp_assert_contains "$QP_OUT" "x.example.com|servercert_days=9999;30;7" \
    "json: the subjectAltName as it is"

# A control directory whose path has '|' and a newline.
odd="$QP_TMP/ctl|'servercert_days'=9999;30;7"$'\n'"x"
mkdir -m 0755 "$odd"
printf 'mail.example.com\n' >"$odd/me"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$odd"
qp_assert_contains "$QP_OUT" "ctl?'servercert_days'=9999;30;7?x/servercert.pem does not exist" \
    "the path is shown with '?' for '|' and the newline"
nagios_clean
# ... and one that does not exist: the error line, no perfdata.
qp_assert_status 3 "$QMAIL_PEM" verify -d "$odd/none|$forged"
nagios_clean 0
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - control directory" "the error line"

# A usage error echoes the argument: '?' too.
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --hostname "a|$forged"
nagios_clean 0
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - --hostname 'a?servercert_days=9999;30;7' is not a valid host name" \
    "the usage error's status line"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" -w $'3\n|'"$forged"
nagios_clean 0
qp_done
