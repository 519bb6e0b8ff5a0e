# shellcheck shell=bash
# labels: once
# t_ansible.sh: the Ansible role contrib/ansible/qmail_pem, run for real with
# ansible-playbook (Debian's ansible-core) against localhost, with the
# playbook README.md shows (its block "ansible-playbook").
#
# Everything the role writes goes to this test's temp dir (role variables
# for the control directory, the binary, the cron file, the systemd units,
# NRPE and sudoers); HOME and Ansible's temp dirs are there too.  The qmail
# users come from nss_wrapper, handed to qmail-pem through the role's
# qmail_pem_environment (ansible-playbook itself runs without it).
#
# Each playbook run costs seconds (a Python process per module), so the test
# makes four: a fresh host, with the metrics job, the alert rules and the
# Icinga 2 and Nagios definitions asked for (changed), the same again
# (changed=0), a broken layout plus a switch of scheduler (each change
# counted), and a bad group (the play fails, nothing changes).  The
# sudoers rule, the NRPE command, the Icinga 2 CheckCommand and the Nagios
# command must run the same command line, and contrib/'s rules, Icinga 2
# and Nagios files must be what the role writes with its defaults.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"

qp_setup
qp_require ansible-playbook visudo systemd-analyze promtool

ctl=$(qp_mkcontrol)
T="$QP_TMP/ansible"
mkdir -p "$T/home" "$T/tmp" "$T/sbin" "$T/cron.d" "$T/nrpe.d" \
    "$T/sudoers.d" "$T/systemd" "$T/metrics" "$T/prometheus" "$T/icinga2" \
    "$T/nagios"
chmod 0700 "$T/tmp"
cat >"$T/inventory" <<EOF
[mailservers]
localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3
[monitoring]
localhost
EOF
cat >"$T/ansible.cfg" <<EOF
[defaults]
roles_path = $QP_SRCDIR/contrib/ansible
local_tmp = $T/tmp
remote_tmp = $T/tmp
retry_files_enabled = false
gathering = explicit
# The main loop polls its workers every millisecond by default: on a
# busy two-core CI machine that takes time from the workers themselves.
internal_poll_interval = 0.01
nocolor = true
[connection]
pipelining = true
EOF
# The playbook README.md shows; this test's variables (-e) take precedence
# over those it sets.
qp_readme_block ansible-playbook >"$T/site.yml"
# And the play for a monitoring server that is no mail server.
qp_readme_block ansible-monitoring >"$T/monitoring.yml"

# vars FILE [KEY=JSON...]: write the role variables for this test to FILE,
# with overrides.
vars() {
	local f=$1
	shift
	python3 - "$f" "$@" <<'EOF'
import json, os, sys
T = os.environ["T"]
v = {
    "qmail_pem_install_from": "binary",
    "qmail_pem_binary_src": os.environ["QMAIL_PEM"],
    "qmail_pem_bin": T + "/sbin/qmail-pem",
    "qmail_pem_control_dir": os.environ["CTL"],
    "qmail_pem_environment": {
        k: os.environ[k] for k in
        ("LD_PRELOAD", "NSS_WRAPPER_PASSWD", "NSS_WRAPPER_GROUP",
         "ASAN_OPTIONS") if k in os.environ},
    "qmail_pem_cron_file": T + "/cron.d/qmail-pem",
    "qmail_pem_systemd_dir": T + "/systemd",
    "qmail_pem_systemd_manage": False,
    "qmail_pem_nrpe_dir": T + "/nrpe.d",
    "qmail_pem_nrpe_service": "",
    "qmail_pem_sudoers_file": T + "/sudoers.d/qmail-pem",
    "qmail_pem_metrics_cron_file": T + "/metrics/cron",
    "qmail_pem_metrics_file": T + "/metrics/qmail-pem.prom",
    "qmail_pem_prometheus_rules_file": T + "/prometheus/qmail-pem.rules.yml",
    "qmail_pem_prometheus_service": "",
    "qmail_pem_icinga2_file": T + "/icinga2/qmail-pem.conf",
    "qmail_pem_icinga2_service": "",
    "qmail_pem_nagios_file": T + "/nagios/qmail-pem.cfg",
    "qmail_pem_nagios_service": "",
}
for a in sys.argv[2:]:
    k, _, val = a.partition("=")
    v[k] = json.loads(val)
with open(sys.argv[1], "w") as f:
    json.dump(v, f, indent=1)
EOF
}

# play VARSFILE [ARG...]: run the playbook; QP_OUT holds its output and
# RECAP the localhost line of the PLAY RECAP.  Without nss_wrapper: the role
# must hand it to qmail-pem itself.  PLAYBOOK (default site.yml) names it.
play() {
	local v=$1
	shift
	env -u LD_PRELOAD -u NSS_WRAPPER_PASSWD -u NSS_WRAPPER_GROUP \
	    LC_ALL=C.UTF-8 HOME="$T/home" ANSIBLE_CONFIG="$T/ansible.cfg" \
	    ANSIBLE_LOCAL_TEMP="$T/tmp" ANSIBLE_REMOTE_TEMP="$T/tmp" \
	    ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0 \
	    ansible-playbook -i "$T/inventory" -e "@$v" "$@" \
	    "$T/${PLAYBOOK:-site.yml}"
}

# recap: set RECAP to the localhost line of the last run's PLAY RECAP and n
# to its changed= count.
recap() {
	RECAP=$(printf '%s\n' "$QP_OUT" | grep -E '^localhost +:') ||
	    qp_fail "no PLAY RECAP line for localhost in the output"
	[[ $RECAP =~ changed=([0-9]+) ]] || qp_fail "no changed= in: $RECAP"
	n=${BASH_REMATCH[1]}
}

export T CTL="$ctl"
vars "$T/vars.json" 'qmail_pem_metrics=true' \
    'qmail_pem_prometheus_rules=true' 'qmail_pem_icinga2=true' \
    'qmail_pem_nagios=true'

# --- first run on a fresh host: everything changes ----------------------------
qp_assert_status 0 play "$T/vars.json"
recap
[ "$n" -ge 1 ] || qp_fail "first run reports changed=$n: $RECAP"
qp_ok "first run reports changed=$n"
qp_assert_contains "$RECAP" "failed=0" "first run: failed=0"
qp_assert_contains "$QP_OUT" "servercert.pem: create" \
    "the role reports qmail-pem's actions per file"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
fpr=$(qp_cert_fpr "$ctl/servercert.pem")
got=$(qp_tls_handshake_as qmaild nofiles "$ctl/servercert.pem")
qp_assert_eq "$fpr" "$got" "qmail-smtpd's user serves the new certificate"
qp_assert_file_perm "$T/sbin/qmail-pem" root:root 0755
cmp -s "$QMAIL_PEM" "$T/sbin/qmail-pem" || qp_fail "the copied binary differs"
qp_ok "the binary is installed"

groups="--owner root"
cron=$(cat "$T/cron.d/qmail-pem")
qp_assert_file_perm "$T/cron.d/qmail-pem" root:root 0644
qp_assert_contains "$cron" \
    "17 3 * * * root $T/sbin/qmail-pem rotate -d $ctl $groups --if-expires-within 30 -q" \
    "cron.d line runs rotate --if-expires-within 30"
nrpe=$(cat "$T/nrpe.d/qmail-pem.cfg")
verify_cmd="$T/sbin/qmail-pem verify -d $ctl $groups --format nagios"
qp_assert_contains "$nrpe" \
    "command[check_qmail_pem]=/usr/bin/sudo -n $verify_cmd" \
    "NRPE command runs verify --format nagios through sudo"
qp_assert_file_perm "$T/sudoers.d/qmail-pem" root:root 0440
sudoers=$(cat "$T/sudoers.d/qmail-pem")
qp_assert_contains "$sudoers" "nagios ALL=(root) NOPASSWD: $verify_cmd" \
    "sudoers allows exactly the NRPE command"
qp_assert_status 0 visudo -cf "$T/sudoers.d/qmail-pem"
# The check NRPE would run (without sudo: this test is root already).
qp_assert_status 0 env -S "$verify_cmd"
qp_assert_contains "$QP_OUT" "OK" "the NRPE command reports OK"

# --- the metrics job and the monitoring definitions, asked for in this run --
for f in "$T/metrics/cron" "$T/prometheus/qmail-pem.rules.yml" \
    "$T/icinga2/qmail-pem.conf" "$T/nagios/qmail-pem.cfg"; do
	qp_assert_file_perm "$f" root:root 0644
done

# The metrics job: its command writes a textfile promtool accepts.
metrics_cmd="$T/sbin/qmail-pem verify -d $ctl $groups --format prometheus --output $T/metrics/qmail-pem.prom"
qp_assert_contains "$(cat "$T/metrics/cron")" "*/5 * * * * root $metrics_cmd" \
    "the metrics job runs verify --format prometheus every five minutes"
qp_assert_status 0 env -S "$metrics_cmd"
qp_assert_status 0 promtool check metrics <"$T/metrics/qmail-pem.prom"
qp_ok "the metrics job's textfile passes promtool check metrics"

# One command line: the sudoers rule, the NRPE command, the Icinga 2
# CheckCommand (its array is JSON) and the Nagios command run the same
# words.
icinga_cmd=$(sed -n 's/^ *command = \(\[.*\]\)$/\1/p' "$T/icinga2/qmail-pem.conf" |
    python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)))')
nagios_cmd=$(awk '$1 == "command_name" { n = $2 } n == "check_qmail_pem_local" && $1 == "command_line" { sub(/^ *command_line +/, ""); print; exit }' \
    "$T/nagios/qmail-pem.cfg")
qp_assert_eq "/usr/bin/sudo -n $verify_cmd" "$icinga_cmd" \
    "the Icinga 2 CheckCommand runs the sudoers command"
qp_assert_eq "/usr/bin/sudo -n $verify_cmd" "$nagios_cmd" \
    "the Nagios command runs the sudoers command"
qp_assert_contains "$(cat "$T/nagios/qmail-pem.cfg")" \
    "-c check_qmail_pem" "the Nagios NRPE command asks for the role's NRPE command"

# contrib/ holds these files as the role writes them with its defaults.
cmp -s "$T/prometheus/qmail-pem.rules.yml" \
    "$QP_SRCDIR/contrib/prometheus/qmail-pem.rules.yml" ||
    qp_fail "the role's rules differ from contrib/prometheus/qmail-pem.rules.yml"
qp_ok "the role installs contrib/prometheus/qmail-pem.rules.yml"
for f in icinga2/qmail-pem.conf nagios/qmail-pem.cfg; do
	sed -e "s|$T/sbin/qmail-pem|/usr/sbin/qmail-pem|g" \
	    -e "s|$ctl|/var/qmail/control|g" "$T/$f" >"$T/$f.defaults"
	diff -u "$QP_SRCDIR/contrib/$f" "$T/$f.defaults" ||
	    qp_fail "contrib/$f is not what the role writes with its defaults"
	qp_ok "contrib/$f is what the role writes with its defaults"
done

# --- second run: nothing changes ---------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 0 play "$T/vars.json"
recap
qp_assert_eq 0 "$n" "second run reports changed=0 ($RECAP)"
qp_assert_same_snapshot "$before" "$ctl" "second run touches no file"

# The monitoring server's play README.md shows (tasks_from: monitoring)
# writes the same files: nothing changes.
PLAYBOOK=monitoring.yml qp_assert_status 0 play "$T/vars.json"
recap
qp_assert_eq 0 "$n" "README's monitoring play: the same files ($RECAP)"
qp_assert_contains "$RECAP" "ok=3 " \
    "README's monitoring play runs the rules, Icinga 2 and Nagios tasks"

# Off unless asked for: the role's defaults.
off=$(python3 -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(*[k for k in ("qmail_pem_metrics", "qmail_pem_prometheus_rules",
                    "qmail_pem_icinga2", "qmail_pem_nagios") if d[k] is False])' \
    "$QP_SRCDIR/contrib/ansible/qmail_pem/defaults/main.yml")
qp_assert_eq "qmail_pem_metrics qmail_pem_prometheus_rules qmail_pem_icinga2 qmail_pem_nagios" \
    "$off" "the metrics job and the monitoring definitions are off by default"

# --- the qmailrocks layout, and systemd instead of cron: each change counted --
key=$(qp_pubkey "$ctl/servercert.pem")
rm "$ctl/clientcert.pem"
ln -s servercert.pem "$ctl/clientcert.pem"
chmod 0644 "$ctl/servercert.pem"
vars "$T/systemd.json" 'qmail_pem_rotate_scheduler="systemd"'
qp_assert_status 0 play "$T/systemd.json"
recap
# The repair, the unit files (one looped task) and the cron file removed.
qp_assert_eq 3 "$n" "repair, unit files and cron removal are three changes"
qp_assert_contains "$QP_OUT" "clientcert.pem: replace symlink" \
    "the role shows the repair"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
got=$(qp_pubkey "$ctl/clientcert.pem")
qp_assert_eq "$key" "$got" "the existing key is kept"
[ ! -e "$T/cron.d/qmail-pem" ] || qp_fail "the cron file is still there"
qp_ok "switching to systemd removes the cron file"
svc=$(cat "$T/systemd/qmail-pem-rotate.service")
qp_assert_contains "$svc" "ExecStart=$T/sbin/qmail-pem rotate -d $ctl" \
    "the service runs rotate"
qp_assert_contains "$svc" "ReadWritePaths=$ctl" \
    "the service may write the control directory only"
qp_assert_status 0 systemd-analyze verify --man=no \
    "$T/systemd/qmail-pem-rotate.service" "$T/systemd/qmail-pem-rotate.timer"
qp_assert_not_contains "$QP_ERR" "qmail-pem-rotate" \
    "systemd-analyze verify finds nothing wrong in the units"

# --- an error: one line from qmail-pem, the task fails, nothing changes -------
vars "$T/bad.json" 'qmail_pem_server_group="nosuchgroup"'
before=$(qp_snapshot "$ctl")
qp_assert_status 2 play "$T/bad.json"
qp_assert_contains "$QP_OUT" "nosuchgroup" "the failure names the group"
qp_assert_contains "$QP_OUT" "failed=1" "the play fails"
qp_assert_same_snapshot "$before" "$ctl" "a failed run changes nothing"

qp_done
