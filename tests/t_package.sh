# shellcheck shell=bash
# labels: once
# fixtures: deb
# t_package.sh: the Debian package, built and installed as README.md shows,
# and built reproducibly.
#
# The README's "install-deb" commands (apt-get build-dep, dpkg-buildpackage
# -us -uc -b, apt-get install ../qmail-pem_*.deb) and a plain dpkg -i /
# dpkg --purge run as root on a throw-away copy of this machine
# (tests/sandbox.sh); then the installed qmail-pem, man page and
# completion; the file list and fields of the .deb.  (The source install is
# t_install_cmake.sh; lintian and the autopkgtest are t_package_lintian.sh
# and t_package_autopkgtest.sh.)
#
# Reproducible: the .deb files of this build and of t_package_build.sh's
# (the fixture "deb": another directory, umask 077 instead of 022, another
# time zone and locale, the wall clock a year ahead) must be the same
# bytes; when they are not, diffoscope's report of the difference is in the
# log.
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
qp_require dpkg-buildpackage dpkg-deb dpkg-parsechangelog fakeroot \
    cmake unshare tar git diffoscope
qp_require_package_fixture
store=$(qp_package_dir)

host_before=$(qp_host_state)
version=$("$QMAIL_PEM" --version)
upstream=$(dpkg-parsechangelog -l "$QP_SRCDIR/debian/changelog" -S Version)
debversion=$upstream
upstream=${upstream%-*}
qp_assert_eq "qmail-pem $upstream" "$version" \
    "debian/changelog ($debversion) and the program agree on the version"

# --- the Debian package ---------------------------------------------------------
deb_src="$QP_TMP/deb/qmail-pem"
qp_copy_tree "$deb_src"
cd "$deb_src"
# As a CI job would: both cores; debian/rules runs no tests anyway.
DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)"
export DEB_BUILD_OPTIONS
qp_assert_status 0 qp_readme_run install-deb qp_sandbox
qp_assert_contains "$QP_OUT" "qmail-pem $upstream" \
    "README install-deb: the installed qmail-pem runs"
arch=$(dpkg --print-architecture)
deb="$QP_TMP/deb/qmail-pem_${debversion}_$arch.deb"
changes="$QP_TMP/deb/qmail-pem_${debversion}_$arch.changes"
if [ ! -f "$deb" ] || [ ! -f "$changes" ]; then
	qp_fail "dpkg-buildpackage made no $deb and $changes"
fi
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

# One path a line, between newlines (the first and the last one too).
files=$'\n'$(cat "$QP_TMP/deb/files")$'\n'
for f in /usr/sbin/qmail-pem /usr/share/man/man8/qmail-pem.8.gz \
    /usr/share/doc/qmail-pem/README.md.gz /usr/share/doc/qmail-pem/copyright \
    /usr/share/doc/qmail-pem/contrib/ansible/qmail_pem/tasks/main.yml \
    /usr/share/doc/qmail-pem/contrib/ansible/qmail_pem/defaults/main.yml \
    /usr/share/doc/qmail-pem/contrib/bash-completion/qmail-pem \
    /usr/share/bash-completion/completions/qmail-pem; do
	qp_assert_contains "$files" $'\n'"$f"$'\n' "the package has $f"
done
qp_assert_not_contains "$files" "/usr/share/doc/qmail-pem/LICENSE" \
    "no second license file next to debian/copyright"

info=$(dpkg-deb -f "$deb" Package Section Priority Depends)
qp_assert_contains "$info" "Section: admin" "Section: admin"
qp_assert_contains "$info" "Priority: optional" "Priority: optional"
for lib in libssl3 libcap2 libjansson4 libc6; do
	qp_assert_contains "$info" "$lib" "Depends names $lib (shlibs)"
done
# opened with dlopen at first use (base/lazylib.h): named in debian/control
for lib in libelf1 libseccomp2 libacl1; do
	qp_assert_contains "$info" "$lib" "Depends names $lib (dlopen)"
done
# Nothing but the libraries is needed: what the README's recipes use is
# suggested, not installed with it (no Recommends).
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' |
    grep -v '^lib' || true)
qp_assert_eq "" "$depends" "Depends names libraries only"
qp_assert_eq "" "$(dpkg-deb -f "$deb" Recommends)" "no Recommends"
suggests=$(dpkg-deb -f "$deb" Suggests)
for p in certbot monitoring-plugins-basic prometheus-node-exporter; do
	qp_assert_contains "$suggests" "$p" "Suggests $p (the README's recipes)"
done
contents=$(dpkg-deb -c "$deb")
qp_assert_not_contains "$contents" "contrib/ansible/qmail_pem/tasks/main.yml.gz" \
    "contrib/ is not compressed (the role is used as it is)"

# Reproducible: the same bytes as the fixture's build.
printf 'this build: dir=%s clock=now umask=022 TZ=%s LC_ALL=%s\nthe other:\n%s\n' \
    "$deb_src" "${TZ:-unset}" "$LC_ALL" "$(cat "$store/conditions")"
for f in "qmail-pem_${debversion}_$arch.deb" \
    "qmail-pem-dbgsym_${debversion}_$arch.deb"; do
	if cmp -s "$QP_TMP/deb/$f" "$store/$f"; then
		qp_ok "$f: the same bytes from both builds"
		continue
	fi
	echo "== diffoscope $f (t_package_build.sh's, this test's)" >&2
	timeout -k 5 300 diffoscope --no-progress --text - \
	    "$store/$f" "$QP_TMP/deb/$f" >&2 || true
	qp_fail "$f differs between the two builds (diffoscope above)"
done

cd /
host_after=$(qp_host_state)
qp_assert_eq "$host_before" "$host_after" \
    "this machine has no qmail-pem installed by the test"
qp_done
