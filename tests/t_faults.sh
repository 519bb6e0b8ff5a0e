#!/bin/bash
# t_faults.sh: every file-system call that qmail-pem makes while it writes
# fails once, in turn, and each time the promise holds.
#
# For each scenario (a fresh install; the repair of the qmailrocks layout;
# a repair of owners and modes; install --new-key over a pair, with shared and
# distinct keys; rotate and rollback when the binary has them) a reference
# run under strace counts, per system call, how often qmail-pem makes it
# after it first touches the control directory (the calls before, made by
# the dynamic loader, nss_wrapper and OpenSSL's start-up, are left alone).
# Then, for every such write-path call and every occurrence N (and every
# fourth occurrence of read, close and fstat), the command runs again under
#	strace -e trace=CALL -e inject=CALL:error=ERRNO:when=N
# with ERRNO taken in turn from EIO ENOSPC EDQUOT EACCES EINTR, and:
#   (a) each key file is the old one or a whole, valid new one with its
#       final owner and mode, never a third state (tests/hardening.sh);
#   (b) no temp file is left behind;
#   (c) exit 0 means the new state; any other exit is an EX_* status with
#       one line on stderr naming the directory or the file, and when both
#       files are still the old ones the directory is exactly as before
#       (no backup or temp of the failed run is left);
#   (d) the same command run again without faults succeeds and leaves the
#       target state.
# A second pass fails the write of each new file and every unlinkat after
# it (the clean-up itself fails): the temp file that must then stay is
# readable by no one but root or its reader, and the next run removes it.
#
# Faults go to qmail-pem's own process only (strace without -f).  The
# injections that strace reports as made are counted and printed.
# After a run that exits 0 (a harmless fault: EINTR retried) (d) is not
# repeated.  QP_FAULT_LIMIT caps the injections per scenario (default: all; the
# ASan/UBSan build uses 25 per scenario, evenly spread, its valgrind_ twin
# 5, and says so).
# valgrind: slow (under memcheck: a run per fault, even capped)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
. "$QP_SRCDIR/tests/hardening.sh"
qp_require strace sha256sum

# The write path: a fault at every occurrence.  READ_CALLS (reading the
# inputs, fstat, close) are sampled: every READ_STRIDE-th occurrence, from
# an offset that differs between scenarios, to keep the run short.
CALLS="openat write readlinkat fsync fdatasync fchown fchmod fchownat
renameat renameat2 rename linkat unlinkat unlink mkdirat symlinkat flock
getrandom ftruncate fsetxattr"
READ_CALLS="read close newfstatat"
READ_STRIDE=4
# Under valgrind (the valgrind_ twin) read and write are left alone: the
# valgrind core makes them too, on its scheduler's pipe, and a fault there
# stops valgrind itself.  Every other call is injected into as above, and
# the second pass (which fails writes) is not made.
if qp_under_valgrind; then
	# shellcheck disable=SC2086  # one call per word
	CALLS=$(printf '%s\n' $CALLS | grep -vx write)
	READ_CALLS="close newfstatat"
fi
ERRNOS=(EIO ENOSPC EDQUOT EACCES EINTR)

limit=${QP_FAULT_LIMIT:-0}
if [ "$limit" = 0 ] && qp_under_valgrind; then
	limit=5
	echo "# under valgrind: at most $limit injections per scenario (QP_FAULT_LIMIT)"
elif [ "$limit" = 0 ] && hd_is_sanitized; then
	limit=25
	echo "# ASan/UBSan build: at most $limit injections per scenario (QP_FAULT_LIMIT)"
fi

# --- templates: the directory each scenario starts from --------------------

tpl=$QP_TMP/tpl
mkdir -m 0755 "$tpl"

# A pair as qmail-pem install leaves it.
mk_pair() {
	local d=$tpl/pair
	mkdir -m 0755 "$d"
	printf 'mail.example.com\n' >"$d/me"
	"$QMAIL_PEM" install -q --key-type ec-p256 -d "$d" ||
	    qp_fail "cannot make the pair template"
}
mk_pair

mkdir -m 0755 "$tpl/fresh"
printf 'mail.example.com\n' >"$tpl/fresh/me"

# qmailrocks: openssl req's PKCS#8 key and the certificate in one 0644 file,
# clientcert.pem a symlink to it.
mkdir -m 0755 "$tpl/qmailrocks"
printf 'mail.example.com\n' >"$tpl/qmailrocks/me"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.com \
    -keyout "$QP_TMP/qr.key" -out "$QP_TMP/qr.crt" 2>/dev/null ||
    qp_fail "openssl req failed"
cat "$QP_TMP/qr.key" "$QP_TMP/qr.crt" >"$tpl/qmailrocks/servercert.pem"
chmod 0644 "$tpl/qmailrocks/servercert.pem"
ln -s servercert.pem "$tpl/qmailrocks/clientcert.pem"
rm -f "$QP_TMP/qr.key" "$QP_TMP/qr.crt"

# Right bytes, wrong owners and modes: repaired (the same bytes in a new
# file renamed over the old one).
cp -a "$tpl/pair" "$tpl/perms"
chown 0:0 "$tpl/perms/servercert.pem" "$tpl/perms/clientcert.pem"
chmod 0644 "$tpl/perms/servercert.pem" "$tpl/perms/clientcert.pem"

# For rollback: a pair that replaced an older pair (backups present).
if hd_has_command rollback; then
	cp -a "$tpl/pair" "$tpl/rollback"
	"$QMAIL_PEM" install -q --new-key --key-type ec-p256 \
	    -d "$tpl/rollback" ||
	    qp_fail "cannot make the rollback template"
fi

# For install --cert without --key: a key made by csr --new-key
# (servercert.pem.pending-key) and the certificate a CA signed for it; the
# run moves the key into both files and removes the pending key, a removal
# without a backup that cannot be undone.
pending_cert=
if hd_has_command csr; then
	cp -a "$tpl/pair" "$tpl/pending"
	"$QMAIL_PEM" csr -q --new-key --key-type ec-p256 -d "$tpl/pending" \
	    --output "$QP_TMP/pending.csr" ||
	    qp_fail "cannot make the pending key"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 30 -subj "/CN=qmail-pem fault test CA" -keyout "$QP_TMP/ca.key" \
	    -out "$QP_TMP/ca.crt" 2>/dev/null || qp_fail "cannot make the test CA"
	openssl x509 -req -in "$QP_TMP/pending.csr" -CA "$QP_TMP/ca.crt" \
	    -CAkey "$QP_TMP/ca.key" -CAcreateserial -days 30 \
	    -copy_extensions copy -out "$QP_TMP/pending.crt" 2>/dev/null ||
	    qp_fail "cannot sign the request"
	pending_cert=$QP_TMP/pending.crt
fi

# name|template|command (after "qmail-pem")|key check after success.
# New keys are P-256 (-q silences the warning that it is not RSA): the
# write path is the same and the runs cost a tenth of RSA key generation;
# the qmailrocks scenario keeps its RSA key.
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
if [ -n "$pending_cert" ]; then
	scenarios="$scenarios
pending|pending|install -q --cert $pending_cert|shared,fresh"
fi
if hd_has_command rollback; then
	scenarios="$scenarios
rollback|rollback|rollback -q|shared"
else
	echo "# qmail-pem has no rollback command: the rollback scenario is not run"
fi

# --- one scenario ------------------------------------------------------------

# Everything below runs in a background job per scenario; it reports on
# stdout ("ran ...", "FAIL ...") and ends with one SUMMARY line.
scenario() {
	local name=$1 from=$2 cmd=$3 keys=$4
	local w=$QP_TMP/w.$name ctl point sc pre total n e i=0 runs=0 inj=0
	local failures=0 st injected points=() writes=() sel step k
	mkdir -m 0755 "$w"
	ctl=$w/control
	restore() { rm -rf -- "$ctl" && cp -a -- "$tpl/$from" "$ctl"; }

	fail() {
		failures=$((failures + 1))
		printf 'FAIL %s: %s\n' "$name" "$1"
		printf '  status %s; stderr: %s\n' "${st:-?}" "$(head -c 800 "$w/err" 2>/dev/null)"
		ls -la "$ctl" | sed 's/^/  /'
	}

	# The reference run: how often each call happens after start-up.
	restore
	hd_learn "$ctl"
	hd_remember
	# shellcheck disable=SC2086  # cmd is words
	strace -o "$w/ref" -e trace="$(echo $CALLS $READ_CALLS | tr ' ' ,)" \
	    "$QMAIL_PEM" $cmd -d "$ctl" >"$w/out" 2>"$w/err" || {
		st=$?
		fail "the reference run failed"
		echo "SUMMARY $name 0 0 1"
		return 0
	}
	while read -r sc pre total; do
		if [ "$sc" = @write ]; then
			writes+=("$pre $total")
			continue
		fi
		step=1
		case " $READ_CALLS " in
		*" $sc "*) step=$READ_STRIDE ;;
		esac
		for ((n = pre + 1 + ${#name} % step; n <= total; n += step)); do
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
	    c == "write" && m && $0 !~ /^write\([12],/ { w[++nw] = total[c] }
	    END {
		for (k in total) print k, pre[k] + 0, total[k]
		for (i = 1; i <= nw; i++) print "@write", w[i], w[i]
	    }' "$w/ref" | sort)
	# "@write N N" lines (the writes into files) went to the second pass.
	echo "ran $name: reference: $(awk '!/^(\+\+\+|---)/ { sub(/\(.*/, ""); n[$0]++ } END { for (k in n) printf "%s=%d ", k, n[k] }' "$w/ref")"
	echo "ran $name: ${#points[@]} injection points after start-up (every $READ_STRIDE-th of $READ_CALLS)"
	if [ "$limit" -gt 0 ] && [ "${#points[@]}" -gt "$limit" ]; then
		sel=()
		for ((k = 0; k < limit; k++)); do
			sel+=("${points[$((k * ${#points[@]} / limit))]}")
		done
		points=("${sel[@]}")
		echo "ran $name: $limit of them (QP_FAULT_LIMIT)"
	fi

	# Pass 1: one fault per run.
	HD_ALLOW_TEMPS=0
	for point in "${points[@]}"; do
		sc=${point% *}
		n=${point#* }
		e=${ERRNOS[$(((i + ${#name}) % ${#ERRNOS[@]}))]}
		i=$((i + 1))
		restore
		st=0
		# shellcheck disable=SC2086
		ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
		    timeout -k 5 120 strace -o "$w/trace" -e trace="$sc" \
		    -e inject="$sc:error=$e:when=$n" \
		    "$QMAIL_PEM" $cmd -d "$ctl" >"$w/out" 2>"$w/err" || st=$?
		runs=$((runs + 1))
		injected=$(grep -c 'INJECTED' "$w/trace" || true)
		inj=$((inj + injected))
		one_check "$sc:$e:when=$n" || true
		[ "$failures" -lt 5 ] || break
	done

	# Pass 2: the write into a new file fails, and so does every unlinkat.
	qp_under_valgrind && writes=()
	HD_ALLOW_TEMPS=1
	for point in "${writes[@]}"; do
		n=${point% *}
		[ "$failures" -lt 5 ] || break
		restore
		st=0
		# shellcheck disable=SC2086
		ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
		    timeout -k 5 120 strace -o "$w/trace" \
		    -e trace=write,unlinkat,unlink \
		    -e inject="write:error=ENOSPC:when=$n" \
		    -e inject="unlinkat:error=EIO:when=1+" \
		    -e inject="unlink:error=EIO:when=1+" \
		    "$QMAIL_PEM" $cmd -d "$ctl" >"$w/out" 2>"$w/err" || st=$?
		runs=$((runs + 1))
		injected=$(grep -c 'INJECTED' "$w/trace" || true)
		inj=$((inj + injected))
		one_check "write:ENOSPC:when=$n+unlinkat:EIO" || true
	done
	HD_ALLOW_TEMPS=0
	echo "SUMMARY $name $runs $inj $failures"
}

# one_check WHAT: the assertions (a)-(d) after one faulty run.
one_check() {
	local what=$1 ent temps=0 why
	if ! hd_check "$ctl" 2>"$w/why"; then
		fail "$what: $(cat "$w/why")"
		return 1
	fi
	if [ "$st" -eq 0 ]; then
		if ! hd_check_target "$ctl" "$keys" 2>"$w/why"; then
			fail "$what: exit 0 but not the new state: $(cat "$w/why")"
			return 1
		fi
	else
		if [ "$st" -lt 64 ] || [ "$st" -gt 78 ]; then
			fail "$what: exit status $st is not a sysexits.h code"
			return 1
		fi
		# Key generation that finds no entropy (getrandom) fails
		# before any file is touched, and says so.
		if [[ $what == getrandom:* ]] &&
		    grep -qx 'qmail-pem: cannot generate a [a-z0-9-]* key' "$w/err"; then
			:
		elif ! hd_one_line_message "$w/err" "$ctl" 2>"$w/why"; then
			fail "$what: $(cat "$w/why")"
			return 1
		fi
		if [[ ${HD_STATE[servercert.pem]} =~ old|absent ]] &&
		    [[ ${HD_STATE[clientcert.pem]} =~ old|absent ]]; then
			hd_new_entries
			for ent in "${HD_NEW[@]}"; do
				case $ent in
				"$HD_TEMP_PREFIX"*) [ "$HD_ALLOW_TEMPS" = 1 ] && continue ;;
				*.bak | .qmail-pem-rollback)
					[ "$HD_ALLOW_TEMPS" = 1 ] && continue ;;
				esac
				fail "$what: failed before replacing anything but left $ent"
				return 1
			done
		fi
	fi
	hd_new_entries
	for ent in "${HD_NEW[@]}"; do
		case $ent in "$HD_TEMP_PREFIX"*) temps=$((temps + 1)) ;; esac
	done
	# (d) after a failure, the next run, without faults, gets there.
	[ "$st" -ne 0 ] || [ "$temps" -ne 0 ] || return 0
	if ! why=$(hd_next_run "$ctl" "$cmd" "$(hd_want "$cmd" "$keys")" \
	    "$w/err2"); then
		fail "$what: $why"
		return 1
	fi
	[ "$temps" -eq 0 ] || echo "ran $name $what: $temps temp file(s) left, removed by the next run"
	return 0
}

# --- run the scenarios, two at a time ---------------------------------------

started=$(date +%s)
hd_run_scenarios

total_runs=0
total_inj=0
while IFS='|' read -r name _ cmd _; do
	grep -E '^(ran|#)' "$QP_TMP/log.$name" | head -5 || true
	hd_scenario_result "$name" "$cmd"
	runs=$HD_RUNS
	inj=$HD_EVENTS
	total_runs=$((total_runs + runs))
	total_inj=$((total_inj + inj))
	[ "$inj" -gt 0 ] || qp_fail "scenario $name ($cmd): no fault was injected"
	qp_ok "scenario $name ($cmd): $runs faulty runs, $inj faults injected, old or new every time"
done <<<"$scenarios"

echo "# injected faults: $total_inj in $total_runs runs ($(($(date +%s) - started)) s)"
if [ "$limit" -eq 0 ]; then
	[ "$total_inj" -ge 200 ] ||
	    qp_fail "only $total_inj faults injected; expected hundreds"
	qp_ok "hundreds of faults injected ($total_inj)"
fi
qp_done
