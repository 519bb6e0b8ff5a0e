#!/bin/bash
# t_concurrency.sh: two writers at once (install --new-key against rotate, and
# two installs) on one control directory, round after round, while a reader
# as qmaild:nofiles and one as qmailr:qmail read the files in a loop:
#   - both writers of each round succeed (the second waits for the lock);
#   - after each round both files are complete, with their owners and modes,
#     each key matching its certificate, and no temp file is left;
#   - every read by the readers finds a whole file whose key matches its
#     certificate (never a partial file, never a permission error).
# Readers during 200 rotations alone: t_rotate_reader.sh; the lock's wait
# and EX_TEMPFAIL: t_rotate_lock.sh.  QP_ROUNDS sets the number of rounds.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
. "$QP_SRCDIR/tests/hardening.sh"

ROUNDS=${QP_ROUNDS:-12}
ec="--key-type ec-p256"
ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -q $ec -d "$ctl"

second="install -q --new-key --distinct-keys $ec"
if hd_has_command rotate; then
	second="rotate -q"
else
	echo "# qmail-pem has no rotate command: two installs race instead"
fi

# The readers: tests/pem_reader.sh, one copy of the file per read.
cp "$QP_SRCDIR/tests/pem_reader.sh" "$QP_TMP/reader.sh"
chmod 0755 "$QP_TMP/reader.sh"
stop=$QP_TMP/stop
qp_start_key_readers "$QP_TMP/reader.sh" "$ctl" "$stop"

for ((round = 1; round <= ROUNDS; round++)); do
	case $((round % 3)) in
	0) first="install -q --new-key $ec" ;;
	1) first="install -q --new-key --distinct-keys $ec" ;;
	2) first="install -q" ;;	# a no-op repair racing a writer
	esac
	st1=0 st2=0
	# shellcheck disable=SC2086  # commands are words
	timeout -k 5 120 "$QMAIL_PEM" $first --wait 60 -d "$ctl" \
	    >/dev/null 2>"$QP_TMP/e1" &
	p1=$!
	# shellcheck disable=SC2086
	timeout -k 5 120 "$QMAIL_PEM" $second --wait 60 -d "$ctl" \
	    >/dev/null 2>"$QP_TMP/e2" &
	p2=$!
	wait "$p1" || st1=$?
	wait "$p2" || st2=$?
	[ "$st1" -eq 0 ] || qp_fail "round $round: $first: exit $st1: $(cat "$QP_TMP/e1")"
	[ "$st2" -eq 0 ] || qp_fail "round $round: $second: exit $st2: $(cat "$QP_TMP/e2")"
	hd_scan "$ctl"
	hd_remember
	for f in $HD_NAMES; do
		IFS='|' read -r type uid gid mode nlink sum <<<"${HD_CUR[$f]:-}"
		[ "$type|$uid|$gid|$mode|$nlink" = "f|${HD_TARGET[$f]}|1" ] ||
		    qp_fail "round $round: $f is '${HD_CUR[$f]:-missing}'"
		hd_pubkey "$ctl/$f" "$sum"
		[ "$HD_PUB" != bad ] ||
		    qp_fail "round $round: $f is not a matching key and certificate"
	done
	temps=$(find "$ctl" -maxdepth 1 -name '.qmail-pem-tmp.*' | wc -l)
	[ "$temps" -eq 0 ] || qp_fail "round $round: $temps temp file(s) left"
	qp_ok "round $round: '$first' and '$second' at once: both succeeded, both files whole and right"
done

touch "$stop"
wait "${QP_READER_PIDS[@]}" || true
for log in "$QP_TMP/srv.log" "$QP_TMP/cli.log"; do
	summary=$(tail -n 1 "$log")
	if grep -q '^FAIL' "$log"; then
		grep '^FAIL' "$log" | head -5 >&2
		qp_fail "${log##*/}: a reader saw a broken file ($summary)"
	fi
	reads=$(awk '/^reads/ { print $2 }' "$log")
	[ "${reads:-0}" -ge 20 ] || qp_fail "${log##*/}: only ${reads:-0} reads during the rounds"
	qp_ok "${log##*/}: $summary"
done
qp_done
