#!/bin/bash
# tests/realqmail_build.sh: build the real qmail-smtpd and qmail-remote once
# per build tree, for the tests that use tests/realqmail.sh.
#
# CTest runs this as the test realqmail_build (FIXTURES_SETUP realqmail)
# before every test that says "# fixtures: realqmail"; rq_init runs it too,
# so a test started by hand finds the programs built.  A second run with
# nothing changed only compares the stamp (a few ms).
#
# Source: netqmail 1.06 with qmail-tls 20231230 (the RSA-only loaders) from
# $QP_SRCDIR/../shared/qmail/ (see its README.md).  Where that tarball is
# absent the build is skipped (exit 77, CTest's SKIP_RETURN_CODE) and the
# tests that need it skip too, saying why.  The code is test data: it is
# built here, in the build tree, and never copied into the project.
#
# Result, in $QP_BUILDDIR/realqmail/:
#   root/        the qmail root compiled in (conf-qmail): an empty directory
#                that each test covers with its own qmail root (control/,
#                bin/) by a bind mount in a private mount namespace
#   bin/         qmail-smtpd, qmail-remote
#   build.log    make's output (the 1998 code gives many warnings; the
#                flags of ../shared/qmail/README.md silence the worst)
#   stamp        what the build was made from: tarball, this script, root,
#                compiler; a build is redone when any of them changes
set -eu

fail() {
	printf 'FAIL: realqmail_build: %s\n' "$1" >&2
	exit 1
}

: "${QP_SRCDIR:?QP_SRCDIR is not set (CTest sets it)}"
: "${QP_BUILDDIR:?QP_BUILDDIR is not set (CTest sets it)}"
shared="$QP_SRCDIR/../shared/qmail"
tarball="$shared/netqmail-1.06-auth-tls-forcetls.tar.gz"
dir="$QP_BUILDDIR/realqmail"
root="$dir/root"

if [ ! -f "$tarball" ]; then
	printf 'SKIP: the real qmail source is not here: %s is absent (CI has ../shared beside the clone); the tests against the real qmail-smtpd and qmail-remote are skipped\n' \
	    "$tarball"
	exit 77
fi
for c in gcc make tar sed sha256sum flock setpriv nm; do
	command -v "$c" >/dev/null 2>&1 ||
	    fail "required command not found: $c (./build.sh deps installs it)"
done
[ -f /usr/include/openssl/ssl.h ] ||
    fail "OpenSSL's headers are missing (Debian package libssl-dev)"

mkdir -p "$dir"
# One build at a time per build tree (two ctest runs, or a test started by
# hand during the fixture).
exec 9>"$dir/lock"
flock 9

sum() { sha256sum <"$1" | cut -d' ' -f1; }
want="tarball $(sum "$tarball")
script $(sum "$0")
root $root
cc $(gcc -dumpfullversion) $(gcc -dumpmachine)"
if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$want" ] &&
    [ -x "$dir/bin/qmail-smtpd" ] && [ -x "$dir/bin/qmail-remote" ]; then
	echo "realqmail: up to date in $dir"
	exit 0
fi

rm -rf -- "${dir:?}/stamp" "${dir:?}/bin" "${dir:?}/src"
mkdir -p "$root" "$dir/src"
chmod 0755 "$root"
[ -z "$(ls -A "$root")" ] ||
    fail "$root is not empty: it is only a mount point for the tests' qmail roots"
# qmail-smtpd and qmail-remote chdir to the compiled-in root as qmaild,
# vpopmail or qmailr: every directory above it must let others through.
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$root" ||
    fail "$root cannot be reached by other users (uid 65534): the qmail users could not chdir there; give the directories above it o+x, or build elsewhere"

tar -xzf "$tarball" -C "$dir/src" --strip-components=1 ||
    fail "cannot unpack $tarball"
printf '%s\n' "$root" >"$dir/src/conf-qmail"
# C from 1998: gcc 12 would stop on these (../shared/qmail/README.md).
sed -i '1s/$/ -Wno-implicit-function-declaration -Wno-implicit-int -Wno-incompatible-pointer-types -Wno-int-conversion/' \
    "$dir/src/conf-cc"
echo "realqmail: building qmail-smtpd and qmail-remote in $dir/src (log: $dir/build.log)"
start=$SECONDS
# Serial: the patched Makefile misses dependencies (md5c.o on the
# generated uint32.h), and make -j fails now and then.
if ! (cd "$dir/src" && make qmail-smtpd qmail-remote) \
    >"$dir/build.log" 2>&1; then
	printf 'FAIL: realqmail_build: make failed; the end of %s:\n' \
	    "$dir/build.log" >&2
	tail -n 40 "$dir/build.log" >&2
	exit 1
fi
mkdir "$dir/bin"
cp "$dir/src/qmail-smtpd" "$dir/src/qmail-remote" "$dir/bin/"
chmod 0755 "$dir/bin/qmail-smtpd" "$dir/bin/qmail-remote"
# What ../shared/qmail/README.md says these programs are: if the tarball
# changes, the tests' expectations (RSA only) must be looked at again.
nm -D --undefined-only "$dir/bin/qmail-smtpd" |
    grep -qw SSL_use_RSAPrivateKey_file ||
    fail "$dir/bin/qmail-smtpd does not import SSL_use_RSAPrivateKey_file: not the qmail-tls 20231230 the tests expect"
nm -D --undefined-only "$dir/bin/qmail-remote" |
    grep -qw SSL_CTX_use_RSAPrivateKey_file ||
    fail "$dir/bin/qmail-remote does not import SSL_CTX_use_RSAPrivateKey_file: not the qmail-tls 20231230 the tests expect"
printf '%s\n' "$want" >"$dir/stamp"
echo "realqmail: built in $((SECONDS - start)) s"
