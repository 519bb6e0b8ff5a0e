# shellcheck shell=bash
# labels: once
# fixtures_setup: deb
# t_package_build.sh: the source and binary packages, built as README.md's
# "package-build" block says, for the package tests that need them.
#
# Package builds are the slow part, so the suite makes two: this one and
# the one of t_package.sh (README's "install-deb").  This one is built from
# a copy of the tree in another directory, with another umask (077), in
# another time zone and locale, and a year and a month ahead on the wall
# clock (faketime; SOURCE_DATE_EPOCH stays the changelog's), in a
# throw-away copy of this machine (tests/sandbox.sh: the block runs
# apt-get).  t_package.sh requires its .deb files to be the same bytes;
# t_package_lintian.sh and t_package_autopkgtest.sh check this build.
#
# It is the CTest fixture "deb" (tests/CMakeLists.txt): the tests that
# require it run after it, and only if it passed.  It leaves the tree and
# the packages in $QP_BUILDDIR/package (qp_package_dir, tests/srctree.sh),
# removed first so that no test sees a stale build.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/sandbox.sh
. "$QP_SRCDIR/tests/sandbox.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"
# shellcheck source=tests/srctree.sh
. "$QP_SRCDIR/tests/srctree.sh"

qp_setup
qp_require dpkg-buildpackage dpkg-parsechangelog faketime unshare tar xz

store=$(qp_package_dir)
rm -rf -- "$store"

debversion=$(dpkg-parsechangelog -l "$QP_SRCDIR/debian/changelog" -S Version)
upstream=${debversion%-*}
arch=$(dpkg --print-architecture)
out="$QP_TMP/pkg/in/another/directory"
src="$out/qmail-pem-$upstream"
# faketime's offset: the wall clock of every process of the build.  Only
# the clock: with NO_FAKE_STAT, stat() gives the files' real times (else tar
# would put them into the orig tarball a year ahead too).
ahead=+397d

build() (
	umask 077
	qp_copy_tree "$src"
	cd "$src"
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" TZ=Pacific/Kiritimati \
	    LC_ALL=C.UTF-8 NO_FAKE_STAT=1 qp_readme_run package-build \
	    qp_sandbox faketime -f "$ahead"
)
qp_assert_status 0 build

for f in "qmail-pem_$upstream.orig.tar.xz" "qmail-pem_$debversion.dsc" \
    "qmail-pem_$debversion.debian.tar.xz" "qmail-pem_${debversion}_$arch.deb" \
    "qmail-pem-dbgsym_${debversion}_$arch.deb" \
    "qmail-pem_${debversion}_$arch.buildinfo" \
    "qmail-pem_${debversion}_$arch.changes"; do
	[ -s "$out/$f" ] || qp_fail "the build made no $f"
	qp_ok "the build made $f"
done
changes="$out/qmail-pem_${debversion}_$arch.changes"
qp_assert_eq "source $arch" "$(sed -n 's/^Architecture: //p' "$changes")" \
    "the .changes holds the source and the binaries"
qp_assert_contains "$(tar -tJf "$out/qmail-pem_$upstream.orig.tar.xz")" \
    "./src/qmail-pem.c" "the orig tarball holds the sources"
qp_assert_not_contains "$(tar -tJf "$out/qmail-pem_$upstream.orig.tar.xz")" \
    "./debian/" "the orig tarball holds no debian/"

# The conditions were those said: the clock, the umask.
built=$(sed -n 's/^Build-Date: //p' "$out/qmail-pem_${debversion}_$arch.buildinfo")
built=$(date -d "$built" +%s)
now=$(date +%s)
[ "$((built - now))" -gt $((390 * 86400)) ] ||
    qp_fail "Build-Date ($built) is not a year ahead of $now: faketime did not work"
qp_ok "the build ran a year ahead (Build-Date $(date -u -d "@$built" +%Y-%m-%d))"
mode=$(stat -c %a "$src/debian/control")
qp_assert_eq 600 "$mode" "the tree was copied with umask 077 (debian/control $mode)"

# For the tests that require the fixture: the directory, moved whole.
mkdir -p -- "$(dirname "$store")"
mv -- "$out" "$store"
printf 'dir=%s clock=%s umask=077 TZ=Pacific/Kiritimati LC_ALL=C.UTF-8\n' \
    "$src" "$ahead" >"$store/conditions"
qp_ok "the packages are in $store"
qp_done
