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
# makes four: a fresh host (changed), the same again (changed=0), a broken
# layout plus a switch of scheduler (each change counted), and a bad group
# (the play fails, nothing changes).
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"

qp_setup
qp_require ansible-playbook visudo systemd-analyze

ctl=$(qp_mkcontrol)
T="$QP_TMP/ansible"
mkdir -p "$T/home" "$T/tmp" "$T/sbin" "$T/cron.d" "$T/nrpe.d" \
    "$T/sudoers.d" "$T/systemd"
chmod 0700 "$T/tmp"
cat >"$T/inventory" <<EOF
[mailservers]
localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3
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
# must hand it to qmail-pem itself.
play() {
	local v=$1
	shift
	env -u LD_PRELOAD -u NSS_WRAPPER_PASSWD -u NSS_WRAPPER_GROUP \
	    LC_ALL=C.UTF-8 HOME="$T/home" ANSIBLE_CONFIG="$T/ansible.cfg" \
	    ANSIBLE_LOCAL_TEMP="$T/tmp" ANSIBLE_REMOTE_TEMP="$T/tmp" \
	    ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0 \
	    ansible-playbook -i "$T/inventory" -e "@$v" "$@" "$T/site.yml"
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
vars "$T/vars.json"

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

groups="--owner root --server-group nofiles --client-group qmail"
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

# --- second run: nothing changes ---------------------------------------------
before=$(qp_snapshot "$ctl")
qp_assert_status 0 play "$T/vars.json"
recap
qp_assert_eq 0 "$n" "second run reports changed=0 ($RECAP)"
qp_assert_same_snapshot "$before" "$ctl" "second run touches no file"

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
