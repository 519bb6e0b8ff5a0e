#!/bin/bash
# t_model_realqmail.sh: the files the installation model leaves (issue 19),
# read by the real qmail-smtpd (netqmail 1.06 + qmail-tls 20231230, the
# realqmail fixture) under tcpserver as the user a run script names.  In the
# qmaild:nofiles and the vpopmail:vchkpw setups, install, rotate, rollback and
# stage/commit, with and without the group option repeated, each leave a
# servercert.pem whose leaf qmail-smtpd presents after STARTTLS; and without
# any run script the group is kept (said once).  RSA keys: the real
# qmail-smtpd loads RSA only.
# fixtures: realqmail
# labels: once
# shellcheck disable=SC2119  # rq_mkroot with its defaults
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/realqmail.sh
. "$QP_SRCDIR/tests/realqmail.sh"
qp_setup
rq_init

# serves WHAT: the running qmail-smtpd completes STARTTLS with the leaf of
# servercert.pem as it is now.
serves() {
	rq_starttls "$RQ_PORT"
	qp_assert_eq ok "$RQ_TLS" "$1: STARTTLS completes ($RQ_REPLY)"
	qp_assert_eq "$(qp_cert_fpr "$ctl/servercert.pem")" "$RQ_LEAF" \
	    "$1: qmail-smtpd presents servercert.pem's leaf"
}

for setup in qmaild:nofiles vpopmail:vchkpw; do
	user=${setup%:*} group=${setup#*:}
	ctl=$(rq_mkroot)
	svc="$QP_TMP/service-$user"
	rq_run_script "$svc" "$user" "$group"
	w=(-d "$ctl" --service-dir "$svc")
	qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" --server-group "$group"
	qp_assert_file_perm "$ctl/servercert.pem" "root:$group" 0640
	rq_smtpd_start "smtpd-$user" "$user" "$group"
	serves "$setup: install"
	qp_assert_status 0 "$QMAIL_PEM" rotate "${w[@]}"
	serves "$setup: rotate"
	qp_assert_status 0 "$QMAIL_PEM" rotate "${w[@]}" --server-group "$group"
	serves "$setup: rotate --server-group $group"
	qp_assert_status 0 "$QMAIL_PEM" rollback "${w[@]}"
	serves "$setup: rollback"
	qp_assert_status 0 "$QMAIL_PEM" rollback "${w[@]}" --server-group "$group"
	serves "$setup: rollback --server-group $group"
	qp_assert_status 0 "$QMAIL_PEM" rotate "${w[@]}" --stage
	qp_assert_status 0 "$QMAIL_PEM" rotate "${w[@]}" --commit
	serves "$setup: stage, commit"
	qp_assert_status 0 "$QMAIL_PEM" install "${w[@]}" --new-key
	serves "$setup: install --new-key"
	qp_assert_status 0 "$QMAIL_PEM" verify "${w[@]}"
	qp_assert_file_perm "$ctl/servercert.pem" "root:$group" 0640
	rq_stop "smtpd-$user"
done

# No run script at all: root:vchkpw is kept by every command, said once.
nosvc="$QP_TMP/no-services"
mkdir -m 0755 "$nosvc"
w=(-d "$ctl" --service-dir "$nosvc")
rq_smtpd_start smtpd-plain vpopmail vchkpw
for cmd in rotate rollback "install --new-key"; do
	# shellcheck disable=SC2086  # the command and its option
	qp_assert_status 0 "$QMAIL_PEM" $cmd "${w[@]}"
	qp_assert_eq 1 "$(grep -c 'keeping group vchkpw of servercert.pem: no run script says who reads it' <<<"$QP_ERR")" \
	    "no run script, $cmd: the kept group is said once"
	qp_assert_file_perm "$ctl/servercert.pem" root:vchkpw 0640
	serves "no run script: $cmd"
done
qp_done
