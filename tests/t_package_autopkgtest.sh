# shellcheck shell=bash
# labels: once
# fixtures: deb
# t_package_autopkgtest.sh: the package's autopkgtest (debian/tests), run
# as README.md's "package-autopkgtest" block says (autopkgtest ... -- null)
# on the packages of t_package_build.sh (the fixture "deb").
#
# The null runner tests on the machine it runs on: it installs the package
# and the test dependencies there, and the tests run as root.  Here it runs
# in a throw-away copy of this machine (tests/sandbox.sh), so that nothing
# changes even when the test is killed, and without lib.sh's users and
# groups in that copy (QP_SANDBOX_USERS=machine): the autopkgtest must make
# qmail's itself.  Inside the copy, the test checks what a real run on a
# machine leaves behind: the same /etc/passwd, group, shadow and gshadow
# (the users and groups the test made are removed) and no control
# directory left in /tmp; then the package is purged.
#
# apt: autopkgtest runs apt-get update before and after the tests.  The
# copy's apt sources are put aside, so that apt sees only autopkgtest's
# local repository (the .deb under test) and what is installed: no network,
# and a test dependency missing here (build.sh installs them all) fails the
# test instead of being downloaded.
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
qp_require autopkgtest dpkg-parsechangelog unshare
qp_require_package_fixture
store=$(qp_package_dir)

# The machine's user database and packages, before and after.
host_state() {
	qp_host_state
	sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow
}
host_before=$(host_state)

debversion=$(dpkg-parsechangelog -l "$QP_SRCDIR/debian/changelog" -S Version)
code=$(qp_readme_block package-autopkgtest)
cd "$store/qmail-pem-${debversion%-*}"

# run_autopkgtest: the README's block in the sandbox, with the checks of
# what it leaves; the block's status.
run_autopkgtest() {
	# shellcheck disable=SC2016  # expanded in the sandbox
	QP_SANDBOX_USERS=machine QP_SANDBOX_TIMEOUT=540 qp_sandbox bash -uo pipefail -c '
		code=$1
		users() {
			sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow
			getent group nofiles qmail
			getent passwd qmaild qmailr
			return 0
		}
		before=$(users)
		for g in nofiles qmail; do
			getent group "$g" >/dev/null && echo "had group $g"
		done
		for u in qmaild qmailr; do
			getent passwd "$u" >/dev/null && echo "had user $u"
		done
		mkdir /run/qp-apt-sources
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*; do
			[ ! -e "$f" ] || mv "$f" /run/qp-apt-sources/
		done
		st=0
		bash -euo pipefail -c "$code" || st=$?
		echo "autopkgtest: status $st"
		after=$(users)
		[ "$before" = "$after" ] && echo "users and groups: as before" ||
		    printf "users and groups changed:\n%s\n" "$after"
		for d in /tmp/qmail-pem-autopkgtest.*; do
			[ ! -e "$d" ] || echo "left in /tmp: $d"
		done
		echo "installed: $(dpkg-query -W -f="\${Status} \${Version}" qmail-pem)"
		dpkg --purge qmail-pem >/dev/null
		echo "after purge: $(dpkg-query -W -f="\${Status}" qmail-pem 2>&1)"
		exit "$st"
	' sh "$code"
}
qp_assert_status 0 run_autopkgtest
all="$QP_OUT
$QP_ERR"
qp_assert_contains "$all" "autopkgtest: status 0" "autopkgtest passes (status 0)"
summary=$(printf '%s\n' "$all" | sed -n '/@@@@ summary/,$p')
printf '%s\n' "$summary" | sed -n '2,3p'
for t in 'control-files PASS' 'manual PASS (superficial)'; do
	printf '%s\n' "$summary" | tr -s ' ' | grep -qFx "$t" ||
	    qp_fail "the autopkgtest summary has no line '$t'"
	qp_ok "autopkgtest summary: $t"
done
qp_assert_contains "$all" "installed: install ok installed $debversion" \
    "autopkgtest installed the package under test"
# Made and removed by the test, unless this machine has them (qmail).
for ent in "group nofiles" "group qmail" "user qmaild" "user qmailr"; do
	case $all in
	*"had $ent"*) continue ;;
	esac
	qp_assert_contains "$all" "made $ent" "the autopkgtest made the $ent"
	qp_assert_contains "$all" "removed $ent" "and removed it"
done
for step in "install: verify: QMAIL-PEM OK" \
    "install: verify --format json: OK 0" \
    "install: verify --format prometheus" "rotate: new certificates" \
    "rollback: the certificates install made are back" \
    "man 8 qmail-pem: "; do
	qp_assert_contains "$all" "ok - $step" "the autopkgtest checked: $step"
done
qp_assert_contains "$all" "users and groups: as before" \
    "the autopkgtest leaves passwd, group, shadow and gshadow as they were"
qp_assert_not_contains "$all" "left in /tmp:" \
    "the autopkgtest leaves no control directory in /tmp"
qp_assert_contains "$all" "after purge: dpkg-query: no packages found" \
    "the package is purged afterwards"

cd /
qp_assert_eq "$host_before" "$(host_state)" \
    "this machine: no qmail-pem installed, the same users and groups"
qp_done
