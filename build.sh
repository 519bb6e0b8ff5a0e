#!/bin/sh
# build.sh: build, demo and test qmail-pem on Debian 12.
#
#   ./build.sh              build into ./build
#   ./build.sh quickstart   install build deps where missing, build, and show
#                           the plan for a fresh control directory (dry run)
#   ./build.sh test         install test deps where missing, then run the whole
#                           suite: normal build, ASan+UBSan build, fuzzers
#   ./build.sh valgrind     only the valgrind_ twins: the suite with qmail-pem
#                           under valgrind memcheck (test runs them too)
#   ./build.sh deps         install build and test dependencies only
set -eu

cd "$(dirname "$0")"
top=$(pwd)

# libelf-dev: which OpenSSL loaders qmail-smtpd and qmail-remote import
# (src/site/loaders.c); libacl1-dev: key files without extended ACL entries;
# libseccomp-dev: the filter of the children that parse untrusted input
# (src/base/sandbox.c).
build_deps="cmake gcc pkg-config libssl-dev libcap-dev libcmocka-dev libjansson-dev
	libelf-dev libacl1-dev libseccomp-dev"
# ucspi-tcp (tcpserver), make and binutils (nm): the real qmail-smtpd and
# qmail-remote that tests/realqmail_build.sh builds and tests/realqmail.sh runs.
test_deps="openssl libnss-wrapper mandoc util-linux strace faketime clang valgrind libcap2-bin
	acl python3 python3-aiosmtpd python3-yaml swaks exim4-daemon-light pebble certbot dehydrated
	lego uacme ca-certificates prometheus icinga2-bin nagios4-core
	monitoring-plugins-contrib bind9-host hyperfine ansible-core lintian debhelper autopkgtest
	diffoscope-minimal dpkg-dev fakeroot systemd man-db iproute2 procps sudo
	ucspi-tcp make binutils"

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
	# Some packages (prometheus, icinga2-bin, nagios4-core, exim4) start
	# their daemon when installed: tests need the programs, not running
	# services.  A policy-rc.d that says 101 keeps invoke-rc.d and
	# deb-systemd-invoke from starting them; it is removed again unless it
	# was there before (a container may have one of its own).
	policy=/usr/sbin/policy-rc.d own_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# build.sh: no daemon starts while test dependencies are installed.\nexit 101\n' |
		    as_root tee "$policy" >/dev/null
		own_policy=1
		trap 'as_root rm -f "$policy"' EXIT
		trap 'exit 130' INT TERM HUP
		as_root chmod 0755 "$policy"
	fi
	st=0
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing || st=$?
	if [ -n "$own_policy" ]; then
		as_root rm -f "$policy"
		trap - EXIT INT TERM HUP
	fi
	return $st
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
	# install refuses a control directory that is not root's.
	demo=$(as_root mktemp -d /tmp/qmail-pem-demo.XXXXXX)
	as_root chmod 755 "$demo"
	echo "mail.example.com" | as_root tee "$demo/me" >/dev/null
	# Without qmail installed there are no groups nofiles and qmail, and
	# install would only say so: show the plan with stand-in groups.
	groups=
	if ! getent group nofiles >/dev/null || ! getent group qmail >/dev/null; then
		echo "== qmail's groups nofiles and qmail do not exist here: using --server-group daemon --client-group daemon"
		groups="--server-group daemon --client-group daemon"
	fi
	echo "== plan for a fresh control directory $demo (dry run: nothing is written)"
	st=0
	# shellcheck disable=SC2086
	as_root "$top/build/qmail-pem" install --dry-run -d "$demo" $groups || st=$?
	as_root rm -rf "$demo"
	exit $st
	;;
test)
	# shellcheck disable=SC2086
	ensure_packages $build_deps $test_deps
	configure_and_build build
	# With the valgrind_ twins: the whole suite under memcheck too.  Three
	# at a time on two cores: some tests wait for timeouts on purpose.
	(cd build && ctest --output-on-failure -j 3)
	echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	CC=clang configure_and_build build-asan -DQMAIL_PEM_SANITIZE=ON
	# Tests labelled "once" (package, Ansible, valgrind) do not depend on
	# the compiler flags and ran above; "noasan" ones spend their time on
	# real peers while what they reach of qmail-pem runs under ASan in
	# other tests (each says which).
	(cd build-asan && ctest --output-on-failure -j 2 -LE 'once|noasan')
	if [ -x "$top/fuzz/run.sh" ]; then
		echo "== fuzzers (bounded)"
		"$top/fuzz/run.sh"
	fi
	;;
valgrind)
	# shellcheck disable=SC2086
	ensure_packages $build_deps $test_deps
	configure_and_build build
	(cd build && ctest --output-on-failure -j 3 -L valgrind)
	;;
*)
	echo "usage: ./build.sh [build|quickstart|test|valgrind|deps]" >&2
	exit 64
	;;
esac
