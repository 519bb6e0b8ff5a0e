# shellcheck shell=bash
# labels: once
# t_install_cmake.sh: qmail-pem installed from source, as README.md shows.
#
# The README's "install-source" commands (./build.sh, cmake --install) run
# as root on a throw-away copy of this machine (tests/sandbox.sh), then the
# installed qmail-pem, man page, completion, README and contrib/; then, on
# this machine but into this test's temp dir only, cmake --install with
# DESTDIR and --prefix, and with CMAKE_INSTALL_PREFIX set when configuring.
# No make: cmake --build and cmake --install only.
#
# The build starts from a copy of the source tree (the files git knows or
# would add), in the test's temp dir; the repository is never written.
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
qp_require cmake unshare tar git

host_before=$(qp_host_state)
upstream=$("$QMAIL_PEM" --version)
upstream=${upstream#qmail-pem }

# --- from source -----------------------------------------------------------------
src="$QP_TMP/src/qmail-pem"
qp_copy_tree "$src"
cd "$src"
# shellcheck disable=SC2016  # expanded in the sandbox
qp_assert_status 0 qp_readme_run install-source qp_sandbox bash -ec '
	"$@"
	echo "which: $(command -v qmail-pem)"
	# Debian links /usr/local/man to share/man; man -w may name either.
	echo "man: $(readlink -f "$(man -w 8 qmail-pem)")"
	ls /usr/local/share/doc/qmail-pem/README.md \
	    /usr/local/share/doc/qmail-pem/contrib/ansible/qmail_pem/tasks/main.yml \
	    /usr/local/share/bash-completion/completions/qmail-pem
' sh
qp_assert_contains "$QP_OUT" "qmail-pem $upstream" \
    "README install-source: the installed qmail-pem runs"
qp_assert_contains "$QP_OUT" "which: /usr/local/sbin/qmail-pem" \
    "cmake --install puts it in /usr/local/sbin"
qp_assert_contains "$QP_OUT" "man: /usr/local/share/man/man8/qmail-pem.8" \
    "man -w finds the manual under /usr/local"
qp_assert_contains "$QP_OUT" \
    "/usr/local/share/bash-completion/completions/qmail-pem" \
    "completion, README and contrib/ installed"

# DESTDIR and --prefix, on this machine, into the temp dir only.
stage="$QP_TMP/stage"
qp_assert_status 0 env DESTDIR="$stage" cmake --install build --prefix /usr
for f in usr/sbin/qmail-pem usr/share/man/man8/qmail-pem.8 \
    usr/share/doc/qmail-pem/README.md usr/share/doc/qmail-pem/LICENSE \
    usr/share/doc/qmail-pem/contrib/ansible/qmail_pem/tasks/main.yml \
    usr/share/bash-completion/completions/qmail-pem; do
	[ -f "$stage/$f" ] || qp_fail "DESTDIR install: no $stage/$f"
	qp_ok "DESTDIR=$stage --prefix /usr: $f"
done
qp_assert_status 0 "$stage/usr/sbin/qmail-pem" --version
qp_assert_eq "qmail-pem $upstream" "$QP_OUT" "the staged binary runs"
# The manifest names the files as installed, without DESTDIR: each one is
# under the prefix and was written below $stage.
n=0
while IFS= read -r f; do
	case $f in
	/usr/*) ;;
	*) qp_fail "install_manifest.txt: $f is not under the prefix /usr" ;;
	esac
	[ -f "$stage$f" ] || qp_fail "install_manifest.txt: $f is not in $stage"
	n=$((n + 1))
done <build/install_manifest.txt
[ "$n" -gt 5 ] || qp_fail "install_manifest.txt lists $n files"
qp_ok "the $n files of install_manifest.txt are all below DESTDIR"

qp_assert_status 0 cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$QP_TMP/prefix"
qp_assert_status 0 cmake --install build
qp_assert_status 0 "$QP_TMP/prefix/sbin/qmail-pem" --version
qp_ok "CMAKE_INSTALL_PREFIX=$QP_TMP/prefix: $QP_TMP/prefix/sbin/qmail-pem runs"
[ -f "$QP_TMP/prefix/share/man/man8/qmail-pem.8" ] ||
    qp_fail "CMAKE_INSTALL_PREFIX: no share/man/man8/qmail-pem.8"
qp_ok "CMAKE_INSTALL_PREFIX: the manual under the prefix"
cd /
host_after=$(qp_host_state)
qp_assert_eq "$host_before" "$host_after" \
    "this machine has no qmail-pem installed by the test"
qp_done
