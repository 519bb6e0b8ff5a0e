#!/bin/sh
# build.sh: build, demo and test qmail-pem on Debian 12.
#
#   ./build.sh              build into ./build
#   ./build.sh quickstart   install build deps where missing, build, and show
#                           the plan for a fresh control directory (dry run)
#   ./build.sh test         install test deps where missing, then run the whole
#                           suite: normal build, ASan+UBSan build, fuzzers
#   ./build.sh deps         install build and test dependencies only
set -eu

cd "$(dirname "$0")"
top=$(pwd)

build_deps="cmake gcc pkg-config libssl-dev libcap-dev libcmocka-dev libjansson-dev"
test_deps="openssl libnss-wrapper mandoc util-linux strace faketime clang valgrind
	python3 python3-aiosmtpd swaks pebble certbot prometheus
	monitoring-plugins-contrib hyperfine ansible-core lintian debhelper
	dpkg-dev fakeroot systemd iproute2 procps sudo"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null 2>&1; then sudo "$@"
	else echo "build.sh: need root to run: $*" >&2; exit 77
	fi
}

# Install the packages that are not installed yet; apt-get update at most once.
ensure_packages() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "build.sh: installing:$missing"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
}

configure_and_build() {	# dir [cmake args...]
	dir=$1; shift
	werror=OFF
	[ "${CI:-}" = true ] && werror=ON
	cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DQMAIL_PEM_WERROR=$werror "$@" >/dev/null
	cmake --build "$dir" -j "$(nproc)"
}

cmd=${1:-build}
case "$cmd" in
build)
	ensure_packages $build_deps
	configure_and_build build
	;;
deps)
	# shellcheck disable=SC2086
	ensure_packages $build_deps $test_deps
	;;
quickstart)
	ensure_packages $build_deps
	configure_and_build build
	demo=$(mktemp -d /tmp/qmail-pem-demo.XXXXXX)
	chmod 755 "$demo"
	echo "mail.example.com" > "$demo/me"
	echo "== plan for a fresh control directory $demo (dry run: nothing is written)"
	as_root "$top/build/qmail-pem" install --dry-run -d "$demo"
	as_root rm -rf "$demo"
	;;
test)
	# shellcheck disable=SC2086
	ensure_packages $build_deps $test_deps
	configure_and_build build
	(cd build && ctest --output-on-failure -j 2)
	echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	CC=clang configure_and_build build-asan -DQMAIL_PEM_SANITIZE=ON
	(cd build-asan && ctest --output-on-failure -j 2)
	if [ -x "$top/fuzz/run.sh" ]; then
		echo "== fuzzers (bounded)"
		"$top/fuzz/run.sh"
	fi
	;;
*)
	echo "usage: ./build.sh [build|quickstart|test|deps]" >&2
	exit 64
	;;
esac
