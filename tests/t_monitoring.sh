# shellcheck shell=bash
# labels: once
# t_monitoring.sh: the fleet monitoring files in contrib/, checked by the real
# programs against what qmail-pem verify really writes.
#
# Two real textfiles first: a healthy control directory with the server
# presenting its certificate (verify -d --connect), and a broken one
# (servercert.pem 0644, clientcert.pem 0600 so that qmailr cannot read it,
# read as a qmailrocks run script says, whose qmail-smtpd runs in group
# vchkpw, not nofiles; a server still presenting the certificate of before a
# renewal).  Then:
#
#   prometheus/qmail-pem.rules.yml: promtool check rules; its unit test
#     qmail-pem.rules.test.yml passes promtool test rules; every metric and
#     check it names is one verify writes, and the states its test feeds are
#     states verify reported here; on the real textfiles (tests/promseries.py)
#     the healthy server fires no alert at all and the broken one exactly
#     the alerts it should;
#   grafana/qmail-pem.json: valid JSON, a dashboard Grafana can import; every
#     metric, label and check its queries name is one verify writes; every
#     query, dashboard variables put in, parses (promtool check rules on a
#     rules file made of them) and returns data on the real textfiles;
#   icinga2/qmail-pem.conf: icinga2 daemon -C accepts it in a master zone
#     of a minimal configuration in a temp dir, and it gives the agent host
#     and the NRPE host one service each and other hosts none;
#   nagios/qmail-pem.cfg: nagios4 -v accepts it in a minimal nagios.cfg;
#   one command line: the Icinga 2 CheckCommand (as icinga2 parsed it), the
#     Nagios command (as nagios4 parsed it), and README.md's sudoers rule
#     and NRPE command run the same qmail-pem verify through sudo, word for
#     word (the Ansible role writes all four from the same variables:
#     t_ansible.sh).
#
# Labelled once: the monitoring files do not depend on how qmail-pem was
# compiled; the verify output used here is tested under valgrind and ASan
# by the verify tests.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/verify_lib.sh
. "$QP_SRCDIR/tests/verify_lib.sh"
# shellcheck source=tests/live_lib.sh
. "$QP_SRCDIR/tests/live_lib.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"
qp_setup
live_init
qp_require promtool icinga2 nagios4 python3

C="$QP_SRCDIR/contrib"
M="$QP_TMP/monitoring"
mkdir -p "$M"
nosvc="$QP_TMP/no-services"
mkdir -m 0755 "$nosvc"

# --- real textfiles ------------------------------------------------------------
ok=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$ok" --service-dir "$nosvc"
live_start ok --mode aiosmtpd --cert "$ok/servercert.pem" --auth after
qp_assert_status 0 "$QMAIL_PEM" verify -d "$ok" --service-dir "$nosvc" \
    --connect "127.0.0.1:$LIVE_PORT" --format prometheus --output "$M/ok.prom"

bad="$QP_TMP/bad"
mkdir -m 0755 "$bad"
printf 'mail.example.com\n' >"$bad/me"
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$bad" --service-dir "$nosvc"
cp "$bad/servercert.pem" "$M/old.pem"
live_start old --mode aiosmtpd --cert "$M/old.pem" --auth after
qp_assert_status 0 "$QMAIL_PEM" install -q -d "$bad" --service-dir "$nosvc" \
    --new-key
chmod 0644 "$bad/servercert.pem"
chmod 0600 "$bad/clientcert.pem"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$bad" \
    --service-dir "$QP_SRCDIR/tests/fixtures/service/qmailrocks" \
    --connect "127.0.0.1:$LIVE_PORT" --format prometheus --output "$M/bad.prom"
for f in ok bad; do
	promtool check metrics <"$M/$f.prom" >/dev/null 2>&1 ||
	    qp_fail "promtool check metrics rejects $f.prom"
done
qp_ok "verify wrote a healthy and a broken textfile"

# --- Prometheus alert rules -------------------------------------------------------
rules="$C/prometheus/qmail-pem.rules.yml"
qp_assert_status 0 promtool check rules "$rules"
qp_assert_contains "$QP_OUT" "SUCCESS: 10 rules found" \
    "promtool check rules accepts the alert rules"
qp_assert_status 0 promtool test rules "$C/prometheus/qmail-pem.rules.test.yml"
qp_assert_contains "$QP_OUT" "SUCCESS" \
    "promtool test rules: the rules' unit test passes"

# names FILE...: every metric name and every check="..." the files name, one
# "metric NAME" or "check NAME" a line.
names() {
	grep -ohE 'qmail_pem_[a-z_]+|check(=|!)~?\\?"[^"\\]*' "$@" |
	    sed -E 's/^check(=|!)~?\\?"/check\t/; s/^qmail_pem/metric\tqmail_pem/' |
	    awk -F '\t' '$1 == "check" { n = split($2, a, "|"); for (i = 1; i <= n; i++) print "check " a[i]; next } { print "metric " $2 }' |
	    sort -u
}
written=$( {
	sed -n 's/^\(qmail_pem_[a-z_]*\).*/metric \1/p' "$M/ok.prom" "$M/bad.prom"
	sed -n 's/.*check="\([^"]*\)".*/check \1/p' "$M/ok.prom" "$M/bad.prom"
} | sort -u)
# Not the rules' own names.
for n in $(names "$rules" "$C/prometheus/qmail-pem.rules.test.yml" | tr ' ' ':'); do
	qp_assert_contains $'\n'"$written"$'\n' $'\n'"${n/:/ }"$'\n' \
	    "the rules name ${n/:/ }, which verify writes"
done

# The states the unit test feeds are states verify reports: the broken
# directory's files and server, as the test's mail3, mail4 and mail5.
for s in 'servercert.pem mode 2' 'clientcert.pem mode 2' \
    'clientcert.pem reader-can-read 2' 'clientcert.pem reader-cannot-read 2' \
    'smtp:127.0.0.1:PORT live-cert-matches 1'; do
	read -r file check value <<<"${s/PORT/$LIVE_PORT}"
	qp_assert_contains "$(cat "$M/bad.prom")" \
	    "qmail_pem_check_status{file=\"$file\",check=\"$check\"} $value" \
	    "verify reports $check $value for $file, as the unit test feeds it"
done

# The rules on the real textfiles.  The annotations are the unit test's
# business: here a copy without them, so that each expected alert is its
# labels.
python3 - "$rules" "$M/bare.rules.yml" <<'EOF'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for g in doc["groups"]:
    for r in g["rules"]:
        r.pop("annotations", None)
yaml.safe_dump(doc, open(sys.argv[2], "w"), sort_keys=False)
EOF
ap="127.0.0.1:$LIVE_PORT"
{
	printf 'rule_files:\n  - bare.rules.yml\nevaluation_interval: 1m\ntests:\n'
	printf '  - interval: 1m\n    input_series:\n'
	python3 "$QP_SRCDIR/tests/promseries.py" "ok:9100=$M/ok.prom"
	printf '    alert_rule_test:\n'
	sed -n 's/^ *- alert: //p' "$rules" | sort -u | while read -r a; do
		for t in 5m 20m; do
			printf '      - eval_time: %s\n        alertname: %s\n        exp_alerts: []\n' "$t" "$a"
		done
	done
	printf '  - interval: 1m\n    input_series:\n'
	python3 "$QP_SRCDIR/tests/promseries.py" "bad:9100=$M/bad.prom"
	cat <<-EOF
	    alert_rule_test:
	      - eval_time: 20m
	        alertname: QmailPemKeyExposed
	        exp_alerts:
	          - exp_labels: {instance: "bad:9100", job: node, severity: critical, file: servercert.pem, check: mode}
	          - exp_labels: {instance: "bad:9100", job: node, severity: critical, file: servercert.pem, check: group}
	      - eval_time: 20m
	        alertname: QmailPemReaderCannotRead
	        exp_alerts:
	          - exp_labels: {instance: "bad:9100", job: node, severity: critical, file: clientcert.pem, check: reader-can-read}
	          - exp_labels: {instance: "bad:9100", job: node, severity: critical, file: clientcert.pem, check: reader-cannot-read}
	      - eval_time: 5m
	        alertname: QmailPemServerPresentsOldCertificate
	        exp_alerts: []
	      - eval_time: 20m
	        alertname: QmailPemServerPresentsOldCertificate
	        exp_alerts:
	          - exp_labels: {instance: "bad:9100", job: node, severity: warning, file: "smtp:$ap", check: live-cert-matches}
	EOF
	for a in QmailPemCertificateExpiring QmailPemCheckFailed \
	    QmailPemVerifyFailed QmailPemMetricsStale; do
		printf '      - eval_time: 20m\n        alertname: %s\n        exp_alerts: []\n' "$a"
	done
} >"$M/real.test.yml"
qp_assert_status 0 promtool test rules "$M/real.test.yml"
qp_assert_contains "$QP_OUT" "SUCCESS" \
    "on real textfiles: no alert for the healthy server, the right ones for the broken one"

# --- Grafana dashboard -----------------------------------------------------------
dash="$C/grafana/qmail-pem.json"
# Every query of the dashboard, variables put in, as "ID<TAB>EXPR" lines:
# panel targets, and the metric selectors of the variables' label_values();
# and a rules file of them.
qp_assert_status 0 python3 - "$dash" "$M/dash.queries" "$M/dash.rules.yml" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
for k in ("title", "uid", "schemaVersion", "panels", "templating"):
    assert k in d, "no %s" % k
subst = {"$job": ".+", "$instance": ".+", "$file": ".+",
         "$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d"}
def put(expr):
    for k in sorted(subst, key=len, reverse=True):
        expr = expr.replace(k, subst[k])
    assert "$" not in expr, "a variable left in " + expr
    return expr
out = []
ids = set()
variables = {v["name"] for v in d["templating"]["list"]}
assert "datasource" in variables
for p in d["panels"]:
    assert p["id"] not in ids, "panel id %s twice" % p["id"]
    ids.add(p["id"])
    assert set(p["gridPos"]) == {"x", "y", "w", "h"}, p["title"]
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    assert p["targets"], p["title"]
    refs = set()
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${datasource}", p["title"]
        assert t["refId"] not in refs
        refs.add(t["refId"])
        out.append(("panel_%d_%s" % (p["id"], t["refId"]), put(t["expr"])))
for v in d["templating"]["list"]:
    if v["type"] != "query":
        continue
    m = re.fullmatch(r"label_values\((.*), *([a-z_]+)\)", v["query"]["query"])
    assert m, v["query"]
    out.append(("variable_%s" % v["name"], put(m.group(1))))
with open(sys.argv[2], "w") as f:
    for i, e in out:
        f.write("%s\t%s\n" % (i, e))
with open(sys.argv[3], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in out:
        f.write("      - record: qmail_pem_dashboard:%s\n        expr: %s\n"
                % (i, json.dumps(e)))
        f.write("      - alert: Empty_%s\n        expr: %s\n"
                % (i, json.dumps("absent(%s)" % e)))
print("%d panels, %d queries" % (len(ids), len(out)))
EOF
qp_ok "the dashboard is valid JSON with unique panel ids, data source \${datasource} ($QP_OUT)"

labels_written=$( {
	echo job; echo instance
	grep -v '^#' "$M/ok.prom" "$M/bad.prom" | grep -oE '[a-z_]+="' | tr -d '="'
} | sort -u)
for n in $(names "$M/dash.queries" | tr ' ' ':'); do
	qp_assert_contains $'\n'"$written"$'\n' $'\n'"${n/:/ }"$'\n' \
	    "the dashboard names ${n/:/ }, which verify writes"
done
# The labels the queries match on or group by.
used_labels=$( {
	cut -f2 "$M/dash.queries" | grep -oE '[a-z_]+(=~|!~|!=|=)"' |
	    grep -oE '^[a-z_]+'
	cut -f2 "$M/dash.queries" | grep -oE 'by \([a-z_, ]+\)' |
	    grep -oE '[a-z_]+' | grep -vx by
} | sort -u)
for l in $used_labels; do
	qp_assert_contains $'\n'"$labels_written"$'\n' $'\n'"$l"$'\n' \
	    "the dashboard's label $l is one the metrics carry"
done
for l in key_type key_bits; do
	grep -q "\"$l\"" "$dash" || qp_fail "the dashboard does not show $l"
	qp_assert_contains $'\n'"$labels_written"$'\n' $'\n'"$l"$'\n' \
	    "the dashboard's column $l is a label verify writes"
done

# Each query parses (as a recording rule; written above) and, on the real
# textfiles, returns data (an alert "absent" that must not fire).
qp_assert_status 0 promtool check rules "$M/dash.rules.yml"
qp_assert_contains "$QP_OUT" "SUCCESS" \
    "every dashboard query parses (promtool check rules)"
{
	printf 'rule_files:\n  - dash.rules.yml\nevaluation_interval: 1m\ntests:\n'
	printf '  - interval: 1m\n    input_series:\n'
	python3 "$QP_SRCDIR/tests/promseries.py" "ok:9100=$M/ok.prom" \
	    "bad:9100=$M/bad.prom"
	printf '    alert_rule_test:\n'
	cut -f1 "$M/dash.queries" | while read -r id; do
		printf '      - eval_time: 20m\n        alertname: Empty_%s\n        exp_alerts: []\n' "$id"
	done
} >"$M/dash.test.yml"
qp_assert_status 0 promtool test rules "$M/dash.test.yml"
qp_assert_contains "$QP_OUT" "SUCCESS" \
    "every dashboard query returns data on the real textfiles"

# --- Icinga 2 ----------------------------------------------------------------------
I="$M/icinga2"
mkdir -p "$I/zones.d/master" "$I/data" "$I/cache" "$I/log" "$I/run" \
    "$I/spool" "$I/plugins"
cat >"$I/icinga2.conf" <<EOF
const PluginDir = "$I/plugins"
const NodeName = "master.example.test"
const ZoneName = "master"
include <itl>
include <plugins>
object Endpoint "master.example.test" { }
object Zone "master" { endpoints = [ "master.example.test" ] }
object Endpoint "agent.example.test" { }
object Zone "agent.example.test" {
  endpoints = [ "agent.example.test" ]
  parent = "master"
}
include_zones "qmail-pem", "$I/zones.d"
EOF
cp "$C/icinga2/qmail-pem.conf" "$I/zones.d/master/"
cat >"$I/zones.d/master/hosts.conf" <<'EOF'
template Host "generic-host" {
  max_check_attempts = 3
  check_command = "hostalive"
}
template Service "generic-service" {
  max_check_attempts = 3
  check_interval = 5m
  retry_interval = 1m
}
object Host "agent.example.test" {
  import "generic-host"
  address = "192.0.2.25"
  vars.qmail_pem = true
  vars.agent_endpoint = name
}
object Host "nrpe.example.test" {
  import "generic-host"
  address = "192.0.2.26"
  vars.qmail_pem = true
}
object Host "web.example.test" {
  import "generic-host"
  address = "192.0.2.80"
}
EOF
qp_assert_status 0 icinga2 daemon -C -c "$I/icinga2.conf" \
    -DRunAsUser=root -DRunAsGroup=root -DDataDir="$I/data" \
    -DCacheDir="$I/cache" -DLogDir="$I/log" -DInitRunDir="$I/run" \
    -DSpoolDir="$I/spool"
qp_assert_contains "$QP_OUT" "Finished validating the configuration file(s)." \
    "icinga2 daemon -C accepts contrib/icinga2/qmail-pem.conf"
# What icinga2 made of it, from the object cache -C wrote.
qp_assert_status 0 python3 - "$I/cache/icinga2.debug" <<'EOF'
import json, sys
d = open(sys.argv[1]).read()
i = 0
while i < len(d):
    j = d.index(":", i)
    n = int(d[i:j])
    o = json.loads(d[j + 1:j + 1 + n])
    i = j + 1 + n + 1
    p = o.get("properties", {})
    if o["type"] == "CheckCommand" and p["__name"] == "qmail-pem":
        print("command\t" + "\t".join(p["command"]))
    elif o["type"] == "Service":
        print("service\t%s\t%s\t%s\t%s" % (
            p["__name"], p["check_command"], p.get("command_endpoint") or "-",
            (p.get("vars") or {}).get("nrpe_command", "-")))
EOF
icinga=$QP_OUT
qp_assert_contains "$icinga" $'service\tagent.example.test!qmail-pem\tqmail-pem\tagent.example.test\t-' \
    "icinga2: the agent host runs CheckCommand qmail-pem on its agent"
qp_assert_contains "$icinga" $'service\tnrpe.example.test!qmail-pem\tnrpe\t-\tcheck_qmail_pem' \
    "icinga2: the host without agent runs it through NRPE (check_qmail_pem)"
qp_assert_not_contains "$icinga" "web.example.test!" \
    "icinga2: a host without vars.qmail_pem gets no service"
icinga_cmd=$(printf '%s\n' "$icinga" | sed -n 's/^command\t//p' | tr '\t' ' ')

# --- Nagios 4 ------------------------------------------------------------------------
N="$M/nagios"
mkdir -p "$N/var" "$N/checkresults"
cat >"$N/nagios.cfg" <<EOF
log_file=$N/var/nagios.log
cfg_file=$N/objects.cfg
cfg_file=$C/nagios/qmail-pem.cfg
resource_file=$N/resource.cfg
object_cache_file=$N/var/objects.cache
precached_object_file=$N/var/objects.precache
status_file=$N/var/status.dat
temp_file=$N/var/nagios.tmp
temp_path=$N/var
lock_file=$N/var/nagios.lock
state_retention_file=$N/var/retention.dat
command_file=$N/var/nagios.cmd
check_result_path=$N/checkresults
nagios_user=root
nagios_group=root
EOF
# Nagios's own list, as Debian's nagios.cfg has it.
cat >>"$N/nagios.cfg" <<'EOF'
illegal_macro_output_chars=`~$&|'"<>
EOF
echo 'USER1=/usr/lib/nagios/plugins' >"$N/resource.cfg"
# The objects every configuration has (Debian's templates.cfg names the two
# templates the same), a mail server in the host group, and this host
# running the local command.
cat >"$N/objects.cfg" <<'EOF'
define timeperiod {
    timeperiod_name  24x7
    alias            always
    monday           00:00-24:00
    tuesday          00:00-24:00
    wednesday        00:00-24:00
    thursday         00:00-24:00
    friday           00:00-24:00
    saturday         00:00-24:00
    sunday           00:00-24:00
}
define command {
    command_name  notify-none
    command_line  /bin/true
}
define command {
    command_name  check-host-alive
    command_line  /bin/true
}
define contact {
    contact_name                   admin
    host_notification_period       24x7
    service_notification_period    24x7
    host_notification_options      n
    service_notification_options   n
    host_notification_commands     notify-none
    service_notification_commands  notify-none
}
define host {
    name                 generic-host
    check_command        check-host-alive
    max_check_attempts   3
    check_period         24x7
    notification_period  24x7
    contacts             admin
    register             0
}
define service {
    name                 generic-service
    max_check_attempts   3
    check_interval       5
    retry_interval       1
    check_period         24x7
    notification_period  24x7
    contacts             admin
    register             0
}
define host {
    use         generic-host
    host_name   mail.example.test
    address     192.0.2.25
    hostgroups  qmail-servers
}
define host {
    use         generic-host
    host_name   localhost
    address     127.0.0.1
}
define service {
    use                  generic-service
    host_name            localhost
    service_description  qmail-pem
    check_command        check_qmail_pem_local
}
EOF
qp_assert_status 0 nagios4 -v "$N/nagios.cfg"
qp_assert_contains "$QP_OUT" "Total Errors:   0" "nagios4 -v: no errors"
qp_assert_contains "$QP_OUT" "Total Warnings: 0" "nagios4 -v: no warnings"
qp_assert_contains "$QP_OUT" "Checked 2 services." \
    "nagios4: the host group's service and the local one"
# What nagios made of it (-p: the pre-cached objects).
qp_assert_status 0 nagios4 -pv "$N/nagios.cfg"
precache=$(cat "$N/var/objects.precache")
qp_assert_contains "$precache" $'host_name\tmail.example.test\n\tservice_description\tqmail-pem' \
    "nagios4: the host group's member gets the service"
nagios_cmd=$(awk -F '\t' '$2 == "command_name" { n = $3 } n == "check_qmail_pem_local" && $2 == "command_line" { print $3; exit }' \
    "$N/var/objects.precache")
nrpe_check=$(awk -F '\t' '$2 == "command_name" { n = $3 } n == "check_qmail_pem" && $2 == "command_line" { print $3; exit }' \
    "$N/var/objects.precache")
# shellcheck disable=SC2016  # Nagios macros, not shell
qp_assert_eq '$USER1$/check_nrpe -H $HOSTADDRESS$ -c check_qmail_pem' \
    "$nrpe_check" "nagios4: check_qmail_pem asks NRPE for check_qmail_pem"

# --- one command line ------------------------------------------------------------------
sudoers=$(qp_readme_block nrpe-sudoers)
nrpe=$(qp_readme_block nrpe-command | grep -v '^#')
cmd=${sudoers#nagios ALL=(root) NOPASSWD: }
[ "$cmd" != "$sudoers" ] || qp_fail "README's sudoers rule is not for nagios: $sudoers"
case $cmd in
*'*'*|*'?'*|*'['*) qp_fail "README's sudoers rule has a wildcard: $cmd" ;;
esac
qp_assert_contains "$cmd" "--format nagios" "the sudoers command says its format"
qp_assert_eq "command[check_qmail_pem]=/usr/bin/sudo -n $cmd" "$nrpe" \
    "README's NRPE command runs exactly the sudoers command"
qp_assert_eq "/usr/bin/sudo -n $cmd" "$icinga_cmd" \
    "the Icinga 2 CheckCommand runs exactly the sudoers command"
qp_assert_eq "/usr/bin/sudo -n $cmd" "$nagios_cmd" \
    "the Nagios command runs exactly the sudoers command"

qp_done
