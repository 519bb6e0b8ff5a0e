# shellcheck shell=bash
# t_rotate_lock.sh: one writer at a time per control directory (an flock on
# the directory itself): a second writer waits --wait seconds, then fails
# with EX_TEMPFAIL and leaves everything as it was; two concurrent rotations
# end with one complete, consistent pair.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup
qp_require flock

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 2>/dev/null

# --- a held lock: wait, then EX_TEMPFAIL ------------------------------------------
# Held until killed below, however slow the commands in between are (under
# memcheck on a loaded machine a fixed time ran out before the last one):
# the subshell takes the lock on fd 9 and becomes sleep, so $holder is the
# process that holds it, and killing it releases it.
(exec 9<"$ctl" && flock 9 && exec sleep 600) &
holder=$!
qp_at_exit "kill $holder 2>/dev/null; wait $holder 2>/dev/null"
for _ in $(seq 50); do	# until flock(1) holds it
	flock -n "$ctl" true 2>/dev/null || break
	sleep 0.1
done
before=$(qp_snapshot "$ctl")
t0=$(date +%s%N)
qp_assert_status 75 "$QMAIL_PEM" rotate -d "$ctl" --wait 1
t1=$(date +%s%N)
qp_assert_contains "$QP_ERR" "another qmail-pem is writing here (waited 1 s" \
    "the lock holder is reported"
lines=$(printf '%s\n' "$QP_ERR" | wc -l)
qp_assert_eq 1 "$lines" "one line on stderr"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 900 ] || qp_fail "rotate gave up after $ms ms, before --wait 1"
qp_ok "rotate waited about a second ($ms ms)"
qp_assert_status 75 "$QMAIL_PEM" rollback -d "$ctl" --wait 0
qp_assert_status 75 "$QMAIL_PEM" rotate -d "$ctl" --stage --wait 0
qp_assert_same_snapshot "$before" "$ctl" \
    "lock not taken: directory byte-identical (no lock file, no temp)"
# Readers need no lock.
qp_assert_status 0 "$QMAIL_PEM" tlsa -d "$ctl"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --dry-run
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true

# --- a writer that waits long enough goes ahead -----------------------------------------
flock "$ctl" sleep 1 &
holder=$!
sleep 0.3
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --wait 20
wait "$holder" 2>/dev/null || true
rt_assert_installed "$ctl" "after waiting for the lock"

# --- concurrent rotations ----------------------------------------------------------------
for round in 1 2 3; do
	old=$(qp_pubkey "$srv")
	pids=()
	for i in 1 2 3; do
		"$QMAIL_PEM" rotate -d "$ctl" -q --wait 60 \
		    >"$QP_TMP/c$i.out" 2>"$QP_TMP/c$i.err" &
		pids+=($!)
	done
	st=()
	for p in "${pids[@]}"; do
		s=0
		wait "$p" || s=$?
		st+=("$s")
	done
	for s in "${st[@]}"; do
		case $s in
		0 | 75) ;;
		*) cat "$QP_TMP"/c*.err >&2; qp_fail "round $round: a rotation exited $s" ;;
		esac
	done
	qp_ok "round $round: three concurrent rotations exit 0 or 75 (${st[*]})"
	rt_assert_installed "$ctl" "round $round"
	a=$(qp_pubkey "$srv")
	b=$(qp_pubkey "$cli")
	qp_assert_eq "$a" "$b" "round $round: one consistent pair (shared key in both files)"
	s1=$(sha256sum <"$srv")
	s2=$(sha256sum <"$cli")
	qp_assert_eq "$s1" "$s2" "round $round: both files hold the same bytes"
	[ "$a" != "$old" ] || qp_fail "round $round: no rotation happened"
	qp_ok "round $round: the key is new"
	n1=$(rt_backups "$ctl" servercert.pem | wc -l)
	n2=$(rt_backups "$ctl" clientcert.pem | wc -l)
	qp_assert_eq "$n1" "$n2" "round $round: as many backups of each file"
done
fpr=$(qp_cert_fpr "$srv")
got=$(qp_tls_handshake_as qmaild nofiles "$srv")
qp_assert_eq "$fpr" "$got" "s_server as qmaild:nofiles loads the final servercert.pem"

qp_done
