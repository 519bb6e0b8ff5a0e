# shellcheck shell=bash
# tests/srctree.sh: helpers for the tests that build and install qmail-pem
# from a copy of its source tree (t_package.sh, t_install_cmake.sh).
# Sourced after tests/lib.sh.

# qp_copy_tree DEST: copy the source tree (tracked and untracked-but-not-ignored
# files that exist; no build directories) to DEST.  Modes come from the
# umask, as in a checkout: rw for the owner, x where the file has it.
qp_copy_tree() {
	mkdir -p "$1"
	if git -C "$QP_SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$QP_SRCDIR" ls-files -z --cached --others --exclude-standard |
		    (cd "$QP_SRCDIR" && while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		    done) |
		    tar -C "$QP_SRCDIR" --null -T - -cf - |
		    tar -C "$1" --no-same-permissions -xf -
	else
		tar -C "$QP_SRCDIR" --exclude='./build' --exclude='./build-*' \
		    --exclude='./obj-*' -cf - . |
		    tar -C "$1" --no-same-permissions -xf -
	fi
}

# qp_host_state: the parts of this machine an install would change.
qp_host_state() {
	ls -ld /usr/sbin/qmail-pem /usr/local/sbin/qmail-pem \
	    /usr/share/man/man8/qmail-pem.8.gz /usr/local/share/doc/qmail-pem \
	    /usr/share/doc/qmail-pem /usr/local/share/man/man8/qmail-pem.8 \
	    /usr/share/bash-completion/completions/qmail-pem 2>&1 || true
	dpkg-query -W -f='${Status}\n' qmail-pem 2>&1 || true
}

# qp_package_dir: where t_package_build.sh (the CTest fixture "deb") leaves
# its source tree and packages for the tests that require it.
qp_package_dir() {
	[ -n "${QP_BUILDDIR:-}" ] || qp_fail "QP_BUILDDIR is not set (run the test with ctest)"
	printf '%s\n' "$QP_BUILDDIR/package"
}

# qp_require_package_fixture: fail unless t_package_build.sh left its
# packages (ctest runs it first for a test that requires the fixture "deb").
qp_require_package_fixture() {
	local store
	store=$(qp_package_dir) || exit 1
	compgen -G "$store/qmail-pem_*.changes" >/dev/null ||
	    qp_fail "no packages in $store: run the test with ctest, which runs t_package_build first (fixture deb)"
}
