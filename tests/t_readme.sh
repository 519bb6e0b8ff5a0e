# shellcheck shell=bash
# t_readme.sh: the monitoring set-up README.md shows, run as it is written.
#
# The blocks marked <!-- test: NAME --> (tests/readme.sh) are used verbatim,
# with their real paths (/usr/sbin/qmail-pem, /var/qmail/control,
# /etc/sudoers.d, /etc/nagios/nrpe.d, /var/lib/prometheus/node-exporter), in
# a throw-away copy of this machine (tests/sandbox.sh): the sandbox gets the
# built binary as /usr/sbin/qmail-pem, a control directory made by
# qmail-pem install, and the user nagios, as the package and
# nagios-nrpe-server would leave them.  Then:
#
#   nrpe-sudoers, nrpe-command: the sudoers line passes visudo; the NRPE
#     command line, run as nagios, reports OK through sudo; the same line
#     with other arguments is refused by sudo;
#   prometheus-cron: the cron line's command writes a file that promtool
#     check metrics accepts.
# (The alert rules, dashboard and Icinga/Nagios definitions README.md
# points to are contrib/'s: t_monitoring.sh.)
#
# Finally every marker in README.md must be run by some test, so that no
# block is marked as tested without being tested.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/sandbox.sh
. "$QP_SRCDIR/tests/sandbox.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"

qp_setup
qp_require promtool visudo sudo runuser useradd unshare

R="$QP_TMP/readme"
mkdir -p "$R"
qp_readme_block nrpe-sudoers >"$R/sudoers"
qp_readme_block nrpe-command >"$R/nrpe.cfg"
qp_readme_block prometheus-cron >"$R/cron"
cp "$QMAIL_PEM" "$R/qmail-pem"

# shellcheck disable=SC2016  # expanded in the sandbox
qp_assert_status 0 qp_sandbox bash -euo pipefail -c '
	R=$1
	install -m 0755 "$R/qmail-pem" /usr/sbin/qmail-pem
	install -d -m 0755 /var/qmail/control /etc/nagios/nrpe.d \
	    /var/lib/prometheus/node-exporter
	echo mail.example.com >/var/qmail/control/me
	qmail-pem install -q
	getent passwd nagios >/dev/null || useradd -r -M -s /usr/sbin/nologin nagios

	# nrpe-sudoers, nrpe-command: as README.md says to write them.
	install -m 0440 "$R/sudoers" /etc/sudoers.d/qmail-pem
	visudo -cf /etc/sudoers.d/qmail-pem
	install -m 0644 "$R/nrpe.cfg" /etc/nagios/nrpe.d/qmail-pem.cfg
	line=$(sed -n "s/^command\[check_qmail_pem\]=//p" \
	    /etc/nagios/nrpe.d/qmail-pem.cfg)
	echo "nrpe: $line"
	st=0
	out=$(runuser -u nagios -- sh -c "$line") || st=$?
	echo "check_qmail_pem: status $st: $out"
	st=0
	runuser -u nagios -- sh -c "$line --format json" >/dev/null 2>&1 || st=$?
	echo "other arguments: status $st"

	# prometheus-cron: the command of the cron line.
	cmd=$(grep -v "^#" "$R/cron" | sed -n "s/^\([^ ]* \)\{5\}root //p")
	echo "cron: $cmd"
	sh -c "$cmd"
	prom=/var/lib/prometheus/node-exporter/qmail-pem.prom
	promtool check metrics <"$prom" && echo "promtool metrics: ok"
	grep "^qmail_pem_status " "$prom"
	echo end
' sh "$R"
qp_assert_contains "$QP_OUT" "nrpe: /usr/bin/sudo -n /usr/sbin/qmail-pem verify" \
    "README's NRPE command runs qmail-pem verify through sudo"
qp_assert_contains "$QP_OUT" "check_qmail_pem: status 0: QMAIL-PEM OK - " \
    "run as nagios, README's NRPE command reports OK (status 0)"
qp_assert_contains "$QP_OUT" "other arguments: status 1" \
    "README's sudoers rule allows that command line only"
qp_assert_contains "$QP_OUT" "promtool metrics: ok" \
    "README's cron line writes metrics promtool accepts"
qp_assert_contains "$QP_OUT" "qmail_pem_status 0" "and they say OK"
qp_assert_contains "$QP_OUT" "end" "the checks ran to the end"

# Every marked block is run by a test.
for name in $(qp_readme_markers); do
	grep -lE "qp_readme_(run|block) $name( |\$|\))" "$QP_SRCDIR"/tests/t_*.sh \
	    >/dev/null || qp_fail "README.md block '$name' is run by no test"
	qp_ok "README.md block '$name' is run by a test"
done
qp_done
