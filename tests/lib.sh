# shellcheck shell=bash
# tests/lib.sh: shared library for the integration tests tests/t_*.sh.
#
# Sourced by each test (bash, run as root by CTest):
#
#	set -eu
#	. "$QP_SRCDIR/tests/lib.sh"
#	qp_setup
#	ctl=$(qp_mkcontrol)
#	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
#	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
#	qp_done
#
# Environment: QMAIL_PEM (built binary), QP_SRCDIR (repo root), QP_BUILDDIR
# (build dir), QP_VALGRIND=1 and QP_NATIVE in a valgrind_ twin (QMAIL_PEM
# is then the memcheck wrapper, QP_NATIVE the binary itself), QP_KEEP=1
# keeps the temp root, QP_NSS_WRAPPER overrides the
# path of libnss_wrapper.so, QP_CMD_TIMEOUT bounds qp_assert_status (s),
# QP_SNI is the name qp_tls_handshake_as asks for. qp_setup sets umask 022
# and LC_ALL=C (stable sorting and English error messages).
#
# Layout: $QP_TMP (root 0755, under /tmp) holds nss/{passwd,group}, the
# control directory of qp_mkcontrol, and .qp/ for the library's own files
# (last command's out/err, probe transcripts in .qp/tls/last/).
#
# Nothing outside "$QP_TMP" is changed: the qmail users and groups exist only
# in nss_wrapper files there (LD_PRELOAD is exported, so every process the
# test starts, including the ones run as another uid through setpriv, sees
# them). Keep these rules in tests:
#   - do not set an EXIT trap yourself; use qp_at_exit;
#   - assign a helper's output before asserting on it (fpr=$(qp_cert_fpr f)),
#     so that a failing helper stops the test under set -e;
#   - an assertion that fails inside $( ) or ( ) only ends that subshell.
#
# Helpers that probe access (qp_open_as, qp_tls_handshake_as,
# qp_client_cert_as) return non-zero instead of exiting, so that tests can
# assert that a user may NOT read a file; everything else that fails ends the
# test through qp_fail.
#
# shellcheck disable=SC2015  # `a && b || fail` is meant: fail if either fails.

# Count of passed assertions; qp_done prints it.
QP_PASS=0
_qp_done=0
_qp_failed=0
_qp_skipped=0
_qp_main_pid=
_qp_at_exit=
_qp_err_line=
_qp_err_cmd=

# --- set-up ---------------------------------------------------------------

# qp_require CMD...: fail unless every CMD is on PATH.
qp_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    qp_fail "required command not found: $c"
	done
}

# qp_under_valgrind: true in a valgrind_ twin (QP_VALGRIND=1), where
# QMAIL_PEM runs under memcheck, 20 to 50 times slower.
qp_under_valgrind() {
	[ "${QP_VALGRIND:-0}" = 1 ]
}

# QP_FAST_KEY: options for install in a test whose subject is not the key
# type (rotation, rollback): empty, except in a valgrind_ twin, where it
# asks for EC P-256 keys; rotate keeps the type.  Under memcheck an RSA key
# costs seconds of OpenSSL's prime search, and the code under test is the
# same for every type.  Use as "${QP_FAST_KEY[@]}".
QP_FAST_KEY=()
if qp_under_valgrind; then
	QP_FAST_KEY=(--key-type ec-p256)
fi

# qp_turn I N: sets QP_BIN, the qmail-pem to run.  A run costs about a
# second under memcheck, most of it valgrind's start and OpenSSL's, so in a
# valgrind_ twin a test that puts one input through the same parse N times
# over (one state in three output formats, a sample through --dry-run and
# then for real) memchecks one of those runs: QP_BIN is QMAIL_PEM (the
# memcheck wrapper) when I mod N is 0 and QP_NATIVE (the same binary, not
# under memcheck) otherwise.  The caller moves I on, so that each of the N
# kinds of run has its turn across the test.  Every run and every assertion
# still happens; the ASan/UBSan suite runs them all.  Outside a twin QP_BIN
# is always QMAIL_PEM.
qp_turn() {
	QP_BIN=$QMAIL_PEM
	if qp_under_valgrind && [ $(($1 % $2)) -ne 0 ]; then
		QP_BIN=$QP_NATIVE
	fi
}

# _qp_find_nss_wrapper: print the path of libnss_wrapper.so.
_qp_find_nss_wrapper() {
	local f
	for f in ${QP_NSS_WRAPPER:-} /usr/lib/*/libnss_wrapper.so \
	    /usr/lib64/libnss_wrapper.so /usr/lib/libnss_wrapper.so \
	    /usr/local/lib/libnss_wrapper.so; do
		[ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
	done
	return 1
}

# qp_setup: make $QP_TMP (removed at exit unless QP_KEEP=1), the nss_wrapper
# users and groups, and export LD_PRELOAD, NSS_WRAPPER_*, QP_UID_*, QP_GID_*.
qp_setup() {
	local lib u g
	[ -z "$_qp_main_pid" ] || qp_fail "qp_setup called twice"
	_qp_main_pid=$BASHPID
	umask 022
	export LC_ALL=C
	qp_require openssl setpriv getent id stat sha256sum timeout find sort
	lib=$(_qp_find_nss_wrapper) ||
	    qp_fail "libnss_wrapper.so not found (Debian package libnss-wrapper)"

	# Always under /tmp (root 1777): qmail-pem refuses a control directory
	# with an unsafe parent, and $TMPDIR might be one.
	QP_TMP=$(mktemp -d /tmp/qp-test.XXXXXXXX) || qp_fail "mktemp -d failed"
	export QP_TMP
	trap _qp_on_exit EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	case $- in
	*e*) trap '_qp_err_line=$LINENO; _qp_err_cmd=$BASH_COMMAND' ERR ;;
	esac
	# 0755 so that the users the probes run as can read the nss files
	# and traverse to the control directory.
	chown 0:0 "$QP_TMP" && chmod 0755 "$QP_TMP" ||
	    qp_fail "cannot make $QP_TMP root-owned 0755"
	mkdir -m 0755 "$QP_TMP/nss" "$QP_TMP/.qp" "$QP_TMP/.qp/tls" \
	    "$QP_TMP/.qp/bin" || qp_fail "mkdir in $QP_TMP failed"

	# LeakSanitizer cannot run under ptrace: a traced ASan binary would
	# die with "LeakSanitizer has encountered a fatal error".  Every
	# strace a test starts (also through timeout or setpriv) is this
	# wrapper, which turns leak detection off for the traced process
	# only; untraced runs keep it.
	if command -v strace >/dev/null 2>&1; then
		printf '#!/bin/sh\nASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" exec %s "$@"\n' \
		    "$(command -v strace)" >"$QP_TMP/.qp/bin/strace" &&
		    chmod 0755 "$QP_TMP/.qp/bin/strace" ||
		    qp_fail "cannot write the strace wrapper"
	fi
	# python3 is the distribution's, whose modules python3-aiosmtpd and
	# python3-yaml are: a version manager's shim earlier on PATH (pyenv)
	# would cost 0.3 s at every start, and tests start hundreds.
	if [ -x /usr/bin/python3 ]; then
		ln -s /usr/bin/python3 "$QP_TMP/.qp/bin/python3" ||
		    qp_fail "cannot link python3"
	fi
	PATH="$QP_TMP/.qp/bin:$PATH"
	export PATH

	# The classic qmail layout (INSTALL.ids): alias qmaild qmaill qmailp
	# in group nofiles, qmailq qmailr qmails in group qmail. Groups list
	# no members, as groupadd/useradd -g leave them.
	cat >"$QP_TMP/nss/passwd" <<-'EOF' || qp_fail "cannot write passwd"
	root:x:0:0:root:/root:/bin/bash
	qmaild:x:20001:20001:qmail daemon:/var/qmail:/usr/sbin/nologin
	qmailr:x:20002:20002:qmail remote:/var/qmail:/usr/sbin/nologin
	alias:x:20003:20001:qmail alias:/var/qmail/alias:/usr/sbin/nologin
	qmaill:x:20004:20001:qmail log:/var/qmail:/usr/sbin/nologin
	qmailp:x:20005:20001:qmail passwd:/var/qmail:/usr/sbin/nologin
	qmailq:x:20006:20002:qmail queue:/var/qmail:/usr/sbin/nologin
	qmails:x:20007:20002:qmail send:/var/qmail:/usr/sbin/nologin
	vpopmail:x:20010:20010:vpopmail:/home/vpopmail:/usr/sbin/nologin
	other:x:20020:20020:unrelated user:/nonexistent:/usr/sbin/nologin
	nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
	EOF
	cat >"$QP_TMP/nss/group" <<-'EOF' || qp_fail "cannot write group"
	root:x:0:
	nofiles:x:20001:
	qmail:x:20002:
	vchkpw:x:20010:
	other:x:20020:
	nogroup:x:65534:
	EOF
	chmod 0644 "$QP_TMP/nss/passwd" "$QP_TMP/nss/group"

	export NSS_WRAPPER_PASSWD="$QP_TMP/nss/passwd"
	export NSS_WRAPPER_GROUP="$QP_TMP/nss/group"
	export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$lib"
	# nss_wrapper loads libc's own NSS modules with RTLD_DEEPBIND, which
	# AddressSanitizer refuses (getaddrinfo in an ASan binary aborts).
	export NSS_WRAPPER_DISABLE_DEEPBIND=1

	for u in root qmaild qmailr alias qmaill qmailp qmailq qmails \
	    vpopmail other nobody; do
		export "QP_UID_$u=$(qp_uid "$u")"
	done
	for g in root nofiles qmail vchkpw other nogroup; do
		export "QP_GID_$g=$(qp_gid "$g")"
	done
	# shellcheck disable=SC2154  # exported by the loops above
	[ "$QP_GID_nofiles" = 20001 ] && [ "$QP_UID_qmaild" = 20001 ] &&
	    [ "$QP_GID_qmail" = 20002 ] && [ "$QP_UID_qmailr" = 20002 ] ||
	    qp_fail "nss_wrapper is not in effect (getent group nofiles: '$QP_GID_nofiles')"
	[ "$(id -u qmaild):$(id -g qmaild)" = 20001:20001 ] ||
	    qp_fail "id qmaild does not see the nss_wrapper user"
}

# qp_need_acls SCRIPT [ARG...]: before qp_setup, in a test that sets POSIX
# ACLs (setfacl) on its control directory: when /tmp has no ACL support,
# run SCRIPT again in a private mount namespace with a tmpfs (which has
# them) on /tmp, seen by nothing outside; fail when that is impossible.
qp_need_acls() {
	local probe ok=0
	command -v setfacl >/dev/null 2>&1 ||
	    qp_fail "required command not found: setfacl (Debian package acl)"
	probe=$(mktemp /tmp/qp-acl.XXXXXXXX) || qp_fail "mktemp failed"
	setfacl -m u:0:r -- "$probe" 2>/dev/null && ok=1
	rm -f -- "$probe"
	[ "$ok" = 1 ] && return 0
	[ -z "${QP_ACL_NS:-}" ] ||
	    qp_fail "no POSIX ACLs on /tmp, not even on a tmpfs"
	export QP_ACL_NS=1
	exec unshare --mount --propagation private -- bash -c \
	    'mount -t tmpfs -o mode=1777 qp-acl /tmp && exec bash "$@"' \
	    bash "$@"
}

# qp_add_user NAME UID GID: add a user to the nss_wrapper passwd file.
qp_add_user() {
	printf '%s:x:%s:%s::/nonexistent:/usr/sbin/nologin\n' "$1" "$2" "$3" \
	    >>"$NSS_WRAPPER_PASSWD" || qp_fail "qp_add_user $1 failed"
}

# qp_add_group NAME GID [MEMBER,...]: add a group to the nss_wrapper group file.
qp_add_group() {
	printf '%s:x:%s:%s\n' "$1" "$2" "${3:-}" >>"$NSS_WRAPPER_GROUP" ||
	    qp_fail "qp_add_group $1 failed"
}

# qp_at_exit CMD: run the shell command CMD at exit, before the temp root goes.
qp_at_exit() {
	_qp_at_exit="$1
$_qp_at_exit"
}

# _qp_kill_leftover_servers: kill s_server processes a probe did not reap.
_qp_kill_leftover_servers() {
	local f pid
	for f in "$QP_TMP"/.qp/tls/*/server.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		# Only our own s_server: the pid may have been reused meanwhile.
		if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" |
		    grep -q 's_server'; then
			kill -KILL -- "-$pid" 2>/dev/null ||
			    kill -KILL "$pid" 2>/dev/null || true
			# Reaping it here keeps bash from reporting "Killed".
			wait "$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}

# _qp_on_exit: EXIT trap: report an abort, stop servers, remove $QP_TMP.
_qp_on_exit() {
	local st=$?
	# Async children forked by bash may run this trap before they exec:
	# only the test's own shell cleans up.
	if [ "$BASHPID" != "$_qp_main_pid" ]; then
		return "$st"
	fi
	trap - EXIT ERR
	set +e
	if [ -n "$_qp_at_exit" ]; then
		eval "$_qp_at_exit"
	fi
	_qp_kill_leftover_servers
	if [ "$_qp_skipped" -eq 1 ] && [ "$st" -eq 77 ]; then
		:
	elif [ "$st" -ne 0 ] && [ "$_qp_failed" -eq 0 ]; then
		if [ -n "$_qp_err_line" ]; then
			# shellcheck disable=SC2016  # literal backquotes
			printf 'FAIL: %s: line %s: `%s` exited with status %s\n' \
			    "$0" "$_qp_err_line" "$_qp_err_cmd" "$st" >&2
		else
			printf 'FAIL: %s: exited with status %s\n' "$0" "$st" >&2
		fi
		printf '%s passed, 1 failed\n' "$QP_PASS"
		# 77 is the skip status: only qp_skip may end a test with it.
		[ "$st" -ne 77 ] || st=1
	elif [ "$st" -eq 0 ] && [ "$_qp_done" -eq 0 ]; then
		printf 'FAIL: %s: ended without qp_done\n' "$0" >&2
		printf '%s passed, 1 failed\n' "$QP_PASS"
		st=1
	fi
	if [ "${QP_KEEP:-0}" = 1 ]; then
		printf 'QP_KEEP=1: kept %s\n' "$QP_TMP" >&2
	else
		case $QP_TMP in
		/tmp/qp-test.?*) rm -rf -- "$QP_TMP" ;;
		esac
	fi
	exit "$st"
}

# qp_uid NAME|NUMBER: print the uid of a user (through nss_wrapper).
qp_uid() {
	local ent
	case $1 in
	'' | *[!0-9]*) ;;
	*) printf '%s\n' "$1"; return 0 ;;
	esac
	ent=$(getent passwd "$1") || qp_fail "qp_uid: no such user: $1"
	ent=${ent#*:*:}
	printf '%s\n' "${ent%%:*}"
}

# qp_gid NAME|NUMBER: print the gid of a group (through nss_wrapper).
qp_gid() {
	local ent
	case $1 in
	'' | *[!0-9]*) ;;
	*) printf '%s\n' "$1"; return 0 ;;
	esac
	ent=$(getent group "$1") || qp_fail "qp_gid: no such group: $1"
	ent=${ent#*:*:}
	printf '%s\n' "${ent%%:*}"
}

# _qp_check_safe_parents DIR: fail unless DIR and all its parents are root-owned
# and not group/other writable (a sticky directory such as /tmp may be).
_qp_check_safe_parents() {
	local d=$1 info uid mode
	while :; do
		info=$(stat -c '%u %a' -- "$d") || qp_fail "cannot stat $d"
		uid=${info% *}
		mode=$((8#${info#* }))
		[ "$uid" -eq 0 ] || qp_fail "unsafe test directory: $d is not owned by root"
		if [ $((mode & 8#022)) -ne 0 ] && [ $((mode & 8#1000)) -eq 0 ]; then
			qp_fail "unsafe test directory: $d is group/other writable"
		fi
		[ "$d" = / ] && break
		d=$(dirname -- "$d")
	done
}

# qp_mkcontrol [HOSTNAME]: make a fresh root 0755 $QP_TMP/control with `me`
# (default mail.example.com) and print its path.
qp_mkcontrol() {
	local ctl="$QP_TMP/control"
	rm -rf -- "$ctl" && mkdir -m 0755 -- "$ctl" && chown 0:0 -- "$ctl" ||
	    qp_fail "cannot create $ctl"
	printf '%s\n' "${1:-mail.example.com}" >"$ctl/me" &&
	    chmod 0644 "$ctl/me" || qp_fail "cannot write $ctl/me"
	_qp_check_safe_parents "$ctl"
	printf '%s\n' "$ctl"
}

# --- snapshots -------------------------------------------------------------

# _qp_snapshot full|entries DIR: print a snapshot (see qp_snapshot): one
# stable line per path (never its atime).  One stat and one sha256sum for
# all the paths, not one each: tests take hundreds of snapshots.
_qp_snapshot() {
	local kind=$1 dir=$2 list rel i p type rest extra n=0
	local -a names=() labels=() paths=() stats=() sums=() files=() hashed=()
	[ -d "$dir" ] && [ ! -L "$dir" ] || {
		printf 'qp_snapshot: %s: not a directory\n' "$dir" >&2
		return 1
	}
	list="$QP_TMP/.qp/snapshot.$BASHPID"
	(cd -- "$dir" && find . -mindepth 1 -print0) >"$list" || {
		rm -f -- "$list"
		printf 'qp_snapshot: cannot list %s\n' "$dir" >&2
		return 1
	}
	mapfile -d '' -t names < <(sort -z -- "$list")
	rm -f -- "$list"
	if [ "$kind" = full ]; then
		labels=(.)
		paths=("$dir")
	fi
	for rel in "${names[@]}"; do
		labels+=("${rel#./}")
		paths+=("$dir/${rel#./}")
	done
	printf '# qp_snapshot %s\n' "$kind"
	[ "${#paths[@]}" -gt 0 ] || return 0
	stat -c '%F|mode=%a uid=%u gid=%g ino=%i nlink=%h size=%s mtime=%.9Y ctime=%.9Z' \
	    -- "${paths[@]}" >"$list" || { rm -f -- "$list"; return 1; }
	mapfile -t stats <"$list"
	[ "${#stats[@]}" -eq "${#paths[@]}" ] || { rm -f -- "$list"; return 1; }
	# Regular files (not symlinks) are hashed, all in one sha256sum;
	# hashed[i] says which, for the lines below.
	for i in "${!paths[@]}"; do
		hashed[i]=
		if [ ! -L "${paths[i]}" ] && [ -f "${paths[i]}" ]; then
			files+=("${paths[i]}")
			hashed[i]=1
		fi
	done
	if [ "${#files[@]}" -gt 0 ]; then
		sha256sum --zero -- "${files[@]}" >"$list" || { rm -f -- "$list"; return 1; }
		mapfile -d '' -t sums <"$list"
		[ "${#sums[@]}" -eq "${#files[@]}" ] || { rm -f -- "$list"; return 1; }
	fi
	rm -f -- "$list"
	for i in "${!paths[@]}"; do
		p=${paths[i]} type=${stats[i]%%|*} rest=${stats[i]#*|} extra=
		if [ -n "${hashed[i]}" ]; then
			extra=" sha256=${sums[n]%% *}"
			n=$((n + 1))
		elif [ -L "$p" ]; then
			extra=" target=$(printf '%q' "$(readlink -- "$p")")"
		fi
		printf '%q type=%s %s%s\n' "${labels[i]}" "${type// /_}" "$rest" "$extra"
	done
}

# qp_snapshot DIR: print DIR's own stat line and, recursively, every entry's
# type, mode, uid, gid, inode, links, size, mtime/ctime (ns), symlink target
# and sha256 of regular files.
qp_snapshot() {
	_qp_snapshot full "$1"
}

# qp_snapshot_entries DIR: like qp_snapshot but without DIR's own line, for
# runs that may create and remove a temp file (DIR's mtime then moves).
qp_snapshot_entries() {
	_qp_snapshot entries "$1"
}

# qp_assert_same_snapshot BEFORE DIR [MSG]: assert DIR still matches the
# snapshot BEFORE (taken by qp_snapshot or qp_snapshot_entries).
qp_assert_same_snapshot() {
	local before=$1 dir=$2 msg=${3:-"$2 unchanged"} kind after
	kind=${before%%$'\n'*}
	kind=${kind#\# qp_snapshot }
	case $kind in
	full | entries) ;;
	*) qp_fail "qp_assert_same_snapshot: first argument is not a snapshot" ;;
	esac
	after=$(_qp_snapshot "$kind" "$dir") ||
	    qp_fail "$msg: cannot snapshot $dir"
	if [ "$before" != "$after" ]; then
		printf '%s: %s changed:\n' "$msg" "$dir" >&2
		diff -u --label before --label after \
		    <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2
		qp_fail "$msg"
	fi
	qp_ok "$msg"
}

# --- assertions -------------------------------------------------------------

# qp_ok MSG: count and print one passed check.
qp_ok() {
	QP_PASS=$((QP_PASS + 1))
	printf 'ok %s - %s\n' "$QP_PASS" "$1"
}

# qp_fail MSG: print the failure and exit 1 (only the subshell, inside one).
qp_fail() {
	printf 'FAIL: %s\n' "$1" >&2
	if [ "$BASHPID" = "$_qp_main_pid" ]; then
		_qp_failed=1
		printf '%s passed, 1 failed\n' "$QP_PASS"
	fi
	exit 1
}

# qp_assert_eq EXPECTED ACTUAL MSG: assert two strings are equal.
qp_assert_eq() {
	if [ "$1" = "$2" ]; then
		qp_ok "$3"
	else
		printf '  expected: %s\n  actual:   %s\n' "$1" "$2" >&2
		qp_fail "$3"
	fi
}

# qp_assert_contains HAYSTACK NEEDLE MSG: assert NEEDLE occurs in HAYSTACK.
qp_assert_contains() {
	case $1 in
	*"$2"*) qp_ok "$3" ;;
	*)
		printf '  missing: %s\n  in:      %s\n' "$2" "$1" >&2
		qp_fail "$3"
		;;
	esac
}

# qp_assert_not_contains HAYSTACK NEEDLE MSG: assert NEEDLE is not in HAYSTACK.
qp_assert_not_contains() {
	case $1 in
	*"$2"*)
		printf '  unexpected: %s\n  in:         %s\n' "$2" "$1" >&2
		qp_fail "$3"
		;;
	*) qp_ok "$3" ;;
	esac
}

# qp_assert_status EXPECTED CMD [ARG...]: run CMD (stdin inherited; bounded by
# QP_CMD_TIMEOUT, default 120 s, unless CMD is a shell function), set QP_OUT /
# QP_ERR to its stdout / stderr (also in the files $QP_OUT_FILE / $QP_ERR_FILE)
# and assert its exit status.
qp_assert_status() {
	local expected=$1 st=0 cmd
	shift
	QP_OUT_FILE="$QP_TMP/.qp/out"
	QP_ERR_FILE="$QP_TMP/.qp/err"
	cmd=$(printf '%q ' "$@")
	cmd=${cmd% }
	if [ "$(type -t "$1")" = function ]; then
		"$@" >"$QP_OUT_FILE" 2>"$QP_ERR_FILE" || st=$?
	else
		timeout -k 5 "${QP_CMD_TIMEOUT:-120}" "$@" \
		    >"$QP_OUT_FILE" 2>"$QP_ERR_FILE" || st=$?
	fi
	QP_OUT=$(cat "$QP_OUT_FILE")
	QP_ERR=$(cat "$QP_ERR_FILE")
	if [ "$st" -ne "$expected" ]; then
		{
			printf '  command: %s\n  expected status %s, got %s%s\n' \
			    "$cmd" "$expected" "$st" \
			    "$([ "$st" -eq 124 ] && echo ' (timed out)')"
			printf '  --- stdout\n%s\n  --- stderr\n%s\n  ---\n' \
			    "$QP_OUT" "$QP_ERR"
		} >&2
		qp_fail "status $expected: $cmd"
	fi
	qp_ok "status $expected: $cmd"
}

# qp_assert_file_perm FILE OWNER:GROUP MODE: assert FILE is a regular file (not
# a symlink) with one link, that owner and group (names or numbers) and mode.
qp_assert_file_perm() {
	local f=$1 want_owner=${2%%:*} want_group=${2#*:} want_mode=$3
	local uid gid st a_uid a_gid a_mode a_links a_names
	uid=$(qp_uid "$want_owner") || exit 1
	gid=$(qp_gid "$want_group") || exit 1
	[ ! -L "$f" ] || qp_fail "$f: is a symlink (want a $2 $3 file)"
	[ -f "$f" ] || qp_fail "$f: not a regular file (want a $2 $3 file)"
	st=$(stat -c '%u %g %a %h' -- "$f") || qp_fail "cannot stat $f"
	read -r a_uid a_gid a_mode a_links <<<"$st"
	a_names=$(stat -c '%U:%G' -- "$f")
	if [ "$a_uid" != "$uid" ] || [ "$a_gid" != "$gid" ] ||
	    [ "$((8#$a_mode))" -ne "$((8#$want_mode))" ] || [ "$a_links" != 1 ]; then
		printf '  want: %s (%s:%s) mode %s, 1 link\n' "$2" "$uid" "$gid" "$want_mode" >&2
		printf '  have: %s (%s:%s) mode %04o, %s link(s)\n' \
		    "$a_names" "$a_uid" "$a_gid" "$((8#$a_mode))" "$a_links" >&2
		qp_fail "$f is $2 $want_mode"
	fi
	qp_ok "$f is $2 $want_mode"
}

# qp_skip MSG: end the test as skipped: print "SKIP: MSG" and exit 77,
# which CTest shows as skipped for tests with a line "# fixtures: ..."
# (SKIP_RETURN_CODE, tests/CMakeLists.txt).  Only for a missing part of
# the test environment that CI has (../shared), never for a failure; any
# other exit with status 77 (qmail-pem's EX_NOPERM under set -e) is
# reported as a failure.
qp_skip() {
	printf 'SKIP: %s\n' "$1"
	[ "$BASHPID" = "$_qp_main_pid" ] || qp_fail "qp_skip in a subshell: $1"
	_qp_skipped=1
	exit 77
}

# qp_done: print the closing line "N passed, 0 failed" (fails if N is 0).
qp_done() {
	[ "$QP_PASS" -gt 0 ] || qp_fail "no assertion ran"
	_qp_done=1
	printf '%s passed, 0 failed\n' "$QP_PASS"
}

# --- keys and certificates -------------------------------------------------

# qp_pubkey FILE [PASSIN]: print the sha256 (hex) of the DER public key of the
# private key in FILE (PASSIN as openssl -passin, default empty password).
qp_pubkey() {
	local der="$QP_TMP/.qp/pubkey.$BASHPID" sum
	openssl pkey -in "$1" -passin "${2:-pass:}" -pubout -outform DER \
	    -out "$der" 2>"$der.err" || {
		cat "$der.err" >&2
		rm -f -- "$der" "$der.err"
		qp_fail "qp_pubkey: no private key readable in $1"
	}
	sum=$(sha256sum <"$der")
	rm -f -- "$der" "$der.err"
	printf '%s\n' "${sum%% *}"
}

# qp_cert_pubkey FILE: print the sha256 (hex) of the DER public key of the
# first certificate in FILE (compare with qp_pubkey for a key/cert match).
qp_cert_pubkey() {
	local pem="$QP_TMP/.qp/certpub.$BASHPID" sum
	openssl x509 -in "$1" -noout -pubkey -out "$pem" 2>"$pem.err" &&
	    openssl pkey -pubin -in "$pem" -outform DER -out "$pem.der" \
	    2>>"$pem.err" || {
		cat "$pem.err" >&2
		rm -f -- "$pem" "$pem.der" "$pem.err"
		qp_fail "qp_cert_pubkey: no certificate readable in $1"
	}
	sum=$(sha256sum <"$pem.der")
	rm -f -- "$pem" "$pem.der" "$pem.err"
	printf '%s\n' "${sum%% *}"
}

# qp_cert_fpr FILE: print the SHA-256 fingerprint (AA:BB:...) of the first
# certificate in FILE.
qp_cert_fpr() {
	local out
	out=$(openssl x509 -in "$1" -noout -fingerprint -sha256) ||
	    qp_fail "qp_cert_fpr: no certificate readable in $1"
	printf '%s\n' "${out#*=}"
}

# _qp_fpr_after MARKER FILE: print the fingerprint of the first PEM
# certificate in FILE after the first line matching MARKER (a regex).
_qp_fpr_after() {
	local out
	out=$(tr -d '\r' <"$2" | awk -v m="$1" '
	    $0 ~ m { seen = 1 }
	    seen && /^-----BEGIN CERTIFICATE-----$/ { p = 1 }
	    p { print }
	    p && /^-----END CERTIFICATE-----$/ { exit }' |
	    openssl x509 -noout -fingerprint -sha256 2>/dev/null) || return 1
	[ -n "$out" ] || return 1
	printf '%s\n' "${out#*=}"
}

# --- real readers: openssl s_server / s_client as the qmail users ----------

# _qp_abs PATH: print PATH made absolute (without resolving symlinks).
_qp_abs() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

# _qp_server_start DIR UID GID ARG...: start `openssl s_server ARG...` on
# 127.0.0.1, a port the kernel picks, as UID:GID (empty: as root) with cwd /;
# set _qp_server_pid (of its process group) and _qp_server_port. Returns 1 if
# it does not listen within 5 s (it is then stopped).
_qp_server_start() {
	local dir=$1 uid=$2 gid=$3 port
	shift 3
	# timeout(1) bounds the server's life even if this shell is killed,
	# and leads a process group of its own that _qp_server_stop ends.
	(
		cd / || exit 1
		if [ -n "$uid" ]; then
			exec timeout -k 2 30 setpriv --reuid="$uid" --regid="$gid" \
			    --clear-groups openssl s_server -accept 127.0.0.1:0 \
			    -naccept 1 "$@"
		fi
		exec timeout -k 2 30 openssl s_server -accept 127.0.0.1:0 \
		    -naccept 1 "$@"
	) </dev/null >"$dir/server.out" 2>"$dir/server.err" &
	_qp_server_pid=$!
	printf '%s\n' "$_qp_server_pid" >"$dir/server.pid"
	# s_server prints "ACCEPT 127.0.0.1:PORT" (and flushes) once it listens.
	for _ in $(seq 100); do
		port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$dir/server.out")
		if [ -n "$port" ]; then
			_qp_server_port=$port
			return 0
		fi
		kill -0 "$_qp_server_pid" 2>/dev/null || break
		sleep 0.05
	done
	printf 's_server (uid %s) did not start:\n' "${uid:-0}" >&2
	cat "$dir/server.err" >&2
	_qp_server_stop "$dir"
	return 1
}

# _qp_server_stop DIR: stop the server started in DIR (its process group:
# TERM, then KILL after 2 s) and reap it.
_qp_server_stop() {
	local dir=$1 pid
	[ -f "$dir/server.pid" ] || return 0
	pid=$(cat "$dir/server.pid")
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 40); do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f -- "$dir/server.pid"
}

# _qp_probe_dir: make and print a fresh directory for one probe's transcripts
# ($QP_TMP/.qp/tls/last points to the newest).
_qp_probe_dir() {
	local d
	d=$(mktemp -d "$QP_TMP/.qp/tls/probe.XXXXXX") || return 1
	chmod 0755 "$d"
	ln -sfn "$d" "$QP_TMP/.qp/tls/last"
	printf '%s\n' "$d"
}

# qp_tls_handshake_as USER GROUP PEMFILE: run `openssl s_server -cert PEMFILE
# -key PEMFILE` as USER:GROUP (setpriv, numeric ids, no supplementary groups),
# handshake with s_client as root and print the SHA-256 fingerprint of the leaf
# the server presented. Returns 1 (message on stderr) if the server cannot
# load the file or the handshake fails; transcripts stay in $QP_TMP/.qp/tls/last.
qp_tls_handshake_as() {
	local uid gid pem dir fpr rc=0
	uid=$(qp_uid "$1") && gid=$(qp_gid "$2") || return 1
	pem=$(_qp_abs "$3")
	dir=$(_qp_probe_dir) || return 1
	_qp_server_start "$dir" "$uid" "$gid" -cert "$pem" -key "$pem" -www ||
	    return 1
	timeout 10 openssl s_client -connect "127.0.0.1:$_qp_server_port" \
	    -servername "${QP_SNI:-mail.example.com}" -showcerts </dev/null \
	    >"$dir/client.out" 2>"$dir/client.err" || rc=$?
	_qp_server_stop "$dir"
	if [ "$rc" -ne 0 ]; then
		printf 'qp_tls_handshake_as %s %s %s: s_client failed (%s):\n' \
		    "$1" "$2" "$3" "$rc" >&2
		cat "$dir/client.err" "$dir/server.err" >&2
		return 1
	fi
	fpr=$(_qp_fpr_after '^Certificate chain' "$dir/client.out") || {
		printf 'qp_tls_handshake_as: no certificate presented\n' >&2
		return 1
	}
	printf '%s\n' "$fpr"
}

# _qp_peer_pem: print the path of a throw-away key+cert for the probe's peer.
_qp_peer_pem() {
	local p="$QP_TMP/.qp/tls/peer.pem"
	if [ ! -s "$p" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -subj /CN=qp-test-peer -days 2 -keyout "$p.key" \
		    -out "$p.crt" 2>/dev/null && cat "$p.key" "$p.crt" >"$p" || {
			rm -f -- "$p" "$p.key" "$p.crt"
			return 1
		}
		rm -f -- "$p.key" "$p.crt"
	fi
	printf '%s\n' "$p"
}

# qp_client_cert_as USER GROUP PEMFILE: run `openssl s_client -cert PEMFILE
# -key PEMFILE` as USER:GROUP against an s_server (root, -Verify 1 -www) and
# print the SHA-256 fingerprint of the client certificate the server received
# (from the "Client certificate" PEM in its -www status page). Returns 1 if the
# client cannot load the file or the server got no certificate.
qp_client_cert_as() {
	local uid gid pem peer dir fpr rc=0
	uid=$(qp_uid "$1") && gid=$(qp_gid "$2") || return 1
	pem=$(_qp_abs "$3")
	peer=$(_qp_peer_pem) || {
		printf 'qp_client_cert_as: cannot make the server certificate\n' >&2
		return 1
	}
	dir=$(_qp_probe_dir) || return 1
	_qp_server_start "$dir" "" "" -cert "$peer" -key "$peer" -Verify 1 -www ||
	    return 1
	# -quiet implies -ign_eof: the client waits for the page after its
	# request instead of closing on the end of its input.
	printf 'GET / HTTP/1.0\r\n\r\n' | (
		cd / &&
		    exec timeout 10 setpriv --reuid="$uid" --regid="$gid" \
		    --clear-groups openssl s_client \
		    -connect "127.0.0.1:$_qp_server_port" -quiet \
		    -cert "$pem" -key "$pem"
	) >"$dir/client.out" 2>"$dir/client.err" || rc=$?
	_qp_server_stop "$dir"
	if [ "$rc" -ne 0 ]; then
		printf 'qp_client_cert_as %s %s %s: s_client failed (%s):\n' \
		    "$1" "$2" "$3" "$rc" >&2
		cat "$dir/client.err" "$dir/server.err" >&2
		return 1
	fi
	fpr=$(_qp_fpr_after '^Client certificate' "$dir/client.out") || {
		printf 'qp_client_cert_as: the server received no client certificate\n' >&2
		cat "$dir/client.err" "$dir/server.err" >&2
		return 1
	}
	printf '%s\n' "$fpr"
}

# qp_open_as USER GROUP FILE: return the status of `cat FILE` run as
# USER:GROUP (names or numbers, no supplementary groups); its stderr is left
# in $QP_TMP/.qp/open_as.err.
qp_open_as() {
	local uid gid path
	uid=$(qp_uid "$1") && gid=$(qp_gid "$2") || return 1
	path=$(_qp_abs "$3")
	(
		cd / &&
		    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups \
		    cat -- "$path"
	) >/dev/null 2>"$QP_TMP/.qp/open_as.err"
}

# qp_samples_dir: the real-world PEM samples: ../shared/data/pem-samples
# beside the clone when it is there (the project's canonical set), else the
# copy in tests/data/pem-samples (same files, SOURCES.md gives licenses).
qp_samples_dir() {
	if [ -d "$QP_SRCDIR/../shared/data/pem-samples" ]; then
		printf '%s\n' "$QP_SRCDIR/../shared/data/pem-samples"
	else
		printf '%s\n' "$QP_SRCDIR/tests/data/pem-samples"
	fi
}

# qp_start_reader USER GROUP SCRIPT FILE STOP LOG: run SCRIPT FILE STOP LOG
# in the background as USER:GROUP (no other groups, from /), as a daemon
# that reads FILE would; LOG is made writable for it.  $! is its pid.
qp_start_reader() {
	: >"$6"
	chmod 0666 "$6"
	(cd / && exec setpriv --reuid="$(qp_uid "$1")" --regid="$(qp_gid "$2")" \
	    --clear-groups "$3" "$4" "$5" "$6") &
}

# qp_start_key_readers SCRIPT CTL STOP: SCRIPT as both daemons would read,
# CTL/servercert.pem as qmaild:nofiles (log $QP_TMP/srv.log) and
# CTL/clientcert.pem as qmailr:qmail ($QP_TMP/cli.log), until STOP exists;
# their pids in QP_READER_PIDS.  They are stopped at exit at the latest.
qp_start_key_readers() {
	QP_READER_PIDS=()
	qp_start_reader qmaild nofiles "$1" "$2/servercert.pem" "$3" \
	    "$QP_TMP/srv.log"
	QP_READER_PIDS+=($!)
	qp_start_reader qmailr qmail "$1" "$2/clientcert.pem" "$3" \
	    "$QP_TMP/cli.log"
	QP_READER_PIDS+=($!)
	qp_at_exit "touch $3; wait ${QP_READER_PIDS[*]} 2>/dev/null"
}
