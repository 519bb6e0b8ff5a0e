# labels: once
# shellcheck shell=bash disable=SC2015  # `a && b || fail` is meant
# t_rotate_systemd.sh: contrib/systemd/qmail-pem-rotate.{service,timer}:
# systemd-analyze verify finds nothing to complain about (Documentation=
# resolves to our man page, ExecStart= to a real binary), the hardening
# scores "OK" offline, and the unit's ExecStart= does the cron job with only
# the capabilities its CapabilityBoundingSet= leaves and no_new_privs.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup
qp_require systemd-analyze man setpriv

unit_dir="$QP_SRCDIR/contrib/systemd"
service="$unit_dir/qmail-pem-rotate.service"
timer="$unit_dir/qmail-pem-rotate.timer"
[ -f "$service" ] && [ -f "$timer" ] || qp_fail "contrib/systemd units missing"

# unit_value FILE KEY: the value of the last KEY= line of FILE.
unit_value() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# --- systemd-analyze verify --------------------------------------------------------
# A copy whose ExecStart= names the built binary (verify checks that it is
# executable), and a MANPATH holding our page (verify runs man for
# Documentation=man:qmail-pem(8)).
sd="$QP_TMP/units"
mkdir -p "$sd" "$QP_TMP/man/man8"
cp "$QP_SRCDIR/man/qmail-pem.8" "$QP_TMP/man/man8/"
exec_start=$(unit_value "$service" ExecStart)
case $exec_start in
/usr/sbin/qmail-pem\ rotate\ *) qp_ok "ExecStart= runs /usr/sbin/qmail-pem rotate" ;;
*) qp_fail "unexpected ExecStart=$exec_start" ;;
esac
sed "s|^ExecStart=/usr/sbin/qmail-pem |ExecStart=$QMAIL_PEM |" "$service" \
    >"$sd/qmail-pem-rotate.service"
cp "$timer" "$sd/"
analyze_verify() {
	(cd "$sd" && MANPATH="$QP_TMP/man" SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify ./qmail-pem-rotate.timer \
	    ./qmail-pem-rotate.service)
}
qp_assert_status 0 analyze_verify
qp_assert_eq "" "$QP_OUT$QP_ERR" "systemd-analyze verify: no warning on either unit"

# The check is real: a misspelt key and a missing binary are reported.
sed -i 's/^Persistent=/Persistant=/' "$sd/qmail-pem-rotate.timer"
qp_assert_status 0 analyze_verify
qp_assert_contains "$QP_ERR" "Unknown key" "verify reports a misspelt timer key"
cp "$timer" "$sd/"
sed -i "s|^ExecStart=$QMAIL_PEM |ExecStart=$QP_TMP/missing/qmail-pem |" \
    "$sd/qmail-pem-rotate.service"
qp_assert_status 1 analyze_verify
qp_assert_contains "$QP_ERR" "is not executable" "verify reports a missing ExecStart binary"

# --- the timer ------------------------------------------------------------------
qp_assert_eq "daily" "$(unit_value "$timer" OnCalendar)" "the timer runs daily"
qp_assert_eq "true" "$(unit_value "$timer" Persistent)" \
    "Persistent=true: a run missed while down is made up"
delay=$(unit_value "$timer" RandomizedDelaySec)
[ -n "$delay" ] || qp_fail "no RandomizedDelaySec="
qp_ok "RandomizedDelaySec=$delay spreads a fleet's renewals"
qp_assert_eq "timers.target" "$(unit_value "$timer" WantedBy)" \
    "systemctl enable hooks the timer into timers.target"

# --- hardening -----------------------------------------------------------------
sed "s|^ExecStart=/usr/sbin/qmail-pem |ExecStart=$QMAIL_PEM |" "$service" \
    >"$sd/qmail-pem-rotate.service"
qp_assert_status 0 systemd-analyze security --offline=true --threshold=20 \
    "$sd/qmail-pem-rotate.service"
qp_assert_contains "$QP_OUT" "Overall exposure level for qmail-pem-rotate.service: 1." \
    "systemd-analyze security: exposure below 2.0"
qp_assert_eq "/var/qmail/control" "$(unit_value "$service" ReadWritePaths)" \
    "only the control directory is writable (ProtectSystem=strict)"
qp_assert_eq "strict" "$(unit_value "$service" ProtectSystem)" "ProtectSystem=strict"

# --- ExecStart= under the unit's capability bounding set -----------------------------
# setpriv gives the command what systemd would: the bounding set of
# CapabilityBoundingSet= (so root's permitted and effective sets are just
# those) and no_new_privs.
bound=$(unit_value "$service" CapabilityBoundingSet)
[ -n "$bound" ] || qp_fail "no CapabilityBoundingSet="
caps=-all
for c in $bound; do
	c=${c#CAP_}
	caps="$caps,+${c,,}"
done
read -r -a argv <<<"$exec_start"
as_unit() {	# BOUNDING-SET CTL: run the unit's command line on CTL
	local set=$1 ctl=$2
	setpriv --no-new-privs --bounding-set "$set" --inh-caps -all \
	    "$QMAIL_PEM" "${argv[@]:1}" -d "$ctl"
}

ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 --days 400
before=$(qp_snapshot "$ctl")
qp_assert_status 0 as_unit "$caps" "$ctl"
qp_assert_eq "" "$QP_OUT$QP_ERR" "400 days left: the unit's run says nothing"
qp_assert_same_snapshot "$before" "$ctl" "400 days left: nothing touched"

qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 --days 3 --new-key
old=$(qp_pubkey "$ctl/servercert.pem")
before=$(qp_snapshot "$ctl")
qp_assert_status 77 as_unit "-all,${caps#-all,+chown,}" "$ctl"
qp_assert_contains "$QP_ERR" "CAP_CHOWN" "without CAP_CHOWN in the bounding set it says so"
qp_assert_same_snapshot "$before" "$ctl" "without CAP_CHOWN nothing is touched"
qp_assert_status 0 as_unit "$caps" "$ctl"
qp_assert_eq "" "$QP_OUT$QP_ERR" "3 days left: the unit's run rotates silently (-q)"
new=$(qp_pubkey "$ctl/servercert.pem")
[ "$new" != "$old" ] || qp_fail "the unit's run did not replace the key"
qp_ok "3 days left: the unit's run ($bound) replaced the key"
rt_assert_installed "$ctl" "after the unit's run"
rt_assert_backups_private "$ctl" "after the unit's run"

qp_done
