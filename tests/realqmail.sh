# shellcheck shell=bash
# tests/realqmail.sh: the real qmail-smtpd and qmail-remote (netqmail 1.06 +
# qmail-tls 20231230, RSA keys only) and stand-ins for other loaders, as
# peers of the files qmail-pem writes.  Sourced after tests/lib.sh
# (qp_setup).  A test that uses it says so on a line of its own, which gives
# it the CTest fixture that builds qmail once per build tree and the skip
# status (tests/CMakeLists.txt):
#
#	# fixtures: realqmail
#	set -eu
#	. "$QP_SRCDIR/tests/lib.sh"
#	. "$QP_SRCDIR/tests/realqmail.sh"
#	qp_setup
#	rq_init				# skips (exit 77) without ../shared/qmail
#	ctl=$(rq_mkroot)		# $QP_TMP/qmail/{control,bin}
#	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
#	rq_smtpd_start smtpd qmaild nofiles	# the real qmail-smtpd
#	rq_starttls "$RQ_PORT"
#	qp_assert_eq ok "$RQ_TLS" "STARTTLS completes"
#	fpr=$(qp_cert_fpr "$ctl/servercert.pem")
#	qp_assert_eq "$fpr" "$RQ_LEAF" "qmail-smtpd presents servercert.pem's leaf"
#	rq_remote_send			# the real qmail-remote as qmailr:qmail
#	qp_assert_eq K "$RQ_REMOTE" "qmail-remote delivered"
#	qp_done
#
# How the real programs see the test's files.  qmail-smtpd and qmail-remote
# chdir to the qmail root compiled into them, $QP_BUILDDIR/realqmail/root
# (an empty directory; tests/realqmail_build.sh builds the programs there),
# and read control/ below it.  Every real program runs in a private mount
# namespace (unshare --mount) where the test's own root, $RQ_ROOT =
# $QP_TMP/qmail, is bind-mounted over that directory: tests run in parallel
# and each sees only its own control/.  qmail-pem itself runs outside, with
# -d "$RQ_CTL" ($RQ_ROOT/control: root-owned 0755 under /tmp, a safe
# directory).  Needs root with CAP_SYS_ADMIN, as in CI (qp_sandbox too).
#
# Set-up
#   rq_init		check the tools, build qmail if it is not built yet
#			(tests/realqmail_build.sh: a stamp check when the
#			fixture did it), or qp_skip where ../shared/qmail is
#			absent.  Sets RQ_ROOT, RQ_CTL, RQ_DIR (the build),
#			RQ_COMPILED_ROOT; stops every server at exit.
#   ctl=$(rq_mkroot [HOSTNAME])
#			make $RQ_ROOT afresh: control/ with `me` (default
#			mail.example.com), bin/ with copies of the real
#			qmail-smtpd and qmail-remote (QMAILHOME/bin, where a
#			reader of the installation looks for them); print
#			the control directory.  Running servers see the new
#			files (the directory is emptied, not replaced).
#   rq_install_smtpd real|anykey|leafonly|sni
#			put that program at $RQ_ROOT/bin/qmail-smtpd (a
#			stand-in finds its root from its own path there).
#   rq_standin anykey|leafonly|sni
#			print the path of a stand-in loader (built from
#			tests/standin_smtpd.c; its top says what each loads).
#   rq_run_script DIR USER GROUP [PROGRAM]
#			write DIR/qmail-smtpd/run, a daemontools run script
#			starting PROGRAM (default $RQ_ROOT/bin/qmail-smtpd)
#			under tcpserver -u UID -g GID, for --service-dir.
#   rq_imports BINARY	print the SSL_* functions BINARY imports, one a line
#			(nm -D --undefined-only), e.g. to assert a loader.
#
# Servers (all on 127.0.0.1, a port the kernel picks, at most
# RQ_SERVER_LIFE seconds, stopped at exit; logs in $QP_TMP/.rq/NAME/)
#   rq_smtpd_start NAME USER GROUP [PROGRAM [ARG...]]
#			run PROGRAM (default $RQ_ROOT/bin/qmail-smtpd, the
#			real one) under `tcpserver -u UID -g GID` as USER:GROUP
#			(names or numbers; tcpserver leaves only GID) in the
#			namespace; sets RQ_PORT.  The environment passes
#			through (set TLSCIPHERS, SMTPS ... before).  A
#			stand-in: rq_smtpd_start NAME U G "$(rq_standin sni)"
#			"$RQ_ROOT" (or rq_install_smtpd sni, then no program).
#   rq_stop NAME		stop it (TERM, then KILL) and reap it.
#
# Probes (they set variables and return 0: assert on the variables; a
# server that cannot be reached at all fails the test)
#   rq_starttls PORT [SNI]
#			openssl s_client -starttls smtp (-servername SNI, else
#			-noservername) -showcerts, and when that does not
#			complete, a plain SMTP dialogue to see why:
#			RQ_TLS    ok | refused (STARTTLS answered, not 220) |
#			          absent (no STARTTLS after EHLO) | failed
#			          (220, then the handshake failed)
#			RQ_REPLY  the server's answer to STARTTLS (or the last
#			          reply when absent), empty when ok, e.g.
#			          "454 TLS no valid RSA private key: ... (#4.3.0)";
#			          the real qmail-smtpd gives OpenSSL's FIRST
#			          queued error, often a stale one (a missing
#			          clientca.pem), so match the text before ":"
#			RQ_CHAIN  SHA-256 fingerprints (AA:BB:..) of the
#			          certificates sent, leaf first, space-separated
#			RQ_LEAF   the first of them (qp_cert_fpr's format)
#			RQ_ERR    s_client's error output when not ok
#   rq_remote_send [USER GROUP]
#			run the real qmail-remote as USER:GROUP (default
#			qmailr:qmail, setpriv, that group only, as qmail-start
#			does) in the namespace, sending one message to
#			remote.example, routed by control/smtproutes (written:
#			remote.example:127.0.0.1:PORT) to anykey-smtpd -r,
#			which offers STARTTLS and asks for an optional client
#			certificate (accepting any, see standin_smtpd.c):
#			RQ_REMOTE       K (delivered), Z (temporary) or D: the
#			                first letter of qmail-remote's message
#			                report, the last NUL-ended field
#			RQ_REMOTE_TEXT  the rest of that report
#			RQ_REMOTE_OUT   all of its output, NULs as newlines
#			RQ_CLIENT_CERT  fingerprint of the client certificate
#			                the server got, "none" (TLS without
#			                one) or "notls" (no TLS session)
#
# Facts about the real programs (../shared/qmail/README.md): qmail-smtpd
# offers STARTTLS when stat("control/servercert.pem") succeeds, loads it on
# STARTTLS with SSL_CTX_use_certificate_chain_file (the chain is sent) and
# SSL_use_RSAPrivateKey_file, and answers "454 TLS missing certificate: ..."
# (cannot read or parse it) or "454 TLS no valid RSA private key: ..." (an
# EC or Ed25519 key; a key that does not match).  qmail-remote loads
# control/clientcert.pem the same way and, when that fails, sends no
# certificate and delivers anyway.  Of the other control files qmail-smtpd
# needs only `me` for this (without rcpthosts it takes any recipient);
# qmail-remote also reads smtproutes, which rq_remote_send writes.
#
# shellcheck disable=SC2015  # `a && b || fail` is meant: fail if either fails.
# shellcheck disable=SC2034  # RQ_* are the helpers' results, for the tests.

RQ_SERVER_LIFE=300
RQ_DIR=
RQ_COMPILED_ROOT=
RQ_ROOT=
RQ_CTL=
RQ_STANDIN_DIR=
_rq_names=
_rq_peer_port=

rq_init() {
	local st=0
	qp_require tcpserver unshare mount setpriv openssl nm flock
	# Prints "SKIP: why" and exits 77 without ../shared/qmail.
	bash "$QP_SRCDIR/tests/realqmail_build.sh" >"$QP_TMP/.qp/realqmail_build.out" 2>&1 ||
	    st=$?
	case $st in
	0) ;;
	77) qp_skip "$(sed -n 's/^SKIP: //p' "$QP_TMP/.qp/realqmail_build.out")" ;;
	*)
		cat "$QP_TMP/.qp/realqmail_build.out" >&2
		qp_fail "rq_init: the real qmail could not be built (tests/realqmail_build.sh)" ;;
	esac
	RQ_DIR="$QP_BUILDDIR/realqmail"
	RQ_COMPILED_ROOT="$RQ_DIR/root"
	RQ_ROOT="$QP_TMP/qmail"
	RQ_CTL="$RQ_ROOT/control"
	RQ_STANDIN_DIR="$QP_BUILDDIR/tests"
	local k
	for k in anykey leafonly sni; do
		[ -x "$RQ_STANDIN_DIR/$k-smtpd" ] ||
		    qp_fail "rq_init: $RQ_STANDIN_DIR/$k-smtpd is not built (cmake --build)"
	done
	mkdir -m 0755 "$QP_TMP/.rq" || qp_fail "rq_init: mkdir $QP_TMP/.rq"
	qp_at_exit _rq_stop_all
}

rq_mkroot() {
	# Emptied, not replaced: a running server's bind mount holds this
	# directory (its inode), and sees the new contents.
	if [ -d "$RQ_ROOT" ]; then
		find "$RQ_ROOT" -mindepth 1 -delete ||
		    qp_fail "rq_mkroot: cannot empty $RQ_ROOT"
	else
		mkdir -- "$RQ_ROOT" || qp_fail "rq_mkroot: cannot create $RQ_ROOT"
	fi
	chmod 0755 -- "$RQ_ROOT" &&
	    mkdir -m 0755 -- "$RQ_CTL" "$RQ_ROOT/bin" &&
	    chown 0:0 -- "$RQ_ROOT" "$RQ_CTL" "$RQ_ROOT/bin" ||
	    qp_fail "rq_mkroot: cannot create $RQ_ROOT"
	printf '%s\n' "${1:-mail.example.com}" >"$RQ_CTL/me" &&
	    chmod 0644 "$RQ_CTL/me" || qp_fail "rq_mkroot: cannot write $RQ_CTL/me"
	install -m 0755 -o 0 -g 0 "$RQ_DIR/bin/qmail-smtpd" \
	    "$RQ_DIR/bin/qmail-remote" "$RQ_ROOT/bin/" ||
	    qp_fail "rq_mkroot: cannot copy the programs to $RQ_ROOT/bin"
	_qp_check_safe_parents "$RQ_CTL"
	printf '%s\n' "$RQ_CTL"
}

rq_standin() {
	case $1 in
	anykey | leafonly | sni) printf '%s\n' "$RQ_STANDIN_DIR/$1-smtpd" ;;
	*) qp_fail "rq_standin: no stand-in $1 (anykey, leafonly, sni)" ;;
	esac
}

rq_install_smtpd() {
	local src
	case $1 in
	real) src="$RQ_DIR/bin/qmail-smtpd" ;;
	*) src=$(rq_standin "$1") || exit 1 ;;
	esac
	install -m 0755 -o 0 -g 0 "$src" "$RQ_ROOT/bin/qmail-smtpd" ||
	    qp_fail "rq_install_smtpd: cannot copy $src"
}

rq_run_script() {
	local dir=$1 uid gid prog=${4:-"$RQ_ROOT/bin/qmail-smtpd"}
	uid=$(qp_uid "$2") && gid=$(qp_gid "$3") || exit 1
	mkdir -p "$dir/qmail-smtpd" ||
	    qp_fail "rq_run_script: mkdir $dir/qmail-smtpd"
	cat >"$dir/qmail-smtpd/run" <<-EOF || qp_fail "rq_run_script: cannot write $dir/qmail-smtpd/run"
	#!/bin/sh
	# qmail-smtpd as $2:$3, written by rq_run_script (tests/realqmail.sh)
	exec tcpserver -v -R -H -l 0 -u $uid -g $gid 0 smtp $prog 2>&1
	EOF
	chmod 0755 "$dir/qmail-smtpd/run"
}

rq_imports() {
	nm -D --undefined-only -- "$1" | awk '$NF ~ /^SSL_/ { sub(/@.*/, "", $NF); print $NF }' |
	    sort -u
}

# _rq_spawn NAME CMD...: CMD in the background under timeout(1), which
# leads a process group of its own, from /; output in $QP_TMP/.rq/NAME/.
_rq_spawn() {
	local name=$1 dir="$QP_TMP/.rq/$1"
	shift
	[ ! -f "$dir/pid" ] || qp_fail "_rq_spawn: $name is running already"
	mkdir -p "$dir"
	(
		cd / || exit 1
		exec timeout -k 2 "$RQ_SERVER_LIFE" "$@"
	) </dev/null >"$dir/out" 2>"$dir/err" &
	printf '%s\n' "$!" >"$dir/pid"
	_rq_names="$_rq_names $name"
}

# _rq_ns CMD...: the command line that runs CMD in a private mount
# namespace with $RQ_ROOT over the compiled-in root (status 125 and a
# message when the namespace cannot be made).
_rq_ns() {
	# shellcheck disable=SC2016  # expanded by the inner sh
	RQ_NS=(unshare --mount --propagation private -- sh -c '
		mount --bind "$1" "$2" || {
			echo "realqmail: cannot bind $1 over $2 (needs root with CAP_SYS_ADMIN)" >&2
			exit 125
		}
		shift 2
		exec "$@"' rq-ns "$RQ_ROOT" "$RQ_COMPILED_ROOT" "$@")
}

# _rq_wait_port NAME: the port tcpserver -1 printed; fails after 5 s.
_rq_wait_port() {
	local dir="$QP_TMP/.rq/$1" pid port
	pid=$(cat "$dir/pid")
	for _ in $(seq 100); do
		port=$(head -n 1 "$dir/out")
		case $port in
		[1-9]*) printf '%s\n' "$port"; return 0 ;;
		esac
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$dir/err" >&2
	rq_stop "$1"
	qp_fail "$1: tcpserver did not start"
}

rq_smtpd_start() {
	local name=$1 uid gid
	uid=$(qp_uid "$2") && gid=$(qp_gid "$3") || exit 1
	shift 3
	[ $# -gt 0 ] || set -- "$RQ_ROOT/bin/qmail-smtpd"
	[ -d "$RQ_CTL" ] || qp_fail "rq_smtpd_start: no $RQ_CTL (rq_mkroot first)"
	# -1: print the port; -R -H -l: no ident or DNS lookups.
	_rq_ns tcpserver -1 -v -R -H -l localhost -u "$uid" -g "$gid" \
	    127.0.0.1 0 "$@"
	_rq_spawn "$name" "${RQ_NS[@]}"
	RQ_PORT=$(_rq_wait_port "$name") || exit 1
}

rq_stop() {
	local dir="$QP_TMP/.rq/$1" pid
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

_rq_stop_all() {
	local n
	for n in $_rq_names; do
		rq_stop "$n"
	done
}

# _rq_chain_fprs FILE: the fingerprints of the certificates in the
# "Certificate chain" part of s_client -showcerts output, in order.
_rq_chain_fprs() {
	local line in=0 block='' out='' fpr
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"Certificate chain") in=1 ;;
		---) [ "$in" = 0 ] || break ;;
		-----BEGIN\ CERTIFICATE-----)
			[ "$in" = 0 ] || block="$line"$'\n' ;;
		-----END\ CERTIFICATE-----)
			[ -n "$block" ] || continue
			block+="$line"$'\n'
			fpr=$(printf '%s' "$block" |
			    openssl x509 -noout -fingerprint -sha256) || return 1
			out+="${fpr#*=} "
			block= ;;
		*) [ -z "$block" ] || block+="$line"$'\n' ;;
		esac
	done <"$1"
	printf '%s\n' "${out% }"
}

# _rq_reply FD: read one SMTP reply (all its lines) from FD into
# _rq_lines; its last line (without CR) into _rq_last.  1 on EOF/timeout.
_rq_reply() {
	local line
	_rq_lines='' _rq_last=''
	while IFS= read -r -t 10 -u "$1" line; do
		line=${line%$'\r'}
		_rq_lines+="$line"$'\n'
		case $line in
		[0-9][0-9][0-9]-*) ;;
		*) _rq_last=$line; return 0 ;;
		esac
	done
	return 1
}

# _rq_send FD LINE: write LINE and CR LF to FD, in a subshell: a server
# that has closed the connection may raise SIGPIPE, which must not end
# the test's shell.
_rq_send() {
	(printf '%s\r\n' "$2" 1>&"$1") 2>/dev/null
}

# _rq_plain_starttls PORT: banner, EHLO, STARTTLS in plain text; sets
# RQ_TLS (refused or absent; empty after a 220) and RQ_REPLY.
_rq_plain_starttls() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" ||
	    qp_fail "rq_starttls: cannot connect to 127.0.0.1:$1"
	RQ_TLS=absent
	if _rq_reply "$fd"; then
		RQ_REPLY=$_rq_last
		case $_rq_last in
		2*)
			_rq_send "$fd" 'EHLO qp-test.example' || true
			if _rq_reply "$fd"; then
				RQ_REPLY=$_rq_last
				if grep -qi '^250[- ]STARTTLS$' <<<"$_rq_lines"; then
					_rq_send "$fd" STARTTLS || true
					_rq_reply "$fd" || _rq_last="(no reply)"
					RQ_REPLY=$_rq_last
					case $RQ_REPLY in
					220*) RQ_TLS= ;;
					*) RQ_TLS=refused ;;
					esac
				fi
			fi ;;
		esac
	fi
	[ "$RQ_TLS" = "" ] || _rq_send "$fd" QUIT || true
	exec {fd}>&-
}

rq_starttls() {
	local port=$1 sni=${2:-} dir rc=0
	local -a name=(-noservername)
	[ -z "$sni" ] || name=(-servername "$sni")
	RQ_TLS='' RQ_REPLY='' RQ_CHAIN='' RQ_LEAF='' RQ_ERR=''
	dir=$(_qp_probe_dir) || qp_fail "rq_starttls: no probe directory"
	timeout 20 openssl s_client -starttls smtp \
	    -connect "127.0.0.1:$port" "${name[@]}" -showcerts </dev/null \
	    >"$dir/client.out" 2>"$dir/client.err" || rc=$?
	if [ "$rc" -eq 0 ]; then
		RQ_CHAIN=$(_rq_chain_fprs "$dir/client.out") ||
		    qp_fail "rq_starttls: cannot read the chain in $dir/client.out"
		if [ -n "$RQ_CHAIN" ]; then
			RQ_TLS=ok
			RQ_LEAF=${RQ_CHAIN%% *}
			return 0
		fi
	fi
	RQ_ERR=$(tail -n 5 "$dir/client.err")
	_rq_plain_starttls "$port"
	# Accepted, and still no session: the handshake failed.
	[ -n "$RQ_TLS" ] || RQ_TLS=failed
	printf '%s\n%s\n' "$RQ_TLS" "$RQ_REPLY" >"$dir/result"
}

# _rq_peer_start: anykey-smtpd -r as the server qmail-remote sends to
# (as root, a root of its own, an EC P-256 certificate: qmail-remote
# checks no server certificate without control/tlshosts/).
_rq_peer_start() {
	local peer="$QP_TMP/.rq/peer-root" pem
	[ -z "$_rq_peer_port" ] || return 0
	pem=$(_qp_peer_pem) || qp_fail "rq_remote_send: cannot make the peer's certificate"
	mkdir -p "$peer/control"
	printf 'remote.example\n' >"$peer/control/me"
	install -m 0600 "$pem" "$peer/control/servercert.pem"
	_rq_spawn peer tcpserver -1 -v -R -H -l localhost 127.0.0.1 0 \
	    "$(rq_standin anykey)" -r "$QP_TMP/.rq/peer/clientcert.pem" "$peer"
	_rq_peer_port=$(_rq_wait_port peer) || exit 1
}

rq_remote_send() {
	local uid gid dir="$QP_TMP/.rq/remote" rc=0 last
	local -a fields
	uid=$(qp_uid "${1:-qmailr}") && gid=$(qp_gid "${2:-qmail}") || exit 1
	[ -d "$RQ_CTL" ] || qp_fail "rq_remote_send: no $RQ_CTL (rq_mkroot first)"
	_rq_peer_start
	mkdir -p "$dir"
	printf 'remote.example:127.0.0.1:%s\n' "$_rq_peer_port" \
	    >"$RQ_CTL/smtproutes" && chmod 0644 "$RQ_CTL/smtproutes" ||
	    qp_fail "rq_remote_send: cannot write $RQ_CTL/smtproutes"
	printf 'From: postmaster@mail.example.com\nTo: someone@remote.example\nSubject: qmail-pem test\n\nA test message.\n' \
	    >"$dir/message"
	rm -f -- "$QP_TMP/.rq/peer/clientcert.pem"
	_rq_ns setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	    "$RQ_ROOT/bin/qmail-remote" remote.example \
	    postmaster@mail.example.com someone@remote.example
	(cd / && exec timeout -k 2 60 "${RQ_NS[@]}") <"$dir/message" \
	    >"$dir/out" 2>"$dir/err" || rc=$?
	# qmail-remote exits 0 whatever happened; its report is its output.
	if [ "$rc" -ne 0 ] || [ ! -s "$dir/out" ]; then
		cat "$dir/err" >&2
		qp_fail "rq_remote_send: qmail-remote did not run (status $rc)"
	fi
	mapfile -d '' -t fields <"$dir/out"
	last=${fields[${#fields[@]} - 1]}
	RQ_REMOTE=${last:0:1}
	RQ_REMOTE_TEXT=${last:1}
	RQ_REMOTE_OUT=$(tr '\0' '\n' <"$dir/out")
	if [ ! -e "$QP_TMP/.rq/peer/clientcert.pem" ]; then
		RQ_CLIENT_CERT=notls
	elif [ ! -s "$QP_TMP/.rq/peer/clientcert.pem" ]; then
		RQ_CLIENT_CERT=none
	else
		RQ_CLIENT_CERT=$(qp_cert_fpr "$QP_TMP/.rq/peer/clientcert.pem") ||
		    exit 1
	fi
}
