# shellcheck shell=bash
# t_rotate_reader.sh: readers in a loop, as qmaild:nofiles and qmailr:qmail
# with openssl, during 200 rotations (20 under valgrind): every read finds
# the file, readable by the reader, with a key that matches its certificate.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup

# Under memcheck (QP_VALGRIND=1: the valgrind_ twin) a rotation takes
# seconds, not milliseconds: 20 of them, which the readers still overlap.
if qp_under_valgrind; then
	ROTATIONS=${QP_ROTATIONS:-20}
else
	ROTATIONS=${QP_ROTATIONS:-200}
fi
ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 --distinct-keys
rt_assert_installed "$ctl" "before the loop"

# The readers: tests/pem_reader.sh, one copy of the file per read.
cp "$QP_SRCDIR/tests/pem_reader.sh" "$QP_TMP/reader.sh"
chmod 0755 "$QP_TMP/reader.sh"
stop=$QP_TMP/stop
qp_start_key_readers "$QP_TMP/reader.sh" "$ctl" "$stop"

# Let both readers get going before the first rotation.
for _ in $(seq 100); do
	[ -s "$QP_TMP/srv.log" ] && [ -s "$QP_TMP/cli.log" ] && break
	sleep 0.1
done

t0=$(date +%s)
for i in $(seq "$ROTATIONS"); do
	"$QMAIL_PEM" rotate -d "$ctl" -q --keep 3 2>"$QP_TMP/rotate.err" || {
		cat "$QP_TMP/rotate.err" >&2
		touch "$stop"
		qp_fail "rotation $i failed"
	}
done
t1=$(date +%s)
qp_ok "$ROTATIONS rotations in $((t1 - t0)) s"
touch "$stop"
wait "${QP_READER_PIDS[@]}"

for f in srv cli; do
	log="$QP_TMP/$f.log"
	read -r _ reads _ fails _ retried < <(grep '^reads ' "$log") ||
	    qp_fail "$f reader did not finish"
	keys=$(grep '^ok ' "$log" | sort -u | wc -l)
	if [ "$fails" -ne 0 ]; then
		grep '^FAIL' "$log" | sort | uniq -c | head >&2
		qp_fail "$f reader: $fails of $reads reads were partial, unreadable or mismatched"
	fi
	qp_ok "$f reader: $reads reads, none partial, unreadable or mismatched"
	if [ "$retried" -ne 0 ]; then
		echo "# $f reader: openssl failed once on $retried whole copies:"
		grep '^retry' "$log" | head -3 | sed 's/^/#   /'
	fi
	[ "$keys" -ge 10 ] || qp_fail "$f reader saw only $keys keys: it did not read during the rotations"
	qp_ok "$f reader saw $keys different keys while the files were rotated"
done

rt_assert_installed "$ctl" "after $ROTATIONS rotations"
n=$(rt_backups "$ctl" servercert.pem | wc -l)
qp_assert_eq 3 "$n" "--keep 3: three backups of servercert.pem left"
n=$(rt_backups "$ctl" clientcert.pem | wc -l)
qp_assert_eq 3 "$n" "--keep 3: three backups of clientcert.pem left"
rt_assert_backups_private "$ctl" "after the loop"

qp_done
