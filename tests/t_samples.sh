# shellcheck shell=bash
# t_samples.sh: qmail-pem install on real-world key files (third-party test
# data in ../shared/data/pem-samples, see its SOURCES.md), each placed as
# servercert.pem (root:nofiles 0640) with clientcert.pem a symlink to it.
#
# For every sample: no crash (status < 128, not 70) within 20 s; --dry-run
# agrees with the real run and writes nothing; a refusal is one non-empty
# line on stderr and leaves the directory byte-identical; a success leaves
# two files qmail can load (key and certificate match, the sample's key kept).
# One line per sample shows the outcome, for a human to judge the message.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/pki.sh
. "$QP_SRCDIR/tests/pki.sh"
qp_setup

samples=$(qp_samples_dir)
[ -d "$samples" ] ||
    qp_fail "no sample directory $samples: ../shared/data/pem-samples beside the clone, or tests/data/pem-samples"
n=$(find "$samples" -maxdepth 1 -name '*.pem' | wc -l)
[ "$n" -gt 0 ] || qp_fail "no *.pem in $samples"

summary="$QP_TMP/.qp/summary"
: >"$summary"

# run LABEL ARGS...: $QP_BIN install -d "$ctl" ARGS, bounded; sets st,
# out, err.  In the valgrind_ twin either the --dry-run or the install of a
# sample runs under memcheck, in turn (qp_turn); t_samples_read's twin puts
# every sample through verify under memcheck too.
run() {
	local label=$1
	shift
	st=0
	timeout -k 5 20 "$QP_BIN" install -d "$ctl" "$@" \
	    >"$QP_TMP/.qp/out" 2>"$QP_TMP/.qp/err" || st=$?
	out=$(cat "$QP_TMP/.qp/out")
	err=$(cat "$QP_TMP/.qp/err")
	[ "$st" -ne 124 ] && [ "$st" -ne 137 ] ||
	    qp_fail "$label: did not finish within 20 s"
	[ "$st" -lt 128 ] || qp_fail "$label: killed by signal $((st - 128)): $err"
	[ "$st" -ne 70 ] || qp_fail "$label: internal error (70): $err"
	qp_ok "$label: exit $st, no crash"
}

i=0
for sample in "$samples"/*.pem; do
	i=$((i + 1))
	name=${sample##*/}
	ctl=$(qp_mkcontrol)
	cp "$sample" "$ctl/servercert.pem"
	chown root:nofiles "$ctl/servercert.pem"
	chmod 0640 "$ctl/servercert.pem"
	ln -s servercert.pem "$ctl/clientcert.pem"
	before=$(qp_snapshot "$ctl")

	qp_turn "$i" 2
	run "$name --dry-run" --dry-run
	dry_st=$st
	qp_assert_same_snapshot "$before" "$ctl" "$name --dry-run: nothing written"

	qp_turn $((i + 1)) 2
	run "$name"
	qp_assert_eq "$dry_st" "$st" "$name: --dry-run predicted the exit status"
	if [ "$st" -ne 0 ]; then
		lines=$(printf '%s\n' "$err" | wc -l)
		[ -n "$err" ] && [ "$lines" -eq 1 ] ||
		    qp_fail "$name: want one line on stderr, got $lines: $err"
		qp_assert_contains "$err" "qmail-pem: " "$name: one line on stderr"
		qp_assert_same_snapshot "$before" "$ctl" "$name: refused, nothing changed"
		printf '%s: refused (%s) %s\n' "$name" "$st" "${err#qmail-pem: }" \
		    >>"$summary"
		continue
	fi
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	want=$(qp_pubkey "$sample")
	for f in servercert.pem clientcert.pem; do
		k=$(qp_pubkey "$ctl/$f")
		c=$(qp_cert_pubkey "$ctl/$f")
		qp_assert_eq "$k" "$c" "$name: $f: key and certificate match"
		qp_assert_eq "$want" "$k" "$name: $f: the sample's key is kept"
	done
	blocks=$(pki_blocks "$ctl/servercert.pem" | sed 's/\([0-9A-F][0-9A-F]:\)\{31\}[0-9A-F][0-9A-F]/cert/g')
	what=$(printf '%s\n' "$out" | grep '^servercert.pem:' | head -n 1)
	subject=$(openssl x509 -in "$ctl/servercert.pem" -noout -subject -nameopt RFC2253)
	printf '%s: installed [%s] %s; %s\n' "$name" "$blocks" "${subject#subject=}" \
	    "${what#servercert.pem: }" >>"$summary"
done

printf '# --- outcome per sample (judge the messages) ---\n'
sed 's/^/# /' "$summary"
qp_done
