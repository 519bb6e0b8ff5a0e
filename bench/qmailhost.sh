# bench/qmailhost.sh: the benchmarks run as on a qmail host, where a cron
# job or a monitoring check meets qmail's accounts (qmaild, qmailr and the
# others; groups nofiles and qmail) in /etc/passwd and /etc/group.  Each
# bench script sources this first, with its own arguments.  When the
# system has no such accounts and unshare(1) is there (the scripts run as
# root), the script runs again in a private mount namespace in which
# copies of the two files, with qmail's accounts added, are bind-mounted
# over them: nothing outside it changes, and the copies are removed at the
# end.  Otherwise it goes on here with daemon and mail, which every Debian
# system has (then the look-ups of qmail's default users find nothing,
# which costs a host without them more than one with them).  Sets:
#   host          "qmail" (qmail's accounts) or "plain" (daemon and mail)
#   server_group, client_group   the groups install gives the two files
#   as_readers    verify's options for the readers ("" on a qmail host:
#                 qmail's defaults)
qmail_accounts() {
	getent passwd qmaild >/dev/null && getent passwd qmailr >/dev/null &&
	    getent group nofiles >/dev/null && getent group qmail >/dev/null
}
# qmail's accounts as LWQ's install makes them, at ids free here.
qmail_ids_free() {
	for id in 7790 7791 7792 7793 7794 7795 7796; do
		getent passwd "$id" >/dev/null && return 1
	done
	! getent group 2107 >/dev/null && ! getent group 2108 >/dev/null
}
if ! qmail_accounts && [ -z "${QP_BENCH_ACCOUNTS:-}" ] &&
    [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    qmail_ids_free; then
	QP_BENCH_ACCOUNTS=$(mktemp -d /tmp/qmail-pem-bench-accounts.XXXXXX)
	export QP_BENCH_ACCOUNTS
	cp /etc/passwd /etc/group "$QP_BENCH_ACCOUNTS/"
	cat >>"$QP_BENCH_ACCOUNTS/passwd" <<'ACCOUNTS'
alias:x:7790:2108::/var/qmail/alias:/bin/true
qmaild:x:7791:2108::/var/qmail:/bin/true
qmaill:x:7792:2108::/var/qmail:/bin/true
qmailp:x:7793:2108::/var/qmail:/bin/true
qmailq:x:7794:2107::/var/qmail:/bin/true
qmailr:x:7795:2107::/var/qmail:/bin/true
qmails:x:7796:2107::/var/qmail:/bin/true
ACCOUNTS
	printf 'qmail:x:2107:\nnofiles:x:2108:\n' >>"$QP_BENCH_ACCOUNTS/group"
	chmod 0755 "$QP_BENCH_ACCOUNTS"
	chmod 0644 "$QP_BENCH_ACCOUNTS/passwd" "$QP_BENCH_ACCOUNTS/group"
	# shellcheck disable=SC2016  # expanded by the inner shell
	exec unshare -m --propagation private sh -c '
	    if mount --bind "$QP_BENCH_ACCOUNTS/passwd" /etc/passwd &&
		mount --bind "$QP_BENCH_ACCOUNTS/group" /etc/group; then
		    "$0" "$@"
		    rc=$?
	    else
		    echo "bench: cannot bind-mount qmail'"'"'s accounts" >&2
		    rc=71
	    fi
	    rm -rf "$QP_BENCH_ACCOUNTS"
	    exit $rc' "$0" "$@"
fi
if qmail_accounts; then
	host=qmail
	server_group=nofiles
	client_group=qmail
	as_readers=
else
	host=plain
	server_group=daemon
	client_group=mail
	as_readers="--server-group daemon --client-group mail"
	as_readers="$as_readers --server-user daemon --client-user mail"
fi
