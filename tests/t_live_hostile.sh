#!/bin/bash
# qmail-pem verify --connect against servers that misbehave, on loopback:
# one that never answers, one that trickles an endless banner, one that
# sends an endless reply or a line without end, 4xx and 5xx banners (with
# control characters in them), bytes injected after the 220 to STARTTLS,
# STARTTLS refused with 454 and a handshake with a peer that speaks no TLS,
# and a real STARTTLS server (python3-aiosmtpd) that speaks only TLS 1.1.
# Each must end within its per-step timeout with the documented CRITICAL
# check, in all three formats.  swaks, the reference client, first shows
# what each server does.
# valgrind: slow (under memcheck: servers that time out on purpose)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
. "$QP_SRCDIR/tests/live_lib.sh"
qp_setup
qp_require python3
live_init

# elapsed_at_most SECONDS CMD...: run CMD (one qmail-pem run) and assert it
# took at most SECONDS of wall-clock time.  Generous: CI machines are slow
# and ASan doubles the run time; the server behind would keep it busy for
# minutes or forever.
elapsed_at_most() {
	local limit=$1 start end
	shift
	start=$(date +%s)
	timeout 120 "$@" >/dev/null 2>&1 || true
	end=$(date +%s)
	if [ $((end - start)) -gt "$limit" ]; then
		qp_fail "took $((end - start)) s, more than $limit s: $*"
	fi
	qp_ok "done in $((end - start)) s (at most $limit): $*"
}

# --- a server that accepts and never writes: CRITICAL after --timeout -----
live_start silent --mode silent
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port" --timeout 1
qp_assert_contains "$LIVE_SWAKS" "Timeout" "swaks: no banner, timed out"
live_expect 2 "$label" banner CRITICAL --connect "127.0.0.1:$port" --timeout 1
got=$(vl_json_check "$QP_TMP/.qp/live.json" "$label" connect)
qp_assert_eq OK "$got" "json: connect OK (the server accepted)"
got=$(vl_json_check "$QP_TMP/.qp/live.json" "$label" tls-handshake)
qp_assert_eq SKIPPED "$got" "json: tls-handshake SKIPPED (not reached)"
msg=$(live_message banner --connect "127.0.0.1:$port" --timeout 1)
qp_assert_eq "no banner within 1 s" "$msg" "the message names the timeout"
elapsed_at_most 15 "$QMAIL_PEM" verify --connect "127.0.0.1:$port" --timeout 1
live_stop silent

# --- a banner trickled a line at a time: the timeout is per step, not per
# read, so it still ends after --timeout -----------------------------------
live_start trickle --mode trickle
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_expect 2 "$label" banner CRITICAL --connect "127.0.0.1:$port" --timeout 1
msg=$(live_message banner --connect "127.0.0.1:$port" --timeout 1)
qp_assert_eq "no banner within 1 s" "$msg" "trickling: timed out"
elapsed_at_most 15 "$QMAIL_PEM" verify --connect "127.0.0.1:$port" --timeout 1
live_stop trickle

# --- 421 banner: the server refuses for now; reported with its text -------
live_start b421 --mode banner421
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "<** 421 mail.example.com go away" \
    "swaks: the banner is 421"
live_expect 2 "$label" banner CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message banner --connect "127.0.0.1:$port")
qp_assert_eq 'the server refuses the session for now: "421 mail.example.com go away, too busy"' \
    "$msg" "421: the message carries the server's reply"
live_stop b421

# --- 554 banner, two lines, with ESC and '|' in it: sanitized -------------
live_start b554 --mode banner554
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "<** 554-mail.example.com no SMTP service" \
    "swaks: the banner is 554"
live_expect 2 "$label" banner CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message banner --connect "127.0.0.1:$port")
qp_assert_eq 'the server refuses the session: "554-mail.example.com no SMTP service here / 554 ?[31mcontact postmaster?now"' \
    "$msg" "554: both lines, no control character, no '|' (perfdata)"
qp_assert_status 2 "$QMAIL_PEM" verify --connect "127.0.0.1:$port"
qp_assert_not_contains "$QP_OUT" $'\033' "no ESC reaches the terminal"
qp_assert_eq 1 "$(grep -o '|' <<<"$QP_OUT" | wc -l)" \
    "one '|' only: the one before the perfdata"
live_stop b554

# --- a reply that never ends: stopped at 100 lines ------------------------
live_start endless --mode endless
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_expect 2 "$label" banner CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message banner --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "more than 100 lines: stopped reading" \
    "endless reply: bounded and said so"
elapsed_at_most 15 "$QMAIL_PEM" verify --connect "127.0.0.1:$port"
live_stop endless

# --- a line that never ends: stopped at 1000 bytes ------------------------
live_start longline --mode longline
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_expect 2 "$label" banner CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message banner --connect "127.0.0.1:$port")
qp_assert_eq "a line of the banner is longer than 1000 bytes: stopped reading" \
    "$msg" "endless line: bounded and said so"
elapsed_at_most 15 "$QMAIL_PEM" verify --connect "127.0.0.1:$port"
live_stop longline

# --- bytes after "220" to STARTTLS, before the handshake (CVE-2011-0411) --
live_start inject --mode inject
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_expect 2 "$label" tls-handshake CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" starttls-offered OK --connect "127.0.0.1:$port"
msg=$(live_message tls-handshake --connect "127.0.0.1:$port")
qp_assert_eq "the server sent 14 more bytes after its 220 to STARTTLS, before the TLS handshake" \
    "$msg" "injected bytes: named, not taken as if through TLS"
live_stop inject

# --- STARTTLS refused with 454, as qmail-smtpd's TLS patch does when it
# cannot load servercert.pem: CRITICAL with the reply -----------------------
live_start r454 --mode refuse454
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "<** 454 TLS no valid RSA private key" \
    "swaks: STARTTLS refused with 454"
live_expect 2 "$label" tls-handshake CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message tls-handshake --connect "127.0.0.1:$port")
qp_assert_eq "STARTTLS refused: 454 TLS no valid RSA private key: unsupported (#4.3.0)" \
    "$msg" "454: the message carries the server's reply"
live_stop r454

# --- STARTTLS accepted, then no TLS: the handshake fails, with the reason -
live_start badtls --mode badtls
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
live_swaks "$port"
qp_assert_contains "$LIVE_SWAKS" "TLS startup failed" \
    "swaks: the handshake fails"
live_expect 2 "$label" tls-handshake CRITICAL --connect "127.0.0.1:$port"
msg=$(live_message tls-handshake --connect "127.0.0.1:$port")
qp_assert_eq "TLS handshake failed: TLS error: wrong version number" "$msg" \
    "failed handshake: OpenSSL's reason in the message"
live_stop badtls

# --- a real server that speaks only TLS 1.1: tls-version CRITICAL ---------
vl_selfsigned "$QP_TMP/old" key=rsa:2048
cat "$QP_TMP/old.key" "$QP_TMP/old.crt" >"$QP_TMP/old.pem"
live_start tls11 --mode aiosmtpd --cert "$QP_TMP/old.pem" --auth after \
    --max-tls 1.1
port=$LIVE_PORT
label="smtp:127.0.0.1:$port"
# swaks at OpenSSL's default security level refuses it; at level 0 it
# shows what the server speaks.
live_swaks "$port" --tls
qp_assert_contains "$LIVE_SWAKS" "TLS startup failed" \
    "swaks (default security level) refuses the server's TLS 1.1"
live_swaks "$port" --tls --tls-cipher 'DEFAULT:@SECLEVEL=0'
qp_assert_contains "$LIVE_SWAKS" "=== TLS started with cipher TLSv1.1:" \
    "swaks (security level 0): the server speaks TLS 1.1"
live_expect 2 "$label" tls-version CRITICAL --connect "127.0.0.1:$port"
live_expect 2 "$label" tls-handshake OK --connect "127.0.0.1:$port"
msg=$(live_message tls-version --connect "127.0.0.1:$port")
qp_assert_contains "$msg" "the server chose TLSv1.1, older than TLS 1.2" \
    "the message names the protocol"
live_stop tls11
qp_done
