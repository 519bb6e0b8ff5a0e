#!/bin/bash
# fuzz/run.sh: build the libFuzzer targets and run each for a bounded time.
#
#   fuzz/run.sh [TARGET...]          (default: every fuzz/fuzz_*.c)
#
# Builds with clang, -fsanitize=fuzzer,address,undefined, in build-fuzz/
# (beside fuzz/), then runs every target FUZZ_SECONDS (default 15) seconds,
# FUZZ_JOBS (default 2) at a time, starting from its seed corpus
# fuzz/corpus/<target>/ (and the pem-samples, ../shared/data or tests/data, for the PEM
# parsers, when present).  New inputs go to build-fuzz/corpus/<target>/,
# never into the source tree; a crash, leak, undefined behaviour or an input
# slower than FUZZ_TIMEOUT (default 10) seconds fails the run, leaving the
# input in build-fuzz/artifacts/.  Add it to fuzz/regressions/<target>/ once
# fixed: every build replays those (ctest -R fuzz_replay).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$top/build-fuzz}
seconds=${FUZZ_SECONDS:-15}
jobs=${FUZZ_JOBS:-2}
timeout=${FUZZ_TIMEOUT:-10}
samples="$top/../shared/data/pem-samples"
[ -d "$samples" ] || samples="$top/tests/data/pem-samples"

command -v clang >/dev/null ||
    { echo "fuzz/run.sh: clang is missing: apt-get install clang" >&2; exit 69; }
cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
    -DQMAIL_PEM_SANITIZE=ON -DQMAIL_PEM_FUZZ=ON >/dev/null
if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for src in "$top"/fuzz/fuzz_*.c; do
		t=${src##*/fuzz_}
		targets+=("${t%.c}")
	done
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

mkdir -p "$build/artifacts" "$build/logs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fuzz_one() {	# fuzz_one TARGET: run it; its log in $build/logs/TARGET.log
	local t=$1
	local -a corpora=("$build/corpus/$t")
	mkdir -p "$build/corpus/$t"
	if [ "$t" = elfimports ]; then	# programs, made, not kept in git
		sh "$top/fuzz/make-elf-seeds.sh" "$build/seeds/$t"
		corpora+=("$build/seeds/$t")
	else
		corpora+=("$top/fuzz/corpus/$t")
	fi
	case $t in
	ctlpem | importkey | importcert | tlsfiles)
		[ -d "$samples" ] && corpora+=("$samples") ;;
	esac
	[ -d "$top/fuzz/regressions/$t" ] && corpora+=("$top/fuzz/regressions/$t")
	"$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout="$timeout" \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$build/artifacts/$t-" "${corpora[@]}" \
	    >"$build/logs/$t.log" 2>&1
}

failed=()
declare -A pid_of
report() {	# report TARGET STATUS
	local t=$1 st=$2 stats
	if [ "$st" -eq 0 ]; then
		stats=$(grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' \
		    "$build/logs/$t.log" | tail -n 2 | tr '\n' ' ')
		printf 'fuzz/run.sh: %-12s ok (%s)\n' "$t" "$stats"
	else
		failed+=("$t")
		printf 'fuzz/run.sh: %-12s FAILED (status %s); the end of %s:\n' \
		    "$t" "$st" "$build/logs/$t.log"
		tail -n 40 "$build/logs/$t.log" | sed 's/^/    /'
	fi
}
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		sleep 1
	done
	fuzz_one "$t" &
	pid_of[$t]=$!
done
for t in "${targets[@]}"; do
	st=0
	wait "${pid_of[$t]}" || st=$?
	report "$t" "$st"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz/run.sh: failed: ${failed[*]}; inputs in $build/artifacts/" >&2
	exit 1
fi
echo "fuzz/run.sh: ${#targets[@]} targets, ${seconds}s each, no crash"
