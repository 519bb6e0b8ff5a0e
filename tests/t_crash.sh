#!/bin/bash
# t_crash.sh: qmail-pem killed with SIGKILL at every write-path system call
# of an install, a repair or a rotation; each time the promise holds.
#
# For each scenario a reference run under strace lists the write-path calls
# (openat, write, fsync, fchown, fchmod, renameat, linkat, unlinkat, ...)
# qmail-pem makes after it first touches the control directory.  Then, for
# every such call and every occurrence N, the command runs again under
#	strace -e trace=CALL -e inject=CALL:signal=KILL:when=N
# (killed on entry to that call: nothing after it happens, no clean-up), and:
#   (a) each key file is the old one or a whole, valid new one with its final
#       owner and mode (tests/hardening.sh); a temp file may stay (a killed
#       run cannot remove it) but only readable by root or its final reader;
#   (b) the next run without faults succeeds, reaches the target state and
#       removes every temp file the killed run left (a rollback killed
#       after its last change is complete, and is not run again: a second
#       rollback undoes the first; one killed earlier leaves a note that
#       the next rollback finishes).
# The number of kills is printed.  QP_CRASH_LIMIT caps the kills per
# scenario (default: all; the ASan/UBSan build uses 15, evenly spread, its
# valgrind_ twin 2, and says so).
# valgrind: slow (a killed run never gets to memcheck's leak check: little gain for its time)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
. "$QP_SRCDIR/tests/hardening.sh"
qp_require strace

CALLS="openat write fsync fdatasync fchown fchmod fchownat renameat renameat2
rename linkat unlinkat unlink mkdirat symlinkat flock ftruncate fsetxattr"

limit=${QP_CRASH_LIMIT:-0}
if [ "$limit" = 0 ] && qp_under_valgrind; then
	limit=2
	echo "# under valgrind: at most $limit kills per scenario (QP_CRASH_LIMIT)"
elif [ "$limit" = 0 ] && hd_is_sanitized; then
	limit=15
	echo "# ASan/UBSan build: at most $limit kills per scenario (QP_CRASH_LIMIT)"
fi

tpl=$QP_TMP/tpl
mkdir -m 0755 "$tpl" "$tpl/fresh"
printf 'mail.example.com\n' >"$tpl/fresh/me"
cp -a "$tpl/fresh" "$tpl/pair"
"$QMAIL_PEM" install -q --key-type ec-p256 -d "$tpl/pair" ||
    qp_fail "cannot make the pair template"
# qmailrocks: one 0644 file, clientcert.pem a symlink to it.
mkdir -m 0755 "$tpl/qmailrocks"
printf 'mail.example.com\n' >"$tpl/qmailrocks/me"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 30 -subj /CN=mail.example.com -keyout "$QP_TMP/qr.key" \
    -out "$QP_TMP/qr.crt" 2>/dev/null || qp_fail "openssl req failed"
cat "$QP_TMP/qr.key" "$QP_TMP/qr.crt" >"$tpl/qmailrocks/servercert.pem"
chmod 0644 "$tpl/qmailrocks/servercert.pem"
ln -s servercert.pem "$tpl/qmailrocks/clientcert.pem"
rm -f "$QP_TMP/qr.key" "$QP_TMP/qr.crt"
# A repair: the right bytes with other owners and modes (servercert.pem
# was a user's, clientcert.pem world-readable).  Killed anywhere, each file
# is the old one or the new one, owner and mode included: never the old
# bytes with half of the new owner and mode.
cp -a "$tpl/pair" "$tpl/perms"
chown qmaild:nofiles "$tpl/perms/servercert.pem"
chmod 0600 "$tpl/perms/servercert.pem"
chown 0:0 "$tpl/perms/clientcert.pem"
chmod 0644 "$tpl/perms/clientcert.pem"

ec="--key-type ec-p256"
scenarios="fresh|fresh|install -q $ec|shared
qmailrocks|qmailrocks|install -q|shared,kept
perms|perms|install -q|shared,kept
newkey|pair|install -q --new-key $ec|shared,fresh
distinct|pair|install -q --new-key --distinct-keys $ec|distinct,fresh"
if hd_has_command rotate; then
	scenarios="$scenarios
rotate|pair|rotate -q|shared,fresh"
else
	echo "# qmail-pem has no rotate command: the rotate scenario is not run"
fi
if hd_has_command rollback; then
	cp -a "$tpl/pair" "$tpl/rollback"
	"$QMAIL_PEM" install -q --new-key $ec -d "$tpl/rollback" ||
	    qp_fail "cannot make the rollback template"
	scenarios="$scenarios
rollback|rollback|rollback -q|shared"
else
	echo "# qmail-pem has no rollback command: the rollback scenario is not run"
fi

# scenario NAME FROM CMD KEYS: prints "ran ..." / "FAIL ..." lines and one
# "SUMMARY name runs kills failures" line.
scenario() {
	local name=$1 from=$2 cmd=$3 keys=$4
	local w=$QP_TMP/w.$name ctl sc pre total n k st why temps ent want
	local runs=0 kills=0 failures=0 points=() sel=()
	mkdir -m 0755 "$w"
	ctl=$w/control
	restore() { rm -rf -- "$ctl" && cp -a -- "$tpl/$from" "$ctl"; }
	fail() {
		failures=$((failures + 1))
		printf 'FAIL %s: %s\n' "$name" "$1"
		ls -la "$ctl" | sed 's/^/  /'
	}

	restore
	# shellcheck disable=SC2086  # cmd is words
	strace -o "$w/ref" -e trace="$(echo $CALLS | tr ' ' ,)" \
	    "$QMAIL_PEM" $cmd -d "$ctl" >/dev/null 2>"$w/err" || {
		fail "the reference run failed: $(cat "$w/err")"
		echo "SUMMARY $name 0 0 1"
		return 0
	}
	while read -r sc pre total; do
		for ((n = pre + 1; n <= total; n++)); do
			points+=("$sc $n")
		done
	done < <(awk -v dir="$ctl" -v base="\"${ctl##*/}\"" '
	    /^(\+\+\+|---)/ { next }
	    { c = $0; sub(/\(.*/, "", c) }
	    # The first touch of the control directory: its path, or its
	    # last component opened as a directory (qmail-pem walks the
	    # path one component at a time).
	    !m && c != "execve" && (index($0, dir) ||
		(index($0, base) && index($0, "O_DIRECTORY"))) { m = 1 }
	    { total[c]++; if (!m) pre[c]++ }
	    END { for (k in total) print k, pre[k] + 0, total[k] }' "$w/ref" | sort)
	echo "ran $name: ${#points[@]} kill points after start-up"
	if [ "$limit" -gt 0 ] && [ "${#points[@]}" -gt "$limit" ]; then
		for ((k = 0; k < limit; k++)); do
			sel+=("${points[$((k * ${#points[@]} / limit))]}")
		done
		points=("${sel[@]}")
		echo "ran $name: $limit of them (QP_CRASH_LIMIT)"
	fi

	for point in "${points[@]}"; do
		[ "$failures" -lt 5 ] || break
		sc=${point% *}
		n=${point#* }
		restore
		hd_learn "$ctl"
		hd_remember
		st=0
		# shellcheck disable=SC2086
		ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
		    timeout -k 5 120 strace -o "$w/trace" -e trace="$sc" \
		    -e inject="$sc:signal=KILL:when=$n" \
		    "$QMAIL_PEM" $cmd -d "$ctl" >/dev/null 2>&1 || st=$?
		runs=$((runs + 1))
		if ! grep -q 'killed by SIGKILL' "$w/trace"; then
			fail "$sc:when=$n: qmail-pem was not killed (status $st)"
			continue
		fi
		kills=$((kills + 1))
		HD_ALLOW_TEMPS=1
		if ! hd_check "$ctl" 2>"$w/why"; then
			fail "kill at $sc:when=$n: $(cat "$w/why")"
			continue
		fi
		hd_new_entries
		temps=0
		for ent in "${HD_NEW[@]}"; do
			case $ent in "$HD_TEMP_PREFIX"*) temps=$((temps + 1)) ;; esac
		done
		# (b) the next run; hd_check_target allows no temp file.
		want=$(hd_want "$cmd" "$keys")
		# rollback is not idempotent (a second one undoes the first):
		# killed after its last change, it is done, and is not re-run.
		if [[ $cmd == rollback* ]] && [ "$temps" -eq 0 ] &&
		    hd_check_target "$ctl" "$want" 2>/dev/null; then
			echo "ran $name kill at $sc:when=$n: the rollback was complete"
			continue
		fi
		if ! why=$(hd_next_run "$ctl" "$cmd" "$want" "$w/err2"); then
			fail "kill at $sc:when=$n: $why"
			continue
		fi
		[ "$temps" -eq 0 ] ||
		    echo "ran $name kill at $sc:when=$n: $temps temp file(s) left, removed by the next run"
	done
	echo "SUMMARY $name $runs $kills $failures"
}

started=$(date +%s)
hd_run_scenarios

total_runs=0
total_kills=0
total_temps=0
while IFS='|' read -r name _ cmd _; do
	hd_scenario_result "$name" "$cmd"
	kills=$HD_EVENTS
	total_runs=$((total_runs + HD_RUNS))
	total_kills=$((total_kills + kills))
	total_temps=$((total_temps + $(grep -c 'temp file(s) left' "$QP_TMP/log.$name" || true)))
	[ "$kills" -gt 0 ] || qp_fail "scenario $name ($cmd): never killed"
	qp_ok "scenario $name ($cmd): killed $kills times, old or new every time, the next run cleaned up"
done <<<"$scenarios"

echo "# SIGKILLs: $total_kills in $total_runs runs; $total_temps left temp files that the next run removed ($(($(date +%s) - started)) s)"
if [ "$limit" -eq 0 ]; then
	[ "$total_kills" -ge 100 ] ||
	    qp_fail "only $total_kills kill points; expected well over a hundred"
	[ "$total_temps" -gt 0 ] ||
	    qp_fail "no kill left a temp file: the clean-up of the next run was never exercised"
fi
qp_done
