# shellcheck shell=bash
# t_package.sh: the ways to install qmail-pem, as README.md shows them.
#
#   - the README's "install-deb" commands (apt-get build-dep,
#     dpkg-buildpackage -us -uc -b, apt-get install ../qmail-pem_*.deb) and a
#     plain dpkg -i / dpkg --purge, run as root on a throw-away copy of this
#     machine (tests/sandbox.sh), then the installed qmail-pem, man page and
#     completion; lintian --fail-on error on the result; the file list;
#   - the README's "install-source" commands (./build.sh, cmake --install)
#     the same way, then cmake --install with DESTDIR, --prefix and
#     CMAKE_INSTALL_PREFIX into this test's temp dir.
#
# Each build starts from a copy of the source tree (the files git knows or
# would add), in the test's temp dir; the repository is never written.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/sandbox.sh
. "$QP_SRCDIR/tests/sandbox.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"

qp_setup
qp_require dpkg-buildpackage dpkg-deb dpkg-parsechangelog lintian fakeroot \
    cmake unshare tar git

# copy_tree DEST: copy the source tree (tracked and untracked-but-not-ignored
# files that exist; no build directories) to DEST.
copy_tree() {
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

# host_state: the parts of this machine an install would change.
host_state() {
	ls -ld /usr/sbin/qmail-pem /usr/local/sbin/qmail-pem \
	    /usr/share/man/man8/qmail-pem.8.gz /usr/local/share/doc/qmail-pem \
	    /usr/share/bash-completion/completions/qmail-pem 2>&1 || true
	dpkg-query -W -f='${Status}\n' qmail-pem 2>&1 || true
}

host_before=$(host_state)
version=$("$QMAIL_PEM" --version)
upstream=$(dpkg-parsechangelog -l "$QP_SRCDIR/debian/changelog" -S Version)
debversion=$upstream
upstream=${upstream%-*}
qp_assert_eq "qmail-pem $upstream" "$version" \
    "debian/changelog ($debversion) and the program agree on the version"

# --- the Debian package ---------------------------------------------------------
deb_src="$QP_TMP/deb/qmail-pem"
copy_tree "$deb_src"
cd "$deb_src"
qp_assert_status 0 qp_readme_run install-deb qp_sandbox
qp_assert_contains "$QP_OUT" "qmail-pem $upstream" \
    "README install-deb: the installed qmail-pem runs"
arch=$(dpkg --print-architecture)
deb="$QP_TMP/deb/qmail-pem_${debversion}_$arch.deb"
changes="$QP_TMP/deb/qmail-pem_${debversion}_$arch.changes"
[ -f "$deb" ] && [ -f "$changes" ] ||
    qp_fail "dpkg-buildpackage made no $deb and $changes"
qp_ok "dpkg-buildpackage made $(basename "$deb")"

# What the package installs, inspected inside the copy it was installed in;
# then dpkg -i and dpkg --purge of the same file.
# shellcheck disable=SC2016  # expanded in the sandbox
qp_assert_status 0 qp_sandbox bash -euo pipefail -c '
	deb=$1
	dpkg -i "$deb" >/dev/null
	echo "status: $(dpkg-query -W -f="\${Status} \${Version}" qmail-pem)"
	echo "which: $(command -v qmail-pem)"
	echo "version: $(qmail-pem --version)"
	echo "mode: $(stat -c "%U:%G %a" /usr/sbin/qmail-pem)"
	echo "man: $(man -w 8 qmail-pem)"
	echo "help: $(qmail-pem --help | head -n 1)"
	. /usr/share/bash-completion/completions/qmail-pem
	echo "complete: $(complete -p qmail-pem)"
	dpkg -L qmail-pem >"$2"
	dpkg --purge qmail-pem >/dev/null
	echo "after purge: $(dpkg-query -W -f="\${Status}" qmail-pem 2>&1)"
	while read -r f; do
		[ -f "$f" ] && echo "left: $f"
	done <"$2"
	echo end
' sh "$deb" "$QP_TMP/deb/files"
qp_assert_contains "$QP_OUT" "status: install ok installed $debversion" \
    "dpkg -i installs the package"
qp_assert_contains "$QP_OUT" "which: /usr/sbin/qmail-pem" "binary in /usr/sbin"
qp_assert_contains "$QP_OUT" "version: qmail-pem $upstream" \
    "qmail-pem --version from the package"
qp_assert_contains "$QP_OUT" "mode: root:root 755" "binary root:root 0755"
qp_assert_contains "$QP_OUT" "man: /usr/share/man/man8/qmail-pem.8.gz" \
    "man -w finds qmail-pem(8)"
qp_assert_contains "$QP_OUT" "help: usage: qmail-pem COMMAND" "--help works"
qp_assert_contains "$QP_OUT" "complete: complete -F _qmail_pem qmail-pem" \
    "the packaged completion registers itself"
qp_assert_contains "$QP_OUT" "after purge: dpkg-query: no packages found" \
    "dpkg --purge removes the package"
qp_assert_not_contains "$QP_OUT" "left:" "dpkg --purge leaves no file behind"
qp_assert_contains "$QP_OUT" "end" "the checks ran to the end"

files=$(cat "$QP_TMP/deb/files")
for f in /usr/sbin/qmail-pem /usr/share/man/man8/qmail-pem.8.gz \
    /usr/share/doc/qmail-pem/README.md.gz /usr/share/doc/qmail-pem/copyright \
    /usr/share/doc/qmail-pem/contrib/ansible/qmail_pem/tasks/main.yml \
    /usr/share/doc/qmail-pem/contrib/ansible/qmail_pem/defaults/main.yml \
    /usr/share/doc/qmail-pem/contrib/bash-completion/qmail-pem \
    /usr/share/bash-completion/completions/qmail-pem; do
	qp_assert_contains "$files" "$f"$'\n' "the package has $f"
done
qp_assert_not_contains "$files" "/usr/share/doc/qmail-pem/LICENSE" \
    "no second license file next to debian/copyright"

info=$(dpkg-deb -f "$deb" Package Section Priority Depends)
qp_assert_contains "$info" "Section: admin" "Section: admin"
qp_assert_contains "$info" "Priority: optional" "Priority: optional"
for lib in libssl3 libcap2 libjansson4 libc6; do
	qp_assert_contains "$info" "$lib" "Depends names $lib (shlibs)"
done
contents=$(dpkg-deb -c "$deb")
qp_assert_not_contains "$contents" "contrib/ansible/qmail_pem/tasks/main.yml.gz" \
    "contrib/ is not compressed (the role is used as it is)"

# lintian: no errors (it warns when run as root; it only reads here).
qp_assert_status 0 lintian --fail-on error --no-tag-display-limit "$changes"
qp_assert_not_contains "$QP_OUT" "E: " "lintian reports no errors"
if [ -n "$QP_OUT" ]; then
	printf 'lintian (not errors):\n%s\n' "$QP_OUT"
fi

# --- from source -----------------------------------------------------------------
src="$QP_TMP/src/qmail-pem"
copy_tree "$src"
cd "$src"
qp_assert_status 0 qp_readme_run install-source qp_sandbox bash -ec '
	"$@"
	echo "which: $(command -v qmail-pem)"
	echo "man: $(man -w 8 qmail-pem)"
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
outside=$(grep -v "^$stage/" build/install_manifest.txt || true)
qp_assert_eq "" "$outside" "install_manifest.txt lists only files under DESTDIR"

qp_assert_status 0 cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$QP_TMP/prefix"
qp_assert_status 0 cmake --install build
qp_assert_status 0 "$QP_TMP/prefix/sbin/qmail-pem" --version
qp_ok "CMAKE_INSTALL_PREFIX=$QP_TMP/prefix: $QP_TMP/prefix/sbin/qmail-pem runs"
[ -f "$QP_TMP/prefix/share/man/man8/qmail-pem.8" ] ||
    qp_fail "CMAKE_INSTALL_PREFIX: no share/man/man8/qmail-pem.8"
qp_ok "CMAKE_INSTALL_PREFIX: the manual under the prefix"

cd /
host_after=$(host_state)
qp_assert_eq "$host_before" "$host_after" \
    "this machine has no qmail-pem installed by the test"
qp_done
