# shellcheck shell=bash
# tests/sandbox.sh: run commands that change the whole machine (apt install,
# cmake --install into /usr/local, files in /var/qmail/control or /etc/cron.d)
# against a throw-away copy of it.  Sourced after tests/lib.sh (qp_setup).
#
# qp_sandbox CMD [ARG...] runs CMD as root, chrooted into an overlay of the
# root file system: reads see this machine as it is, writes go to a tmpfs
# that is thrown away when CMD ends.  All of it happens in a mount namespace
# of its own (unshare --mount), so not even the mounts are seen outside.
# Bound into the copy at the same paths: $QP_TMP read-write (results come
# back through it), $QP_SRCDIR and $QP_BUILDDIR read-only; /proc, /sys and
# /dev as they are.  The working directory is kept; PATH is root's usual one.
#
# Users and groups inside are the machine's and those of lib.sh: the
# nss_wrapper entries are added to the copy's /etc/passwd and /etc/group
# and nss_wrapper is left out (it would hide the system users dpkg needs),
# so set-uid programs and daemons see the qmail users too; the machine's
# own files are never written.  With QP_SANDBOX_USERS=machine the copy has
# the machine's users and groups only, for a command that must make the
# qmail users itself (the package's autopkgtest).
#
# This needs root with CAP_SYS_ADMIN (unshare, mount -t overlay), as the
# suite has in CI; without it qp_sandbox fails and says so.

# qp_sandbox CMD [ARG...]: run CMD in a throw-away copy of the machine and
# return its status.
qp_sandbox() {
	local sb
	sb=$(mktemp -d "$QP_TMP/.qp/sandbox.XXXXXX") ||
	    qp_fail "qp_sandbox: mktemp failed"
	timeout -k 5 "${QP_SANDBOX_TIMEOUT:-300}" \
	    unshare --mount --propagation private -- bash -c '
		set -eu
		sb=$1 cwd=$2
		shift 2
		fail() {
			printf "qp_sandbox: %s (needs root with CAP_SYS_ADMIN: unshare, mount)\n" "$1" >&2
			exit 125
		}
		mount -t tmpfs -o mode=0755 qp-sandbox "$sb" ||
		    fail "cannot mount a tmpfs on $sb"
		mkdir "$sb/upper" "$sb/work" "$sb/root"
		mount -t overlay -o "lowerdir=/,upperdir=$sb/upper,workdir=$sb/work" \
		    qp-sandbox "$sb/root" || fail "cannot mount an overlay of /"
		r=$sb/root
		for d in /proc /sys /dev; do
			mount --rbind "$d" "$r$d" || fail "cannot bind $d"
		done
		bind() {	# ro|rw DIR
			[ -n "$2" ] && [ -d "$2" ] || return 0
			mkdir -p "$r$2"
			mount --bind "$2" "$r$2" || fail "cannot bind $2"
			if [ "$1" = ro ]; then
				mount -o remount,bind,ro "$r$2" ||
				    fail "cannot make $2 read-only"
			fi
		}
		bind rw "$QP_TMP"
		bind ro "$QP_SRCDIR"
		bind ro "${QP_BUILDDIR:-}"
		# Only the copy of /etc/passwd and /etc/group is written.
		merge() {	# NSSFILE ETCFILE
			local line
			while IFS= read -r line; do
				grep -q "^${line%%:*}:" "$r$2" ||
				    printf "%s\n" "$line" >>"$r$2"
			done <"$1"
		}
		if [ "${QP_SANDBOX_USERS:-test}" != machine ]; then
			merge "$NSS_WRAPPER_PASSWD" /etc/passwd
			merge "$NSS_WRAPPER_GROUP" /etc/group
		fi
		# nss_wrapper would hide the system users (dpkg needs _apt,
		# crontab ...); the copy has all of them now.
		pre=
		IFS=: read -r -a libs <<<"${LD_PRELOAD:-}"
		for l in "${libs[@]}"; do
			case $l in
			*libnss_wrapper*) ;;
			*) pre=${pre:+$pre:}$l ;;
			esac
		done
		if [ -n "$pre" ]; then export LD_PRELOAD=$pre; else unset LD_PRELOAD; fi
		unset NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
		export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		exec chroot "$r" /bin/sh -c "cd \"\$1\" && shift && exec \"\$@\"" \
		    sh "$cwd" "$@"
	' qp-sandbox "$sb" "$PWD" "$@"
}
