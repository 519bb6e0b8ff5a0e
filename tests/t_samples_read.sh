# shellcheck shell=bash
# t_samples_read.sh: every other command that reads a control file, on the
# real-world samples in ../shared/data/pem-samples (t_samples.sh does
# install).  Each sample is servercert.pem (root:nofiles 0640) and a copy
# is clientcert.pem (root:qmail 0640): the safe layout holding bad data.
#
# For every sample and command: no crash, no hang (20 s), no internal
# error (70); the directory is byte-identical afterwards (these commands
# read, or are refused); no private key (its marker or the first line of
# the sample's key) in any output; and:
#   verify           nagios: one status line "QMAIL-PEM STATE - ...", exit
#                    0..2 matching STATE; json parses and agrees; the
#                    prometheus text passes promtool; a sample install
#                    refuses is never OK
#   tlsa, csr,       a refusal is one line on stderr that names
#   rotate --dry-run servercert.pem
#   rotate --keep-key    needs the key: a refusal as above, or a success
#                    that leaves a usable pair (then nothing else to check)
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3 promtool

samples=$(qp_samples_dir)
[ -d "$samples" ] ||
    qp_fail "no sample directory $samples: ../shared/data/pem-samples beside the clone, or tests/data/pem-samples"

# run LABEL ARGS...: $QP_BIN ARGS, bounded; sets st, out, err.  In the
# valgrind_ twin verify runs under memcheck on every sample and each of the
# six other runs on one sample in six, in turn (qp_turn); natively here.
run() {
	local label=$1
	shift
	st=0
	timeout -k 5 20 "$QP_BIN" "$@" \
	    >"$QP_TMP/.qp/out" 2>"$QP_TMP/.qp/err" || st=$?
	out=$(cat "$QP_TMP/.qp/out")
	err=$(cat "$QP_TMP/.qp/err")
	[ "$st" -ne 124 ] && [ "$st" -ne 137 ] ||
	    qp_fail "$label: did not finish within 20 s"
	[ "$st" -lt 128 ] || qp_fail "$label: killed by signal $((st - 128)): $err"
	[ "$st" -ne 70 ] || qp_fail "$label: internal error (70): $err"
	case $out$err in
	*"PRIVATE KEY"*)
		qp_fail "$label: a private key in the output: $out $err" ;;
	esac
	if [ -n "$keyline" ]; then
		case $out$err in
		*"$keyline"*)
			qp_fail "$label: key material in the output: $out $err" ;;
		esac
	fi
}

# refusal LABEL: a non-zero status came with one line naming the file.
refusal() {
	local lines
	lines=$(printf '%s\n' "$err" | wc -l)
	[ -n "$err" ] && [ "$lines" -eq 1 ] ||
	    qp_fail "$1: want one line on stderr, got $lines: $err"
	qp_assert_contains "$err" "servercert.pem" "$1: the message names the file"
}

i=0
for sample in "$samples"/*.pem; do
	name=${sample##*/}
	# The first line of base64 of the sample's key, if it has one.
	keyline=$(awk '/^-----BEGIN .*PRIVATE KEY-----/ { f = 1; next }
	    f && /^[A-Za-z0-9+\/=]+$/ && length($0) >= 40 { print; exit }' "$sample")
	ctl=$(qp_mkcontrol)
	cp "$sample" "$ctl/servercert.pem"
	cp "$sample" "$ctl/clientcert.pem"
	chown root:nofiles "$ctl/servercert.pem"
	chown root:qmail "$ctl/clientcert.pem"
	chmod 0640 "$ctl/servercert.pem" "$ctl/clientcert.pem"
	before=$(qp_snapshot "$ctl")

	# Would install accept it as it is?  (An oracle for the checks below,
	# run outside memcheck in the valgrind_ twin: t_samples.sh runs
	# install on every sample, under memcheck in its own twin.)
	st=0
	"${QP_NATIVE:-$QMAIL_PEM}" install -d "$ctl" --dry-run >/dev/null 2>&1 || st=$?
	usable=$st

	i=$((i + 1))
	QP_BIN=$QMAIL_PEM
	run "$name verify" verify -d "$ctl"
	case $out in
	"QMAIL-PEM OK "*) want=0 ;;
	"QMAIL-PEM WARNING "*) want=1 ;;
	"QMAIL-PEM CRITICAL "*) want=2 ;;
	*) qp_fail "$name verify: not a Nagios status line: $out" ;;
	esac
	qp_assert_eq "$want" "$st" "$name verify: the exit status matches the line"
	[ "$usable" -eq 0 ] || [ "$st" -eq 2 ] ||
	    qp_fail "$name verify: install refuses this file, verify says $out"
	nagios_st=$st
	qp_turn $((i + 1)) 6
	run "$name verify json" verify -d "$ctl" --format json
	qp_assert_eq "$nagios_st" "$st" "$name verify json: same status"
	printf '%s\n' "$out" | python3 -c 'import json, sys; json.load(sys.stdin)' ||
	    qp_fail "$name verify json: not JSON: $out"
	qp_turn $((i + 2)) 6
	run "$name verify prometheus" verify -d "$ctl" --format prometheus
	qp_assert_eq "$nagios_st" "$st" "$name verify prometheus: same status"
	printf '%s\n' "$out" | promtool check metrics >/dev/null 2>&1 ||
	    qp_fail "$name verify prometheus: promtool rejects: $out"
	qp_assert_same_snapshot "$before" "$ctl" "$name verify: nothing changed"

	qp_turn $((i + 3)) 6
	run "$name tlsa" tlsa -d "$ctl" --hostname mail.example.com
	if [ "$st" -ne 0 ]; then
		refusal "$name tlsa"
	else
		qp_assert_contains "$out" " IN TLSA 3 1 1 " "$name tlsa: a record"
	fi
	qp_assert_same_snapshot "$before" "$ctl" "$name tlsa: nothing changed"

	qp_turn $((i + 4)) 6
	run "$name csr" csr -d "$ctl" --hostname mail.example.com
	if [ "$st" -ne 0 ]; then
		refusal "$name csr"
	else
		qp_assert_contains "$out" "BEGIN CERTIFICATE REQUEST" "$name csr: a request"
	fi
	qp_assert_same_snapshot "$before" "$ctl" "$name csr: nothing changed"

	qp_turn $((i + 5)) 6
	run "$name rotate --dry-run" rotate -d "$ctl" --keep-key --dry-run \
	    --hostname mail.example.com
	[ "$st" -eq 0 ] || refusal "$name rotate --dry-run"
	qp_assert_same_snapshot "$before" "$ctl" "$name rotate --dry-run: nothing changed"
	dry_st=$st

	qp_turn $((i + 6)) 6
	run "$name rotate --keep-key" rotate -d "$ctl" --keep-key \
	    --hostname mail.example.com
	qp_assert_eq "$dry_st" "$st" "$name rotate: --dry-run predicted the status"
	if [ "$st" -ne 0 ]; then
		refusal "$name rotate --keep-key"
		qp_assert_same_snapshot "$before" "$ctl" "$name rotate: refused, nothing changed"
	else
		[ "$usable" -eq 0 ] ||
		    qp_fail "$name rotate --keep-key: rotated a file install refuses"
		qp_assert_eq "$(qp_pubkey "$sample")" "$(qp_pubkey "$ctl/servercert.pem")" \
		    "$name rotate --keep-key: the key is kept"
	fi
	printf '%s: verify %s; %s\n' "$name" "$nagios_st" "${err:-rotated}" >&2
done
qp_done
