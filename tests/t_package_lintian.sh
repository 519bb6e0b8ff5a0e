# shellcheck shell=bash
# labels: once
# fixtures: deb
# t_package_lintian.sh: lintian has nothing to say about the package.
#
# README.md's "package-lintian" block (lintian -I -E --pedantic, failing on
# every level) on the source and binary packages of t_package_build.sh (the
# fixture "deb"), whose .deb t_package.sh finds byte-identical to its own:
# no tag, of any level, that is not overridden; an override that no longer
# matches is a tag too (unused-override).  Every override in
# debian/*.lintian-overrides and debian/source/lintian-overrides has a
# comment right above it saying why, which lintian shows with it.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"
# shellcheck source=tests/srctree.sh
. "$QP_SRCDIR/tests/srctree.sh"

qp_setup
qp_require lintian dpkg-parsechangelog
qp_require_package_fixture
store=$(qp_package_dir)

debversion=$(dpkg-parsechangelog -l "$QP_SRCDIR/debian/changelog" -S Version)
changes="$store/qmail-pem_${debversion}_$(dpkg --print-architecture).changes"
qp_assert_contains "$(cat "$changes")" "qmail-pem_$debversion.dsc" \
    "lintian gets the source package too"

# In the fixture's tree, as the README says (the block names ../*.changes).
# lintian says on stderr that it runs as root; it only reads here.
cd "$store/qmail-pem-${debversion%-*}"
qp_assert_status 0 qp_readme_run package-lintian
qp_assert_eq "" "$QP_OUT" "lintian -I -E --pedantic reports no tag"

for f in "$QP_SRCDIR"/debian/*.lintian-overrides \
    "$QP_SRCDIR"/debian/source/lintian-overrides; do
	[ -f "$f" ] || continue
	bare=$(awk '/^[ \t]*#/ { comment = 1; next }
	    NF { if (!comment) print FILENAME ":" FNR ": " $0 }
	    { comment = 0 }' "$f")
	qp_assert_eq "" "$bare" \
	    "every override in ${f#"$QP_SRCDIR"/} has a comment right above it"
done
qp_done
