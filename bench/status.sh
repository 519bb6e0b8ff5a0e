#!/bin/sh
# bench/status.sh: how long `qmail-pem status` takes and how much memory it
# needs, against the two-file floor (issue 26).
#
#   bench/status.sh [QMAIL-PEM-BINARY]      (default: build/qmail-pem)
#
# Cases, on one control directory laid out by qmail-pem install:
#   status       qmail-pem status (text: every file, its reader, the
#                reader's binary, backups, verify's verdict)
#   status-json  qmail-pem status --format json
#   floor        bench/floor.c: both files parsed once (stat, key, leaf and
#                chain, match, days left) in one process, nothing more
#   start        openssl version: one process start, for scale
# Targets: status within 1.5 times the floor, under 10 MB peak RSS.
#
# Prints a table and the ratios; never fails on a missed target.  Runs as
# root, as on a qmail host: qmail's accounts, in a private mount namespace
# when the system has none (bench/qmailhost.sh); status and the floor run
# in turn (bench/lib.sh measure_pair).  Writes only under temp dirs it
# removes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${QMAIL_PEM:-$top/build/qmail-pem}}
runs=${BENCH_RUNS:-50}
rss_runs=${BENCH_RSS_RUNS:-5}
. "$top/bench/qmailhost.sh"

[ "$(id -u)" -eq 0 ] || { echo "bench/status.sh: run as root" >&2; exit 77; }
[ -x "$bin" ] || { echo "bench/status.sh: no binary $bin: run ./build.sh" >&2; exit 66; }

tmp=$(mktemp -d /tmp/qmail-pem-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 0755 "$tmp"
mkdir -m 0755 "$tmp/results" "$tmp/control"
ctl=$tmp/control
echo mail.example.com >"$ctl/me"
"$bin" install -q -d "$ctl" --server-group $server_group \
    --client-group $client_group --key-type rsa2048
if ! "$bin" status -d "$ctl" >/dev/null 2>&1; then
	echo "bench/status.sh: $bin status -d $ctl fails: no status command?" >&2
	exit 69
fi
. "$top/bench/lib.sh"

status="$bin status -d $ctl"
out=$($status 2>&1 || :)
floor=
if build_floor; then
	floor="$tmp/floor -k $ctl/servercert.pem -k $ctl/clientcert.pem"
	# each in turn with the floor (bench/lib.sh measure_pair)
	measure_pair status floor "$runs" "$status" "$floor"
	measure_pair status-json floor-json "$runs" "$status --format json" \
	    "$floor"
	peak floor "$floor"
else
	measure status "$runs" "" "$status"
	measure status-json "$runs" "" "$status --format json"
fi
peak status "$status"
peak status-json "$status --format json"
measure start "$runs" "" "openssl version"
peak start "openssl version"

echo "qmail-pem status benchmark"
echo "  binary: $bin"
echo "  timer:  $timer; $runs runs"
echo "  $(openssl version)"
echo
header "the first screen of a control directory"
row status "qmail-pem status"
row status-json "qmail-pem status --format json"
row start "openssl version (process start, for scale)"
[ -n "$floor" ] && row floor "two-file floor: parse both once (floor.c)"
echo
echo "targets (issue 26):"
[ -n "$floor" ] && target "status / two-file floor" status floor 1.5
[ -n "$floor" ] && target "status --format json / two-file floor" status-json floor-json 1.5
rss_target status
echo
echo "qmail-pem status printed:"
printf '    %s\n' "$out"
echo
echo "Wall times on a busy machine follow its load (uptime:"
echo "$(uptime | sed 's/.*load/load/')): compare the cpu column before reading much into a ratio."
