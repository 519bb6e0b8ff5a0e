# shellcheck shell=bash
# tests/srctree.sh: helpers for the tests that build and install qmail-pem
# from a copy of its source tree (t_package.sh, t_install_cmake.sh).
# Sourced after tests/lib.sh.

# qp_copy_tree DEST: copy the source tree (tracked and untracked-but-not-ignored
# files that exist; no build directories) to DEST.
qp_copy_tree() {
	mkdir -p "$1"
	if git -C "$QP_SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$QP_SRCDIR" ls-files -z --cached --others --exclude-standard |
		    (cd "$QP_SRCDIR" && while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		    done) |
		    tar -C "$QP_SRCDIR" --null -T - -cf - | tar -C "$1" -xf -
	else
		tar -C "$QP_SRCDIR" --exclude='./build' --exclude='./build-*' \
		    --exclude='./obj-*' -cf - . | tar -C "$1" -xf -
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
