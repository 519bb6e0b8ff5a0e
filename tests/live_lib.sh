# shellcheck shell=bash
# tests/live_lib.sh: helpers for the live-check tests t_live*.sh (after
# lib.sh and verify_lib.sh).
#
#	live_init			# checks the tools, stops servers at exit
#	live_start NAME ARGS...		# tests/smtpd/liveserver.py ARGS; sets LIVE_PORT
#	live_stop NAME
#	live_exim NAME CONF_LINES...	# exim -bdf with a config of its own
#	live_swaks PORT [swaks args]	# swaks transcript in $LIVE_SWAKS
#	live_expect EXIT LABEL CHECK STATUS [verify args]
#					# like vl_expect, without -d
#	live_message CHECK [verify args]	# the message of CHECK, nagios -v
#
# Every server listens on 127.0.0.1 only, on a port the kernel picks (exim
# cannot: it gets a port found free just before), lives at most
# LIVE_SERVER_LIFE seconds even if the test is killed (timeout(1)), and is
# stopped at exit.  Servers run as root with cwd /, and write only under
# $QP_TMP/live.

LIVE_PYTHON=/usr/bin/python3	# Debian's, where python3-aiosmtpd is
# (900 in a valgrind_ twin: about 20 verify --connect runs under memcheck,
# each with a sandboxed child since issue 22, outlived 300 s at load 20)
LIVE_SERVER_LIFE=300
qp_under_valgrind && LIVE_SERVER_LIFE=900
_live_names=

live_init() {
	qp_require swaks timeout promtool
	[ -x "$LIVE_PYTHON" ] && "$LIVE_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
	    qp_fail "$LIVE_PYTHON cannot import aiosmtpd: apt-get install python3-aiosmtpd"
	mkdir -p "$QP_TMP/live"
	qp_at_exit live_stop_all
	# getaddrinfo makes nss_wrapper dlopen libc with RTLD_DEEPBIND, which
	# the ASan runtime refuses (google/sanitizers#611): the probe would
	# end before connecting in the sanitizer build.
	export NSS_WRAPPER_DISABLE_DEEPBIND=1
}

# _live_spawn NAME CMD...: start CMD in the background under timeout(1), in
# a process group of its own, output in $QP_TMP/live/NAME/{out,err}.
_live_spawn() {
	local name=$1 dir="$QP_TMP/live/$1"
	shift
	mkdir -p "$dir"
	rm -f -- "$dir/port"
	(
		cd / || exit 1
		exec timeout -k 2 "$LIVE_SERVER_LIFE" "$@"
	) </dev/null >"$dir/out" 2>"$dir/err" &
	printf '%s\n' "$!" >"$dir/pid"
	_live_names="$_live_names $name"
}

# live_start NAME ARGS...: see the top.
live_start() {
	local name=$1 dir="$QP_TMP/live/$1" pid
	shift
	_live_spawn "$name" "$LIVE_PYTHON" \
	    "$QP_SRCDIR/tests/smtpd/liveserver.py" --portfile "$dir/port" "$@"
	pid=$(cat "$dir/pid")
	for _ in $(seq 200); do
		if [ -s "$dir/port" ]; then
			LIVE_PORT=$(cat "$dir/port")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$dir/err" >&2
	qp_fail "live_start $name: the server did not start"
}

# live_stop NAME: TERM its process group, then KILL; reap it.
live_stop() {
	local dir="$QP_TMP/live/$1" pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 40); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f -- "$dir/pid"
}

live_stop_all() {
	local n
	for n in $_live_names; do
		live_stop "$n"
	done
}

# _live_free_port: print a TCP port on 127.0.0.1 that is free right now.
_live_free_port() {
	"$LIVE_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# live_exim NAME LINE...: run exim (Debian's exim4-daemon-light) as a
# foreground daemon on 127.0.0.1 with a config of its own in
# $QP_TMP/live/NAME: spool, log and pid file there, the given main-section
# lines, and a PLAIN authenticator that accepts nobody.  Sets LIVE_PORT.
# exim reads its config given with -C, not /etc/exim4, and writes nothing
# outside $QP_TMP/live/NAME.
live_exim() {
	local name=$1 dir="$QP_TMP/live/$1" port pid try line
	shift
	qp_require exim
	mkdir -p "$dir/spool" "$dir/log"
	for try in 1 2 3; do
		port=$(_live_free_port)
		{
			printf 'exim_user = root\nexim_group = root\n'
			printf 'spool_directory = %s/spool\n' "$dir"
			printf 'log_file_path = %s/log/%%slog\n' "$dir"
			printf 'pid_file_path = %s/exim.pid\n' "$dir"
			printf 'primary_hostname = mail.example.com\n'
			printf 'local_interfaces = 127.0.0.1\n'
			for line in "$@"; do
				printf '%s\n' "$line"
			done
			printf 'begin authenticators\nplain:\n'
			printf '  driver = plaintext\n  public_name = PLAIN\n'
			printf '  server_condition = false\n'
		} >"$dir/exim.conf"
		# exim looks up its compiled-in user Debian-exim at start,
		# which only the system's passwd file has (nss_wrapper's has
		# the qmail users only): it runs without nss_wrapper.
		_live_spawn "$name" env -u LD_PRELOAD exim -C "$dir/exim.conf" \
		    -bdf -oX "$port"
		pid=$(cat "$dir/pid")
		for _ in $(seq 100); do
			if "$LIVE_PYTHON" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
			    "$port" 2>/dev/null; then
				LIVE_PORT=$port
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		live_stop "$name"
	done
	cat "$dir/err" "$dir/log/"* >&2 2>/dev/null
	qp_fail "live_exim $name: exim did not start"
}

# live_swaks PORT [ARGS...]: run swaks against 127.0.0.1:PORT up to the
# last EHLO (ARGS default: --tls); the transcript is in $LIVE_SWAKS, its
# status in $LIVE_SWAKS_RC.  Lines "<- " came before TLS, "<~ " through it.
live_swaks() {
	local port=$1
	shift
	[ $# -gt 0 ] || set -- --tls
	LIVE_SWAKS_RC=0
	LIVE_SWAKS=$(timeout 30 swaks --server 127.0.0.1 --port "$port" \
	    --helo qmail-pem-test.example --quit-after EHLO "$@" 2>&1) ||
	    LIVE_SWAKS_RC=$?
}

# live_expect EXIT LABEL CHECK STATUS [verify args...]: run qmail-pem verify
# (no -d: the server only) in the three formats and assert, in each, the
# exit status and the status of CHECK of LABEL; promtool must accept the
# Prometheus output.
# In a valgrind_ twin one of the three runs is memchecked, in turn
# (qp_turn): the other two ask the same server the same questions.
_live_turn=0
live_expect() {
	local want_exit=$1 label=$2 check=$3 status=$4 got ok
	shift 4
	_live_turn=$((_live_turn + 1))
	qp_turn "$_live_turn" 3
	qp_assert_status "$want_exit" "$QP_BIN" verify -v "$@"
	case $want_exit in
	0) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM OK - " "nagios OK line" ;;
	1) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM WARNING - " "nagios WARNING line" ;;
	2) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM CRITICAL - " "nagios CRITICAL line" ;;
	3) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM UNKNOWN - " "nagios UNKNOWN line" ;;
	esac
	qp_assert_contains "$QP_OUT" "
$label $check $status: " "nagios -v: $label $check $status"
	qp_turn $((_live_turn + 1)) 3
	qp_assert_status "$want_exit" "$QP_BIN" verify --format json "$@"
	cp "$QP_OUT_FILE" "$QP_TMP/.qp/live.json"
	got=$(vl_json_check "$QP_TMP/.qp/live.json" "$label" "$check")
	qp_assert_eq "$status" "$got" "json: $label $check $status"
	qp_turn $((_live_turn + 2)) 3
	qp_assert_status "$want_exit" "$QP_BIN" verify --format prometheus "$@"
	cp "$QP_OUT_FILE" "$QP_TMP/.qp/live.prom"
	qp_assert_contains "$QP_OUT" \
	    "qmail_pem_check_status{file=\"$label\",check=\"$check\"} $(_vl_status_number "$status")" \
	    "prometheus: $label $check status $status"
	case $status in
	OK | INFO) ok=1 ;;
	SKIPPED) ok= ;;
	*) ok=0 ;;
	esac
	if [ -n "$ok" ]; then
		qp_assert_contains "$QP_OUT" \
		    "qmail_pem_check_ok{file=\"$label\",check=\"$check\"} $ok" \
		    "prometheus: $label $check ok $ok"
	fi
	qp_assert_contains "$QP_OUT" "qmail_pem_status $want_exit" \
	    "prometheus: qmail_pem_status $want_exit"
	promtool check metrics <"$QP_TMP/.qp/live.prom" \
	    >"$QP_TMP/.qp/promtool.out" 2>&1 ||
	    { cat "$QP_TMP/.qp/promtool.out" >&2; qp_fail "promtool check metrics"; }
	qp_ok "promtool check metrics accepts the output"
}

# live_message CHECK [verify args...]: print the message of the first check
# named CHECK in `qmail-pem verify -v ARGS` (nagios, a line per check).
live_message() {
	local check=$1 out line
	shift
	out=$(timeout 120 "$QMAIL_PEM" verify -v "$@" 2>/dev/null) || true
	# The check lines follow the status line: "FILE CHECK STATUS: message".
	while IFS= read -r line; do
		case $line in
		"QMAIL-PEM "*) ;;
		*" $check OK: "* | *" $check WARNING: "* | *" $check CRITICAL: "* | \
		*" $check UNKNOWN: "* | *" $check SKIPPED: "* | *" $check INFO: "*)
			printf '%s\n' "${line#*" $check "*": "}"
			return 0 ;;
		esac
	done <<<"$out"
	qp_fail "live_message: no check $check in: $out"
}
