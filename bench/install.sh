#!/bin/sh
# bench/install.sh: how long `qmail-pem install` takes, side by side with what
# an administrator would type instead.
#
#   bench/install.sh [QMAIL-PEM-BINARY]      (default: build/qmail-pem)
#
# Cases, each in a fresh root-owned temp control directory:
#   fresh   qmail-pem install on an empty directory (rsa2048, ec-p256)
#   manual  openssl req -x509 -newkey ... -nodes, then the cat, chown and
#           chmod that make servercert.pem and clientcert.pem by hand
#   again   the idempotent second run, which reports "unchanged"
#   floor   bench/floor.c: both files parsed once (stat, key, chain, match,
#           days left), the least the second run must do
# Targets: fresh no slower than manual (ratio <= 1.00); again under 5 ms
# and within 1.5 times the floor (issue 26), under 10 MB peak RSS.
#
# Prints a table and the ratios; never fails on a missed target (timings on
# a shared machine are not test results).  Uses hyperfine when installed,
# else (or with BENCH_TIMER=loop) a shell loop timed with date +%s%N; runs
# per case from BENCH_RUNS (20) and BENCH_RUNS_AGAIN (100).  Runs as root
# (install sets owners), as on a qmail host: qmail's accounts, in a
# private mount namespace when the system has none (bench/qmailhost.sh).
# The second run and the floor run in turn (bench/lib.sh measure_pair).
# Writes only under temp dirs it removes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${QMAIL_PEM:-$top/build/qmail-pem}}
runs=${BENCH_RUNS:-20}
runs_again=${BENCH_RUNS_AGAIN:-100}
. "$top/bench/qmailhost.sh"

[ "$(id -u)" -eq 0 ] || { echo "bench/install.sh: run as root" >&2; exit 77; }
[ -x "$bin" ] || { echo "bench/install.sh: no binary $bin: run ./build.sh" >&2; exit 66; }
for g in $server_group $client_group; do
	getent group "$g" >/dev/null ||
	    { echo "bench/install.sh: group $g does not exist" >&2; exit 67; }
done

tmp=$(mktemp -d /tmp/qmail-pem-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 0755 "$tmp"
mkdir -m 0755 "$tmp/results"

# The manual way, as the qmail TLS how-tos show it.
cat >"$tmp/manual.sh" <<EOF
#!/bin/sh
# manual.sh DIR rsa2048|ec-p256: make DIR/servercert.pem and DIR/clientcert.pem
# by hand.
set -e
cd "\$1"
case \$2 in
rsa2048) set -- -newkey rsa:2048 ;;
ec-p256) set -- -newkey ec -pkeyopt ec_paramgen_curve:P-256 ;;
esac
openssl req -x509 "\$@" -nodes -days 365 -subj /CN=mail.example.com \\
    -addext subjectAltName=DNS:mail.example.com \\
    -keyout key.pem -out cert.pem 2>/dev/null
cat key.pem cert.pem >servercert.pem
cat key.pem cert.pem >clientcert.pem
rm -f key.pem cert.pem
chown root:$server_group servercert.pem
chown root:$client_group clientcert.pem
chmod 640 servercert.pem clientcert.pem
EOF
chmod 0755 "$tmp/manual.sh"

# control NAME: a control directory with only me in it; print its path.
control() {
	mkdir -m 0755 "$tmp/$1"
	echo mail.example.com >"$tmp/$1/me"
	printf '%s\n' "$tmp/$1"
}

install_cmd() {	# install_cmd DIR [ARGS...]: the install command line
	dir=$1
	shift
	echo "$bin install -q -d $dir --server-group $server_group" \
	    "--client-group $client_group $*"
}
clean_cmd() {	# clean_cmd DIR: remove what install or manual.sh made
	echo "rm -f $1/servercert.pem $1/clientcert.pem $1/key.pem $1/cert.pem"
}

rss_runs=${BENCH_RSS_RUNS:-3}
. "$top/bench/lib.sh"

echo "qmail-pem install benchmark"
echo "  binary: $bin"
echo "  timer:  $timer; $runs runs per fresh case, $runs_again for the second run"
echo "  $(openssl version)"
echo

for kt in rsa2048 ec-p256; do
	d=$(control "fresh-$kt")
	measure "fresh-$kt" "$runs" "$(clean_cmd "$d")" "$(install_cmd "$d" --key-type "$kt")"
	d=$(control "manual-$kt")
	measure "manual-$kt" "$runs" "$(clean_cmd "$d")" "$tmp/manual.sh $d $kt"
done

d=$(control again)
# install_cmd prints a plain command line (no quoting needed): run it.
# shellcheck disable=SC2091
$(install_cmd "$d") >/dev/null 2>&1
# shellcheck disable=SC2091
out=$($(install_cmd "$d" | sed 's/ -q / /') 2>&1 | sed 's/^/    /')
floor=
if build_floor; then
	floor="$tmp/floor -k $d/servercert.pem -k $d/clientcert.pem"
	# in turn with the floor (bench/lib.sh measure_pair)
	measure_pair again floor "$runs_again" "$(install_cmd "$d")" "$floor"
	peak floor "$floor"
else
	measure again "$runs_again" "" "$(install_cmd "$d")"
fi
measure start "$runs_again" "" "$bin --help"
measure true "$runs_again" "" /bin/true
peak again "$(install_cmd "$d")"

header "fresh control directory (key, cert, 2 files)"
for kt in rsa2048 ec-p256; do
	row "fresh-$kt" "qmail-pem install --key-type $kt"
	row "manual-$kt" "openssl req -x509 + cat/chown/chmod ($kt)"
done
echo
header "second run on an installed directory"
row again "qmail-pem install (unchanged)"
row start "qmail-pem --help (process start, for scale)"
row true "/bin/true (this machine's exec floor)"
[ -n "$floor" ] && row floor "two-file floor: parse both once (floor.c)"
echo
echo "ratios (qmail-pem / manual; target <= 1.00):"
for kt in rsa2048 ec-p256; do
	printf '  %-46s %9s\n' "fresh $kt" "$(ratio "fresh-$kt" "manual-$kt")"
done
read -r again _ <"$tmp/results/again"
verdict=$(awk -v m="$again" 'BEGIN { print (m < 5) ? "met" : "missed" }')
if [ -n "$floor" ]; then
	echo
	echo "targets (issue 26):"
	target "install (unchanged) / two-file floor" again floor 1.5
	rss_target again
fi
echo
echo "second run: $again ms wall time (target < 5 ms: $verdict); it printed:"
printf '%s\n' "$out"
echo
echo "RSA key generation time varies with the primes found, and wall times on"
echo "a busy machine with its load: compare the +- and cpu columns (and"
echo "uptime: $(uptime | sed 's/.*load/load/')) before reading much into a ratio."
