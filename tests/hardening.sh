# shellcheck shell=bash
# tests/hardening.sh: the promise "old or new, never broken, never exposed"
# as a check, for the fault, crash, hostile-directory and concurrency tests.
# Sourced after tests/lib.sh and qp_setup.
#
#	hd_scan DIR                 read every entry of DIR into HD_CUR
#	hd_remember                 HD_OLD := HD_CUR (the state before a run)
#	hd_check DIR                assert the invariant of the last run
#	hd_check_target DIR         assert the state a successful run leaves
#
# An entry is described as "type|uid|gid|mode|nlink|sum" (find's %y, %U,
# %G, %m, %n; sum is the sha256 of a regular file or the target of a
# symlink).  hd_check and hd_check_target print why on stderr and return 1
# instead of exiting, so that a driver can show the command that broke it.
#
# The invariant, for servercert.pem and clientcert.pem:
#   - exactly as before the run (same type, owner, group, mode, bytes, or
#     the same symlink target); or
#   - a new version: a regular file with one link, the target owner, group
#     and mode, holding a private key first and certificates to the end,
#     the key matching the first certificate.
# A repair of owner and mode is a new version too (the same bytes in a new
# file): no state between the old owner and mode and the new ones.
# Anything else in DIR must be: an entry that was there before, unchanged;
# a backup NAME.<UTC time>[.N].bak (root:root 0600 copy of a valid file,
# or a symlink recorded as it was); a temp file only when HD_ALLOW_TEMPS=1
# (a killed run cannot clean up), and then regular, one link, readable by
# no one but root or the final reader of that name.

HD_NAMES="servercert.pem clientcert.pem"
HD_TEMP_PREFIX=".qmail-pem-tmp."
HD_ALLOW_TEMPS=0
declare -A HD_CUR=() HD_OLD=() HD_TARGET=() HD_STATE=() _hd_pub=()
HD_TARGET[servercert.pem]="0|$QP_GID_nofiles|640"
HD_TARGET[clientcert.pem]="0|$QP_GID_qmail|640"

# hd_scan DIR: HD_CUR[name] = "type|uid|gid|mode|nlink|sum" for each entry.
hd_scan() {
	local dir=$1 line name rest sum path
	local -a regular=()
	HD_CUR=()
	while IFS= read -r line; do
		name=${line%%|*}
		rest=${line#*|}
		HD_CUR[$name]=$rest
		case $rest in
		f\|*) regular+=("$dir/$name") ;;
		esac
	done < <(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f|%y|%U|%G|%m|%n|%l\n')
	[ "${#regular[@]}" -gt 0 ] || return 0
	while read -r sum path; do
		name=${path##*/}
		HD_CUR[$name]=${HD_CUR[$name]%|}"|$sum"
	done < <(sha256sum -- "${regular[@]}")
}

# hd_remember: the current scan becomes the state before the next run.
hd_remember() {
	local k
	HD_OLD=()
	for k in "${!HD_CUR[@]}"; do
		HD_OLD[$k]=${HD_CUR[$k]}
	done
}

# hd_pubkey FILE SUM: set HD_PUB to an id of the public key of FILE (whose
# sha256 is SUM) if it holds a private key first that matches its first
# certificate and ends with a whole certificate, else to "bad".  Cached by
# SUM: call it directly, not in $( ), or the cache is lost.
hd_pubkey() {
	local f=$1 sum=$2 a b first last
	local -a lines
	if [ -n "${_hd_pub[$sum]:-}" ]; then
		HD_PUB=${_hd_pub[$sum]}
		return 0
	fi
	mapfile -t lines <"$f"
	first=${lines[0]:-}
	last=${lines[${#lines[@]} - 1]:-}
	if [[ $first == -----BEGIN*PRIVATE\ KEY----- ]] &&
	    [ "$last" = "-----END CERTIFICATE-----" ] &&
	    a=$(openssl pkey -in "$f" -pubout 2>/dev/null) &&
	    b=$(openssl x509 -in "$f" -noout -pubkey 2>/dev/null) &&
	    [ -n "$a" ] && [ "$a" = "$b" ]; then
		a=${a//$'\n'/}
		_hd_pub[$sum]=${a:26:24}..${a: -48:24}
	else
		_hd_pub[$sum]=bad
	fi
	HD_PUB=${_hd_pub[$sum]}
}

# _hd_split ENTRY: HD_F=(type uid gid mode nlink sum) of an entry.
_hd_split() {
	IFS='|' read -r -a HD_F <<<"$1"
}

# _hd_why MSG: explain a violation and return 1.
_hd_why() {
	printf 'invariant broken: %s\n' "$1" >&2
	return 1
}

# hd_check DIR: check the invariant against HD_OLD; sets HD_STATE[name] to
# old, new or absent (nothing there before or after).
hd_check() {
	local dir=$1 n cur old type uid gid mode nlink sum tgt base
	local -a o
	HD_STATE=()
	hd_scan "$dir"
	for n in $HD_NAMES; do
		cur=${HD_CUR[$n]:-}
		old=${HD_OLD[$n]:-}
		if [ "$cur" = "$old" ]; then
			HD_STATE[$n]=old
			[ -n "$cur" ] || HD_STATE[$n]=absent
			continue
		fi
		[ -n "$cur" ] || { _hd_why "$n: was '$old', now missing"; return 1; }
		IFS='|' read -r type uid gid mode nlink sum <<<"$cur"
		[ "$type" = f ] && [ "$nlink" = 1 ] ||
		    { _hd_why "$n: '$cur' is not a regular file with one link (was '$old')"; return 1; }
		tgt=${HD_TARGET[$n]}
		if [ "$uid|$gid|$mode" = "$tgt" ]; then
			hd_pubkey "$dir/$n" "$sum"
			[ "$HD_PUB" != bad ] ||
			    { _hd_why "$n: has the target owner and mode but is not a whole key and certificate that match ('$cur', was '$old')"; return 1; }
			HD_STATE[$n]=new
			continue
		fi
		_hd_why "$n: a third state '$cur' (was '$old', target $tgt)"
		return 1
	done
	for n in "${!HD_CUR[@]}"; do
		case " $HD_NAMES " in *" $n "*) continue ;; esac
		cur=${HD_CUR[$n]}
		[ "$cur" != "${HD_OLD[$n]:-}" ] || continue
		[ -z "${HD_OLD[$n]:-}" ] ||
		    { _hd_why "$n changed: '${HD_OLD[$n]}' -> '$cur'"; return 1; }
		IFS='|' read -r type uid gid mode nlink sum <<<"$cur"
		case $n in
		"$HD_TEMP_PREFIX"*)
			[ "$HD_ALLOW_TEMPS" = 1 ] ||
			    { _hd_why "temp file left behind: $n '$cur'"; return 1; }
			[ "$type" = f ] && [ "$nlink" = 1 ] ||
			    { _hd_why "temp $n is not a regular file with one link: '$cur'"; return 1; }
			base=${n#"$HD_TEMP_PREFIX"}
			base=${base%.*}
			tgt=
			case $base in
			servercert.pem | clientcert.pem) tgt=${HD_TARGET[$base]} ;;
			esac
			if [ "$uid" = 0 ] && [ $((8#$mode & 8#077)) -eq 0 ]; then
				:
			elif [ -n "$tgt" ] && [ "$uid|$gid|$mode" = "$tgt" ]; then
				:
			else
				_hd_why "temp $n is readable beyond root and its final reader: '$cur'"
				return 1
			fi
			;;
		.qmail-pem-rollback)
			# An interrupted rollback's note (file names only).
			[ "$type|$uid|$gid|$mode|$nlink" = "f|0|0|600|1" ] ||
			    { _hd_why "rollback note $n is not a root:root 0600 file: '$cur'"; return 1; }
			;;
		servercert.pem.*.bak | clientcert.pem.*.bak)
			if [ "$type" = l ]; then
				base=${n%%.pem.*}.pem
				IFS='|' read -r -a o <<<"${HD_OLD[$base]:-}"
				[ "${o[0]:-}" = l ] && [ "$sum" = "${o[5]}" ] ||
				    { _hd_why "backup $n is a symlink '$cur' that $base was not"; return 1; }
				continue
			fi
			[ "$type|$uid|$gid|$mode|$nlink" = "f|0|0|600|1" ] ||
			    { _hd_why "backup $n is not a root:root 0600 file: '$cur'"; return 1; }
			hd_pubkey "$dir/$n" "$sum"
			[ "$HD_PUB" != bad ] ||
			    { _hd_why "backup $n is not a whole key and certificate"; return 1; }
			;;
		*)
			_hd_why "unexpected new entry $n: '$cur'"
			return 1
			;;
		esac
	done
	# Only temp files (an earlier run's leftovers) and old backups (pruned
	# by rotate, used by rollback) may go away.
	for n in "${!HD_OLD[@]}"; do
		[ -z "${HD_CUR[$n]:-}" ] || continue
		case $n in
		"$HD_TEMP_PREFIX"* | servercert.pem | clientcert.pem) ;;
		.qmail-pem-rollback) ;;
		# install --cert moves the pending key into servercert.pem.
		servercert.pem.pending-key) ;;
		servercert.pem.*.bak | clientcert.pem.*.bak) ;;
		*) _hd_why "$n was removed ('${HD_OLD[$n]}')"; return 1 ;;
		esac
	done
	return 0
}

# hd_new_entries: set HD_NEW to the names in HD_CUR that were not in HD_OLD.
hd_new_entries() {
	local n
	HD_NEW=()
	for n in "${!HD_CUR[@]}"; do
		[ -n "${HD_OLD[$n]:-}" ] || HD_NEW+=("$n")
	done
}

# _hd_pub_of ARRAY NAME: set HD_PUB to the key id of NAME in HD_CUR or
# HD_OLD (ARRAY), following a symlink to a name in the directory; "none"
# when there is no such file or its key is not known.
_hd_pub_of() {
	local -n arr=$1
	local -a f
	IFS='|' read -r -a f <<<"${arr[$2]:-}"
	if [ "${f[0]:-}" = l ]; then
		IFS='|' read -r -a f <<<"${arr[${f[5]}]:-}"
	fi
	HD_PUB=none
	[ "${f[0]:-}" = f ] || return 0
	HD_PUB=${_hd_pub[${f[5]}]:-none}
}

# hd_check_target DIR KEYS: the state a successful run must leave: both
# files new (target owner and mode, whole, key matching), no temp file.
# KEYS: shared (both files hold the same key), distinct, or any; add
# ",fresh" to require keys other than those before the run (HD_OLD, whose
# keys hd_learn must have seen), ",kept" to require servercert.pem's old key.
hd_check_target() {
	local dir=$1 keys=$2 n pub_s pub_c old_s old_c
	local save=$HD_ALLOW_TEMPS
	HD_ALLOW_TEMPS=0
	hd_check "$dir" || { HD_ALLOW_TEMPS=$save; return 1; }
	HD_ALLOW_TEMPS=$save
	[ -z "${HD_CUR[.qmail-pem-rollback]:-}" ] ||
	    { _hd_why "the rollback note is still there"; return 1; }
	for n in $HD_NAMES; do
		[ "${HD_STATE[$n]}" = new ] ||
		    { _hd_why "$n is not in its target state: '${HD_CUR[$n]:-}'"; return 1; }
	done
	_hd_pub_of HD_CUR servercert.pem; pub_s=$HD_PUB
	_hd_pub_of HD_CUR clientcert.pem; pub_c=$HD_PUB
	_hd_pub_of HD_OLD servercert.pem; old_s=$HD_PUB
	_hd_pub_of HD_OLD clientcert.pem; old_c=$HD_PUB
	case $keys in
	shared*)
		[ "$pub_s" = "$pub_c" ] ||
		    { _hd_why "servercert.pem and clientcert.pem hold different keys"; return 1; }
		;;
	distinct*)
		[ "$pub_s" != "$pub_c" ] ||
		    { _hd_why "servercert.pem and clientcert.pem hold the same key"; return 1; }
		;;
	esac
	case $keys in
	*,fresh)
		if [ "$pub_s" = "$old_s" ] || [ "$pub_s" = "$old_c" ] ||
		    [ "$pub_c" = "$old_s" ] || [ "$pub_c" = "$old_c" ]; then
			_hd_why "a key was kept where a new one was asked for"
			return 1
		fi
		;;
	*,kept)
		[ "$pub_s" = "$old_s" ] ||
		    { _hd_why "servercert.pem lost its key ($old_s -> $pub_s)"; return 1; }
		;;
	esac
	return 0
}

# hd_learn DIR: scan DIR and learn the keys of its regular files (so that
# hd_check_target knows the keys of the state before a run).
hd_learn() {
	local dir=$1 n
	local -a f
	hd_scan "$dir"
	for n in "${!HD_CUR[@]}"; do
		IFS='|' read -r -a f <<<"${HD_CUR[$n]}"
		[ "${f[0]}" = f ] || continue
		hd_pubkey "$dir/$n" "${f[5]}"
	done
}

# hd_one_line_message FILE DIR: the stderr in FILE is one line starting with
# "qmail-pem: " that names DIR, a path inside it (DIR/me), one of its
# parents (the safety walk) or one of the key files.
hd_one_line_message() {
	local f=$1 d=$2 n text
	# nss_wrapper's own lines (NWRAP_ERROR ...) when the injected fault
	# hits its read of the test's passwd file are the harness's, not
	# qmail-pem's: the user database then fails as a real one would.
	grep -v '^NWRAP_' "$f" >"$f.own" || :
	f=$f.own
	n=$(wc -l <"$f")
	text=$(head -c 600 "$f")
	[ "$n" -eq 1 ] ||
	    { _hd_why "stderr has $n lines, want one: $text"; return 1; }
	[[ $text == "qmail-pem: "* ]] ||
	    { _hd_why "stderr does not start with 'qmail-pem: ': $text"; return 1; }
	case $text in
	*servercert.pem* | *clientcert.pem* | *" $d/"*) return 0 ;;
	# A fault in the read of the user database (the test's nss_wrapper
	# files are read with the same calls) fails the look-up as a real
	# database would, and the message names the user or group.
	*" does not exist on this system"*) return 0 ;;
	esac
	while :; do
		case $text in
		*" $d"[:\ \;,]* | *" $d") return 0 ;;
		esac
		[ "$d" != / ] || break
		d=${d%/*}
		[ -n "$d" ] || d=/
	done
	_hd_why "the message names neither $2 (or a parent) nor a key file: $text"
	return 1
}

# hd_is_sanitized: true when $QP_BUILDDIR is the ASan/UBSan build.
hd_is_sanitized() {
	grep -q '^QMAIL_PEM_SANITIZE:BOOL=ON' "$QP_BUILDDIR/CMakeCache.txt" 2>/dev/null
}

# hd_has_command NAME: true if the built qmail-pem has the command NAME.
# (A probe of the test's, run outside memcheck in a valgrind_ twin.)
hd_has_command() {
	"${QP_NATIVE:-$QMAIL_PEM}" --help 2>/dev/null | grep -q "^  $1 "
}

# hd_want CMD KEYS: the state the next run of CMD must reach after a
# failed or killed one.  A rotation stopped between its two renames leaves
# two keys, which the next rotate keeps distinct (each file stays whole and
# valid, which is the promise per file).  Call after hd_check (HD_STATE).
hd_want() {
	if [ "${HD_STATE[servercert.pem]}" != "${HD_STATE[clientcert.pem]}" ] &&
	    [[ $1 == rotate* ]]; then
		echo "any,${2#*,}"
	else
		echo "$2"
	fi
}

# hd_next_run CTL CMD WANT ERRFILE: CMD run again on CTL, without faults,
# exits 0 and leaves the state WANT; else 1, the reason on stdout.
hd_next_run() {
	local st=0
	# shellcheck disable=SC2086  # CMD is words
	"$QMAIL_PEM" $2 -d "$1" >/dev/null 2>"$4" || st=$?
	if [ "$st" -ne 0 ]; then
		echo "the next run failed ($st): $(cat "$4")"
		return 1
	fi
	if ! hd_check_target "$1" "$3" 2>"$4"; then
		echo "the next run did not reach the target state: $(cat "$4")"
		return 1
	fi
}

# hd_run_scenarios: the function `scenario NAME FROM CMD KEYS' for each
# line NAME|FROM|CMD|KEYS of $scenarios, as many at a time as there are
# CPUs (at least two), each logging to $QP_TMP/log.NAME.
hd_run_scenarios() {
	local name from cmd keys jobs_max
	jobs_max=$(nproc)
	[ "$jobs_max" -ge 2 ] || jobs_max=2
	while IFS='|' read -r name from cmd keys; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
			wait -n || true
		done
		scenario "$name" "$from" "$cmd" "$keys" >"$QP_TMP/log.$name" 2>&1 &
	done <<<"$scenarios"
	wait
}

# hd_scenario_result NAME CMD: the "SUMMARY NAME RUNS EVENTS FAILURES" line
# of the scenario's log into HD_RUNS and HD_EVENTS; fails the test, with
# the log's FAIL lines, if the scenario did not finish or broke the promise.
hd_scenario_result() {
	local log=$QP_TMP/log.$1 summary failures
	summary=$(grep '^SUMMARY ' "$log" || true)
	if [ -z "$summary" ]; then
		cat "$log" >&2
		qp_fail "scenario $1 ($2) did not finish"
	fi
	read -r _ _ HD_RUNS HD_EVENTS failures <<<"$summary"
	if [ "$failures" -ne 0 ]; then
		grep -A 30 '^FAIL' "$log" >&2 || true
		qp_fail "scenario $1 ($2): $failures run(s) broke the promise"
	fi
}
