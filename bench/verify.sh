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
#   qmail load   bench/qmail-load.c, built here with cc: what qmail's TLS
#                patch itself does with both files at STARTTLS, in one
#                process (SSL_CTX_new, the chain, the key, the match)
#   floor        bench/floor.c: the two-file floor, both files parsed once
#                (stat, key, leaf and chain, match, days left) in one
#                process and nothing more: no owner, mode or read checks,
#                no fork, no privilege change
# And on a second control directory with the other TLS files of qmail-tls
# (dh2048.pem, clientca.pem, clientcrl.pem, the cipher lists, tlsclients)
# and two SNI files (servercerts/NAME/servercert.pem, when the binary has
# --sni): verify, and floor.c parsing the same files.
# Targets (issue 26): verify within 1.5 times the floor in both cases,
# under 10 MB peak RSS; at least 20 times faster than check_ssl_cert.
#
# Prints a table and the ratios; never fails on a missed target (timings on
# a shared machine are not test results).  verify and its floor are timed
# in turn, in rounds (bench/lib.sh measure_pair): the target ratios are the
# median of the rounds' ratios, which a drifting machine moves little.
# Uses hyperfine when installed, else a shell loop timed with date +%s%N;
# peak RSS from /usr/bin/time -f %M (the package time), the largest of a
# few runs.  Runs as root (the read test needs it), as on a qmail host:
# qmail's accounts, in a private mount namespace when the system has none
# (bench/qmailhost.sh), and verify with qmail's defaults.  Writes only
# under temp dirs it removes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${QMAIL_PEM:-$top/build/qmail-pem}}
runs=${BENCH_RUNS:-50}
runs_slow=${BENCH_RUNS_SLOW:-3}
rss_runs=${BENCH_RSS_RUNS:-5}
. "$top/bench/qmailhost.sh"
check_ssl_cert=${CHECK_SSL_CERT:-/usr/lib/nagios/plugins/check_ssl_cert}

[ "$(id -u)" -eq 0 ] || { echo "bench/verify.sh: run as root" >&2; exit 77; }
[ -x "$bin" ] || { echo "bench/verify.sh: no binary $bin: run ./build.sh" >&2; exit 66; }
[ "$host" = qmail ] || for g in $server_group $client_group; do
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

verify="$bin verify -d $ctl${as_readers:+ $as_readers}"

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

. "$top/bench/lib.sh"

echo "qmail-pem verify benchmark"
echo "  binary: $bin"
echo "  timer:  $timer; $runs runs of qmail-pem and the shell script," \
    "$runs_slow of check_ssl_cert"
echo "  peak RSS: $([ -x /usr/bin/time ] && echo "/usr/bin/time -f %M, largest of $rss_runs runs" || echo "not measured (no /usr/bin/time)")"
echo "  $(openssl version); $("$check_ssl_cert" --version 2>&1 | head -n 1)"
echo

out=$($verify 2>&1 || :)
csc_out=$("$check_ssl_cert" -f "$ctl/servercert.pem" -s -w 30 -c 7 2>&1 || :)
floor=
if build_floor; then
	floor="$tmp/floor -k $ctl/servercert.pem -k $ctl/clientcert.pem"
	# in turn with the floor: the ratio does not follow the machine's drift
	measure_pair verify floor "$runs" "$verify" "$floor"
	peak floor "$floor"
else
	measure verify "$runs" "" "$verify"
fi
peak verify "$verify"
measure verify-prom "$runs" "" "$verify --format prometheus --output $tmp/textfile/qmail-pem.prom"
peak verify-prom "$verify --format prometheus --output $tmp/textfile/qmail-pem.prom"
measure shell "$runs" "" "$tmp/shell.sh"
peak shell "$tmp/shell.sh"
measure start "$runs" "" "openssl version"
peak start "openssl version"
load=
if cc -O2 -o "$tmp/qmail-load" "$top/bench/qmail-load.c" -lssl -lcrypto \
    2>"$tmp/cc.err" && "$tmp/qmail-load" "$ctl/servercert.pem" \
    "$ctl/clientcert.pem"; then
	load="$tmp/qmail-load $ctl/servercert.pem $ctl/clientcert.pem"
	measure load "$runs" "" "$load"
	peak load "$load"
else
	echo "bench/verify.sh: cannot build bench/qmail-load.c (no qmail" \
	    "load row): $(head -n 1 "$tmp/cc.err")" >&2
fi
measure csc "$runs_slow" "" "$check_ssl_cert -f $ctl/servercert.pem -s -w 30 -c 7"
rss_runs=1 peak csc "$check_ssl_cert -f $ctl/servercert.pem -s -w 30 -c 7"

# The second control directory: both key files, the other TLS files of
# qmail-tls and two SNI files (when this binary knows --sni), against a
# floor that parses the same files.
full=$tmp/full
mkdir -m 0755 "$full"
echo mail.example.com >"$full/me"
"$bin" install -q -d "$full" --server-group $server_group \
    --client-group $client_group --key-type rsa2048
full_floor_args="-k $full/servercert.pem -k $full/clientcert.pem $(tls_files "$full")"
sni=0
for name in a.example.com b.example.com; do
	if "$bin" install -q -d "$full" --sni "$name" --server-group $server_group \
	    --key-type rsa2048 >/dev/null 2>&1; then
		full_floor_args="$full_floor_args -k $full/servercerts/$name/servercert.pem"
		sni=$((sni + 1))
	fi
done
verify_full="$bin verify -d $full${as_readers:+ $as_readers}"
if [ -n "$floor" ]; then
	measure_pair verify-full floor-full "$runs" "$verify_full" \
	    "$tmp/floor $full_floor_args"
	peak floor-full "$tmp/floor $full_floor_args"
else
	measure verify-full "$runs" "" "$verify_full"
fi
peak verify-full "$verify_full"

header "one check of the control directory"
row verify "qmail-pem verify (2 files, all checks)"
row verify-prom "qmail-pem verify --format prometheus"
row shell "openssl x509 -checkend + stat (2 files)"
row csc "check_ssl_cert -f (servercert.pem only)"
row start "openssl version (process start, for scale)"
[ -n "$load" ] && row load "qmail's own load of both files"
[ -n "$floor" ] && row floor "two-file floor: parse both once (floor.c)"
echo
header "with the other TLS files and $sni SNI files"
row verify-full "qmail-pem verify (all files, all checks)"
[ -n "$floor" ] && row floor-full "floor: parse the same files once"
echo
echo "ratios (other / qmail-pem verify; target for check_ssl_cert >= 20):"
printf '  %-46s %6s\n' "check_ssl_cert -f" "$(ratio csc verify)"
printf '  %-46s %6s\n' "openssl x509 -checkend + stat" "$(ratio shell verify)"
echo
echo "targets:"
if [ -n "$floor" ]; then
	target "verify / two-file floor" verify floor 1.5
	target "verify (all files) / its floor" verify-full floor-full 1.5
fi
[ -n "$load" ] && printf '  %-46s %6s x\n' "verify / qmail's own load (for scale)" \
    "$(ratio verify load)"
r=$(ratio csc verify)
printf '  %-46s %6s x  (target >= 20: %s)\n' "check_ssl_cert / verify" "$r" \
    "$(awk -v r="$r" 'BEGIN { print (r >= 20) ? "met" : "missed" }')"
rss_target verify
rss_target verify-full
echo
echo "qmail-pem verify printed:"
printf '    %s\n' "$out"
echo "check_ssl_cert printed:"
printf '    %s\n' "$csc_out"
echo
echo "Wall times on a busy machine follow its load (uptime:"
echo "$(uptime | sed 's/.*load/load/')): compare the cpu column before reading much into a ratio."
