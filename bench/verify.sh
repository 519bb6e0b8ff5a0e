#!/bin/sh
# bench/verify.sh: how long `qmail-pem verify` takes and how much memory it
# needs, side by side with what an administrator would run instead, on the
# same files.
#
#   bench/verify.sh [QMAIL-PEM-BINARY]      (default: build/qmail-pem)
#
# Cases, on one control directory laid out by qmail-pem install:
#   verify       qmail-pem verify (nagios format; both files, every check,
#                including the read test as the reading users in forked
#                children)
#   verify-prom  qmail-pem verify --format prometheus --output FILE
#   check_ssl_cert
#                check_ssl_cert -f servercert.pem -s (monitoring-plugins-
#                contrib): ONE file only, and none of the owner, mode or
#                read checks, so the ratio is in its favour
#   shell        the script a user would write: openssl x509 -checkend and
#                stat for each file
#   start        openssl version: one process start of a libcrypto program,
#                for scale on a machine whose load moves every wall time
#   floor        bench/qmail-load.c, built here with cc: what qmail's TLS
#                patch itself does with both files at STARTTLS, in one
#                process (SSL_CTX_new, the chain, the key, the match) and
#                nothing more; verify does that and its checks, so this is
#                as fast as it could ever be with this OpenSSL
#   floor + read qmail-load -p: the same, and one more read of each file
#                (its key and certificates) in the same process, the least
#                any check that looks inside the files and tests qmail's
#                load of them must do; no fork, no privilege change
# Targets: verify at least 20 times faster than check_ssl_cert, under 5 ms,
# under 10 MB peak RSS, so that a fleet can run it every minute.
#
# Prints a table and the ratios; never fails on a missed target (timings on
# a shared machine are not test results).  Uses hyperfine when installed,
# else a shell loop timed with date +%s%N; peak RSS from /usr/bin/time -f %M
# (the package time), the largest of a few runs.  Runs as root (the read
# test needs it); the groups and users are daemon and mail, which every
# Debian system has, so the qmail users need not exist.  Writes only under
# a temp dir it removes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${QMAIL_PEM:-$top/build/qmail-pem}}
runs=${BENCH_RUNS:-50}
runs_slow=${BENCH_RUNS_SLOW:-3}
rss_runs=${BENCH_RSS_RUNS:-5}
server_group=daemon
client_group=mail
check_ssl_cert=${CHECK_SSL_CERT:-/usr/lib/nagios/plugins/check_ssl_cert}

[ "$(id -u)" -eq 0 ] || { echo "bench/verify.sh: run as root" >&2; exit 77; }
[ -x "$bin" ] || { echo "bench/verify.sh: no binary $bin: run ./build.sh" >&2; exit 66; }
for g in $server_group $client_group; do
	if ! getent group "$g" >/dev/null || ! getent passwd "$g" >/dev/null; then
		echo "bench/verify.sh: user or group $g does not exist" >&2
		exit 67
	fi
done
[ -x "$check_ssl_cert" ] || {
	echo "bench/verify.sh: $check_ssl_cert not found: apt-get install" \
	    "monitoring-plugins-contrib (or set CHECK_SSL_CERT)" >&2
	exit 69
}

# Without host(1), check_ssl_cert stops at once ("cannot find program:
# host") and its time would mean nothing.
command -v host >/dev/null || {
	echo "bench/verify.sh: check_ssl_cert needs host: apt-get install" \
	    "bind9-host" >&2
	exit 69
}

tmp=$(mktemp -d /tmp/qmail-pem-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 0755 "$tmp"
mkdir -m 0755 "$tmp/results" "$tmp/textfile" "$tmp/control"
ctl=$tmp/control
echo mail.example.com >"$ctl/me"
"$bin" install -q -d "$ctl" --server-group $server_group \
    --client-group $client_group --key-type rsa2048

verify="$bin verify -d $ctl --server-group $server_group --client-group"
verify="$verify $client_group --server-user $server_group --client-user"
verify="$verify $client_group"

# The shell check a user would write (both files, 30 days).
cat >"$tmp/shell.sh" <<EOF
#!/bin/sh
# shell.sh: expiry and owner/mode of both files, Nagios style.
st=0
for f in servercert.pem clientcert.pem; do
	p=$ctl/\$f
	if ! openssl x509 -in "\$p" -noout -checkend 2592000 >/dev/null; then
		echo "WARNING - \$f expires within 30 days"; st=1
	fi
	case \$f in servercert.pem) g=$server_group ;; *) g=$client_group ;; esac
	if [ "\$(stat -c '%U:%G %a' "\$p")" != "root:\$g 640" ]; then
		echo "CRITICAL - \$f: owner or mode"; st=2
	fi
done
[ \$st -eq 0 ] && echo "OK - both files"
exit \$st
EOF
chmod 0755 "$tmp/shell.sh"

# measure LABEL RUNS COMMAND: time COMMAND (no shell); write the mean wall
# time, its standard deviation and the mean user+system CPU time in ms
# (hyperfine only) to $tmp/results/LABEL.
if command -v hyperfine >/dev/null 2>&1; then
	timer="hyperfine $(hyperfine --version | cut -d' ' -f2)"
	measure() {
		hyperfine -N -i --style none --warmup 1 --runs "$2" \
		    --export-json "$tmp/results/$1.json" "$3" >/dev/null 2>&1
		python3 - "$tmp/results/$1.json" >"$tmp/results/$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f %.2f %.2f" % (r["mean"] * 1e3, (r["stddev"] or 0) * 1e3,
    (r["user"] + r["system"]) * 1e3))
EOF
	}
else
	timer="shell loop (date +%s%N; hyperfine is not installed)"
	measure() {
		i=0
		: >"$tmp/results/$1.ns"
		while [ $i -lt "$2" ]; do
			t0=$(date +%s%N)
			$3 >/dev/null 2>&1 || :
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

# peak LABEL COMMAND: the largest maximum RSS (KB) of a few runs, or "-".
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
	read -r rss <"$tmp/results/$1.rss"
	printf '  %-40s %9s %9s %9s %9s\n' "$2" "$mean" "$sd" "$cpu" "$rss"
}
ratio() {	# ratio A B: mean of A divided by mean of B
	read -r a _ <"$tmp/results/$1"
	read -r b _ <"$tmp/results/$2"
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", a / b }'
}

echo "qmail-pem verify benchmark"
echo "  binary: $bin"
echo "  timer:  $timer; $runs runs of qmail-pem and the shell script," \
    "$runs_slow of check_ssl_cert"
echo "  peak RSS: $([ -x /usr/bin/time ] && echo "/usr/bin/time -f %M, largest of $rss_runs runs" || echo "not measured (no /usr/bin/time)")"
echo "  $(openssl version); $("$check_ssl_cert" --version 2>&1 | head -n 1)"
echo

out=$($verify 2>&1 || :)
csc_out=$("$check_ssl_cert" -f "$ctl/servercert.pem" -s -w 30 -c 7 2>&1 || :)
measure verify "$runs" "$verify"
peak verify "$verify"
measure verify-prom "$runs" "$verify --format prometheus --output $tmp/textfile/qmail-pem.prom"
peak verify-prom "$verify --format prometheus --output $tmp/textfile/qmail-pem.prom"
measure shell "$runs" "$tmp/shell.sh"
peak shell "$tmp/shell.sh"
measure start "$runs" "openssl version"
peak start "openssl version"
floor=
if cc -O2 -o "$tmp/qmail-load" "$top/bench/qmail-load.c" -lssl -lcrypto \
    2>"$tmp/cc.err" && "$tmp/qmail-load" "$ctl/servercert.pem" \
    "$ctl/clientcert.pem"; then
	floor="$tmp/qmail-load $ctl/servercert.pem $ctl/clientcert.pem"
	measure floor "$runs" "$floor"
	peak floor "$floor"
	measure floor-parse "$runs" "$tmp/qmail-load -p $ctl/servercert.pem $ctl/clientcert.pem"
	peak floor-parse "$tmp/qmail-load -p $ctl/servercert.pem $ctl/clientcert.pem"
else
	echo "bench/verify.sh: cannot build bench/qmail-load.c (no floor" \
	    "row): $(head -n 1 "$tmp/cc.err")" >&2
fi
measure csc "$runs_slow" "$check_ssl_cert -f $ctl/servercert.pem -s -w 30 -c 7"
rss_runs=1 peak csc "$check_ssl_cert -f $ctl/servercert.pem -s -w 30 -c 7"

printf '%-42s %9s %9s %9s %9s\n' "one check of the control directory" \
    "mean ms" "+- ms" "cpu ms" "peak KB"
row verify "qmail-pem verify (2 files, all checks)"
row verify-prom "qmail-pem verify --format prometheus"
row shell "openssl x509 -checkend + stat (2 files)"
row csc "check_ssl_cert -f (servercert.pem only)"
row start "openssl version (process start, for scale)"
if [ -n "$floor" ]; then
	row floor "qmail's own load of both files (floor)"
	row floor-parse "the same + one more read of each (floor)"
fi
echo
echo "ratios (other / qmail-pem verify; target for check_ssl_cert >= 20):"
printf '  %-40s %9s\n' "check_ssl_cert -f" "$(ratio csc verify)"
printf '  %-40s %9s\n' "openssl x509 -checkend + stat" "$(ratio shell verify)"
printf '  %-40s %9s\n' "openssl version (inverse: verify costs" "$(ratio verify start)"
echo "   that many process starts of a libcrypto program)"
if [ -n "$floor" ]; then
	printf '  %-40s %9s\n' "floor (inverse: verify costs that many" "$(ratio verify floor)"
	echo "   loads of both files as qmail does them)"
fi
echo
read -r mean _ <"$tmp/results/verify"
read -r rss <"$tmp/results/verify.rss"
r=$(ratio csc verify)
echo "targets:"
echo "  >= 20x faster than check_ssl_cert: $r x, $(awk -v r="$r" 'BEGIN { print (r >= 20) ? "met" : "missed" }')"
echo "  < 5 ms per run:                     $mean ms, $(awk -v m="$mean" 'BEGIN { print (m < 5) ? "met" : "missed" }')"
if [ -n "$floor" ]; then
	read -r fmean _ <"$tmp/results/floor"
	read -r pmean _ <"$tmp/results/floor-parse"
	echo "    (qmail's own load of the two files alone: $fmean ms;"
	echo "     with one more read of each, as any checker needs: $pmean ms)"
fi
if [ "$rss" = - ]; then
	echo "  < 10 MB peak RSS:                   not measured"
else
	echo "  < 10 MB peak RSS:                   $rss KB, $(awk -v k="$rss" 'BEGIN { print (k < 10240) ? "met" : "missed" }')"
fi
echo
echo "qmail-pem verify printed:"
printf '    %s\n' "$out"
echo "check_ssl_cert printed:"
printf '    %s\n' "$csc_out"
echo
echo "Wall times on a busy machine follow its load (uptime:"
echo "$(uptime | sed 's/.*load/load/')): compare the cpu column before reading much into a ratio."
