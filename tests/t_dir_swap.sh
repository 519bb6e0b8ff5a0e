# shellcheck shell=bash
# t_dir_swap.sh: the control directory exchanged with a symlink while
# qmail-pem checks it (renameat2 RENAME_EXCHANGE), made deterministic with
# an LD_PRELOAD library (tests/dirswap.c, built as libqp_dirswap.so): right
# after qmail-pem's first successful open, lstat or stat of the directory's
# path, that path becomes a symlink to another root-owned directory with a
# `me' of its own (the target), and the directory lives on under another
# name.  qmail-pem must then either refuse or write into the directory it
# first opened, and never a byte into the target.  A time-based loop found
# the old check-then-resolve-then-walk writing both key files into the
# target within 7 to 14 runs; here one run tells.
#
# The valgrind_ twin runs it the same way: the library interposes libc's
# functions through the dynamic linker, which memcheck leaves alone (it
# adds its own preloads to LD_PRELOAD, it does not replace them).
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup

lib=$QP_BUILDDIR/tests/libqp_dirswap.so
[ -f "$lib" ] || qp_fail "$lib is missing: build the tests (cmake --build)"

# swap_run NAME CMD...: a fresh control directory $QP_TMP/NAME/control and
# target $QP_TMP/NAME/target; runs qmail-pem CMD -d the control directory
# with the library armed; sets ctl, target, moved (the name the directory
# has after the exchange) and ino (the directory's inode).
swap_run() {
	local name=$1 base
	shift
	base=$QP_TMP/$name
	mkdir -m 0755 "$base"
	ctl=$base/control
	target=$base/target
	moved=$base/swapped-away
	mkdir -m 0755 "$ctl" "$target"
	printf 'mail.example.com\n' >"$ctl/me"
	printf 'target.example.com\n' >"$target/me"
	ln -s "$target" "$moved"
	ino=$(stat -c %i "$ctl")
	before_target=$(qp_snapshot "$target")
	rm -f "$base/swap.log"
	QP_SWAP_DIR=$ctl QP_SWAP_LINK=$moved QP_SWAP_LOG=$base/swap.log \
	    LD_PRELOAD="$LD_PRELOAD:$lib" \
	    qp_assert_status "$expect" "$QMAIL_PEM" "$@" -d "$ctl"
	log=$(cat "$base/swap.log" 2>/dev/null || true)
	qp_assert_contains "$log" "swapped after" \
	    "$name: the directory was exchanged with the symlink during the run"
	[ -L "$ctl" ] && [ "$(stat -c %i "$moved")" = "$ino" ] ||
	    qp_fail "$name: the exchange did not happen as planned"
}

# --- install: the files go into the directory first opened ------------------
expect=0
swap_run install install -q --key-type ec-p256
qp_assert_same_snapshot "$before_target" "$target" \
    "install: nothing written into the symlink's target"
qp_assert_file_perm "$moved/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$moved/clientcert.pem" root:qmail 0640
got=$(openssl x509 -in "$moved/servercert.pem" -noout -subject -nameopt RFC2253)
qp_assert_eq "subject=CN=mail.example.com" "$got" \
    "install: the certificate names the host of the directory first opened"

# --- csr --new-key: the pending key too --------------------------------------
expect=0
swap_run csr csr -q --new-key --key-type ec-p256 --output "$QP_TMP/req.pem"
qp_assert_same_snapshot "$before_target" "$target" \
    "csr --new-key: nothing written into the symlink's target"
qp_assert_file_perm "$moved/servercert.pem.pending-key" root:root 0600

qp_done
