# bench/lib.sh: what bench/verify.sh, bench/status.sh and bench/install.sh
# share: timing, peak RSS, the table rows and the ratios.  Source it after
# setting $tmp (a temp dir with a results/ folder), $rss_runs and $top.

# measure LABEL RUNS PREPARE COMMAND: time COMMAND (no shell), PREPARE (may
# be empty) before each run; write the mean wall time, its standard
# deviation and the mean user+system CPU time in ms (hyperfine only) to
# $tmp/results/LABEL.
if [ "${BENCH_TIMER:-}" != loop ] && command -v hyperfine >/dev/null 2>&1; then
	timer="hyperfine $(hyperfine --version | cut -d' ' -f2)"
	measure() {
		hyperfine -N -i --style none --warmup 2 --runs "$2" \
		    ${3:+--prepare "$3"} --export-json "$tmp/results/$1.json" \
		    "$4" >/dev/null 2>&1
		python3 - "$tmp/results/$1.json" >"$tmp/results/$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f %.2f %.2f" % (r["mean"] * 1e3, (r["stddev"] or 0) * 1e3,
    (r["user"] + r["system"]) * 1e3))
PY
	}
else
	timer="shell loop (date +%s%N; hyperfine is not installed)"
	measure() {
		i=0
		: >"$tmp/results/$1.ns"
		while [ $i -lt "$2" ]; do
			[ -n "$3" ] && $3
			t0=$(date +%s%N)
			$4 >/dev/null 2>&1 || :
			t1=$(date +%s%N)
			echo $((t1 - t0)) >>"$tmp/results/$1.ns"
			i=$((i + 1))
		done
		awk '{ s += $1; q += $1 * $1; n++ }
		    END { m = s / n; v = q / n - m * m; if (v < 0) v = 0
			  printf "%.2f %.2f -\n", m / 1e6, sqrt(v) / 1e6 }' \
		    "$tmp/results/$1.ns" >"$tmp/results/$1"
	}
fi

# measure_pair A B RUNS COMMAND_A COMMAND_B: A and B timed in turn, in
# rounds of a few runs each, so that a shared machine whose speed drifts
# (its neighbours' load, the host's clock) moves both alike.  Writes
# $tmp/results/A and B as measure() does (over every round) and
# $tmp/results/A.over.B: the median of the rounds' ratios A/B, which
# target() then uses.  A round's ratio is of the median runs of A and B:
# on a virtual machine one run in a few is descheduled and takes two or
# three times as long, and in a mean of five runs that one run moved the
# round's ratio by a fifth either way.  Without hyperfine, measure() each
# and no median.
measure_pair() {
	if [ "${timer%% *}" != hyperfine ]; then
		measure "$1" "$3" "" "$4"
		measure "$2" "$3" "" "$5"
		return
	fi
	rounds=${BENCH_ROUNDS:-10}
	per=$(( ($3 + rounds - 1) / rounds ))
	[ "$per" -ge 3 ] || per=3
	k=0
	while [ $k -lt "$rounds" ]; do
		hyperfine -N -i --style none --warmup 1 --runs "$per" \
		    --export-json "$tmp/results/$1.$2.$k.json" "$4" "$5" \
		    >/dev/null 2>&1
		k=$((k + 1))
	done
	python3 - "$tmp/results" "$1" "$2" "$rounds" <<'PY'
import json, statistics, sys
d, a, b, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = {a: [], b: []}
cpu = {a: [], b: []}
ratios = []
for k in range(n):
    ra, rb = json.load(open("%s/%s.%s.%d.json" % (d, a, b, k)))["results"]
    for name, r in ((a, ra), (b, rb)):
        times[name] += r["times"]
        cpu[name].append(r["user"] + r["system"])
    ratios.append(statistics.median(ra["times"]) /
        statistics.median(rb["times"]))
for name in (a, b):
    with open("%s/%s" % (d, name), "w") as f:
        f.write("%.2f %.2f %.2f\n" % (statistics.mean(times[name]) * 1e3,
            statistics.pstdev(times[name]) * 1e3,
            statistics.mean(cpu[name]) * 1e3))
with open("%s/%s.over.%s" % (d, a, b), "w") as f:
    f.write("%.2f\n" % statistics.median(ratios))
PY
}

# peak LABEL COMMAND: the largest maximum RSS (KB) of $rss_runs runs, or "-".
peak() {
	if [ ! -x /usr/bin/time ]; then
		echo - >"$tmp/results/$1.rss"
		return
	fi
	i=0
	max=0
	while [ $i -lt "$rss_runs" ]; do
		# shellcheck disable=SC2086  # $2 is a command line to split
		/usr/bin/time -f %M -o "$tmp/results/$1.t" $2 >/dev/null 2>&1 || :
		kb=$(tail -n 1 "$tmp/results/$1.t")
		[ "$kb" -gt "$max" ] && max=$kb
		i=$((i + 1))
	done
	echo "$max" >"$tmp/results/$1.rss"
}

row() {	# row LABEL TEXT: one line of the table
	read -r mean sd cpu <"$tmp/results/$1"
	rss=-
	[ -f "$tmp/results/$1.rss" ] && read -r rss <"$tmp/results/$1.rss"
	printf '  %-44s %9s %9s %9s %9s\n' "$2" "$mean" "$sd" "$cpu" "$rss"
}
header() {	# header TITLE
	printf '%-46s %9s %9s %9s %9s\n' "$1" "mean ms" "+- ms" "cpu ms" "peak KB"
}
ratio() {	# ratio A B: the paired median (measure_pair), else mean A / mean B
	if [ -f "$tmp/results/$1.over.$2" ]; then
		cat "$tmp/results/$1.over.$2"
		return
	fi
	read -r a _ <"$tmp/results/$1"
	read -r b _ <"$tmp/results/$2"
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
}
# target TEXT A B LIMIT: print "TEXT: A/B = R (target <= LIMIT: met|missed)"
target() {
	r=$(ratio "$2" "$3")
	printf '  %-46s %6s x  (target <= %s: %s)\n' "$1" "$r" "$4" \
	    "$(awk -v r="$r" -v l="$4" 'BEGIN { print (r <= l) ? "met" : "missed" }')"
}
# rss_target LABEL: "peak RSS of LABEL: N KB (target < 10 MB: met|missed)"
rss_target() {
	read -r kb <"$tmp/results/$1.rss"
	if [ "$kb" = - ]; then
		printf '  %-46s not measured (no /usr/bin/time)\n' "peak RSS"
	else
		printf '  %-46s %6s KB (target < 10240 KB: %s)\n' "peak RSS" "$kb" \
		    "$(awk -v k="$kb" 'BEGIN { print (k < 10240) ? "met" : "missed" }')"
	fi
}

# build_floor: compile bench/floor.c to $tmp/floor; 0 or 1 (says why).
build_floor() {
	cc -O2 -o "$tmp/floor" "$top/bench/floor.c" -lcrypto 2>"$tmp/cc.err" && return 0
	echo "bench: cannot build bench/floor.c: $(head -n 1 "$tmp/cc.err")" >&2
	return 1
}

# tls_files DIR: the other TLS files of qmail-tls beside the key files
# (DH parameters, a client CA and its CRL, the cipher and client lists);
# prints the floor's arguments for them.  Uses openssl as a peer.
tls_files() {
	(
	cd "$1"
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
	    -out dh2048.pem 2>/dev/null
	mkdir -p "$tmp/ca/newcerts"
	: >"$tmp/ca/index.txt"
	echo 01 >"$tmp/ca/crlnumber"
	cat >"$tmp/ca/ca.cnf" <<CNF
[ ca ]
default_ca = d
[ d ]
database = $tmp/ca/index.txt
crlnumber = $tmp/ca/crlnumber
default_md = sha256
default_crl_days = 30
CNF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=Client-CA -days 365 -keyout "$tmp/ca/key.pem" \
	    -out clientca.pem 2>/dev/null
	openssl ca -config "$tmp/ca/ca.cnf" -gencrl -keyfile "$tmp/ca/key.pem" \
	    -cert clientca.pem -out clientcrl.pem 2>/dev/null
	echo 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' >tlsserverciphers
	cp tlsserverciphers tlsclientciphers
	printf 'client.example.com\n' >tlsclients
	chmod 0644 dh2048.pem clientca.pem clientcrl.pem tlsserverciphers \
	    tlsclientciphers tlsclients
	)
	printf '%s ' -p "$1/dh2048.pem" -c "$1/clientca.pem" -r "$1/clientcrl.pem" \
	    -t "$1/tlsserverciphers" -t "$1/tlsclientciphers" -t "$1/tlsclients"
}
