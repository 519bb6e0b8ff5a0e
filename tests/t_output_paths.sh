# shellcheck shell=bash
# t_output_paths.sh: the files qmail-pem writes where the administrator
# says (csr --output, verify --output; no other option names a file to
# write).
#
#   - A path in the control directory, or below it, is refused before any
#     work, whatever its spelling: DIR/servercert.pem, DIR/../control/...,
#     a symlink to DIR, a relative path from inside DIR, a subdirectory of
#     DIR, a bind mount of DIR elsewhere (unshare -m); also when verify
#     cannot use DIR (unsafe) and reports that to --output.  Nothing in DIR
#     changes (csr --new-key makes no pending key), exit 64 (csr) or 3
#     (verify, UNKNOWN).
#   - A symlink anywhere in the directory part of the path is refused and
#     named: the owner of a parent directory (a prometheus user) cannot
#     point root's report at a directory of root's.  A symlink at the file
#     name itself is replaced, never followed (t_verify_ok.sh).
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require unshare mount

ctl=$(qp_mkcontrol)
qp_assert_status 0 "$QMAIL_PEM" install -q --key-type ec-p256 -d "$ctl"
mkdir -m 0755 "$ctl/sub"
ln -s "$ctl" "$QP_TMP/alias"
before=$(qp_snapshot "$ctl")

# refused WHAT STATUS CMD...: CMD exits STATUS, says the path is in the
# control directory, and the directory is untouched.
refused() {
	local what=$1 status=$2
	shift 2
	qp_assert_status "$status" "$@"
	qp_assert_contains "$QP_ERR" "is in the control directory $ctl" \
	    "$what: refused, naming the control directory"
	qp_assert_same_snapshot "$before" "$ctl" "$what: the control directory is untouched"
}

# --- csr --output in the control directory -------------------------------------
for out in "$ctl/servercert.pem" "$ctl/../control/servercert.pem" \
    "$QP_TMP/alias/servercert.pem" "$ctl/sub/mail.csr" "$QP_TMP/alias/sub/mail.csr"; do
	refused "csr --output $out" 64 "$QMAIL_PEM" csr -q -d "$ctl" --output "$out"
	# Before any work: no pending key, no request.
	refused "csr --new-key --output $out" 64 "$QMAIL_PEM" csr -q --new-key \
	    --key-type ec-p256 -d "$ctl" --output "$out"
done
# A relative path, from inside the control directory.
refused "csr --output servercert.pem (cwd DIR)" 64 \
    sh -c 'cd "$1" && shift && exec "$@"' sh "$ctl" \
    "$QMAIL_PEM" csr -q -d "$ctl" --output servercert.pem
refused "csr --output ../control/clientcert.pem (cwd DIR/sub)" 64 \
    sh -c 'cd "$1" && shift && exec "$@"' sh "$ctl/sub" \
    "$QMAIL_PEM" csr -q -d "$ctl" --output ../clientcert.pem

# --- verify --output in the control directory ----------------------------------
for out in "$ctl/servercert.pem" "$QP_TMP/alias/clientcert.pem" \
    "$ctl/sub/qmail-pem.prom" "$QP_TMP/alias/sub/qmail-pem.prom"; do
	refused "verify --output $out" 3 "$QMAIL_PEM" verify -d "$ctl" \
	    --format prometheus --output "$out"
done
# verify reports an unusable directory to --output: never into it either.
chmod 0775 "$ctl"
before=$(qp_snapshot "$ctl")
refused "verify --output on an unsafe DIR" 3 "$QMAIL_PEM" verify -d "$ctl" \
    --output "$ctl/servercert.pem"
chmod 0755 "$ctl"
before=$(qp_snapshot "$ctl")

# A bind mount of the control directory elsewhere (the same directory under
# another name, no symlink in the path).
unshare -m --propagation private true ||
    qp_fail "unshare -m does not work here: this test needs mount namespaces (root)"
mkdir -m 0755 "$QP_TMP/bound"
in_ns() {	# run CMD with $ctl bind-mounted on $QP_TMP/bound
	unshare -m --propagation private sh -c \
	    'mount --bind "$1" "$2" || exit 99; shift 2; exec "$@"' \
	    sh "$ctl" "$QP_TMP/bound" "$@"
}
refused "csr --output through a bind mount of DIR" 64 in_ns "$QMAIL_PEM" \
    csr -q -d "$ctl" --output "$QP_TMP/bound/servercert.pem"
refused "verify --output through a bind mount of DIR" 3 in_ns "$QMAIL_PEM" \
    verify -d "$ctl" --output "$QP_TMP/bound/servercert.pem"

# --- symlinks in the path of --output ---------------------------------------------
# node-exporter's textfile directory belongs to its user (here "other"),
# who swapped a subdirectory for a symlink to a directory only root may
# write, holding a file of root's.
tf=$QP_TMP/textfile
mkdir -m 0755 "$tf" "$QP_TMP/rootonly"
chown other:other "$tf"
chmod 0700 "$QP_TMP/rootonly"
printf 'precious\n' >"$QP_TMP/rootonly/victim.prom"
ln -s "$QP_TMP/rootonly" "$tf/sub"
chown -h other:other "$tf/sub"
ln -s "$tf" "$QP_TMP/tflink"
victim_was=$(qp_snapshot "$QP_TMP/rootonly")

# no_symlink WHAT STATUS LINK CMD...: refused, naming LINK; the root-only
# directory untouched.
no_symlink() {
	local what=$1 status=$2 link=$3
	shift 3
	qp_assert_status "$status" "$@"
	qp_assert_contains "$QP_ERR" "$link is a symlink" "$what: refused, naming the symlink"
	qp_assert_same_snapshot "$victim_was" "$QP_TMP/rootonly" \
	    "$what: nothing written where the symlink points"
}
no_symlink "verify --output through a symlinked subdirectory" 3 "$tf/sub" \
    "$QMAIL_PEM" verify -d "$ctl" --format prometheus --output "$tf/sub/victim.prom"
no_symlink "csr --output through a symlinked subdirectory" 73 "$tf/sub" \
    "$QMAIL_PEM" csr -q -d "$ctl" --output "$tf/sub/victim.prom"
no_symlink "verify --output through a symlinked parent" 3 "$QP_TMP/tflink" \
    "$QMAIL_PEM" verify -d "$ctl" --output "$QP_TMP/tflink/sub/victim.prom"
# A relative path is walked the same way, from the working directory.
no_symlink "verify --output sub/victim.prom (relative)" 3 "sub" \
    sh -c 'cd "$1" && shift && exec "$@"' sh "$tf" \
    "$QMAIL_PEM" verify -d "$ctl" --output sub/victim.prom
# csr --new-key refuses before it makes a key.
no_symlink "csr --new-key --output through a symlink" 73 "$tf/sub" \
    "$QMAIL_PEM" csr -q --new-key --key-type ec-p256 -d "$ctl" \
    --output "$tf/sub/victim.prom"
qp_assert_same_snapshot "$before" "$ctl" "csr --new-key refused: no pending key made"

# The textfile directory itself need not be root's, and .. is walked as
# it comes: written, mode 0644.
mkdir -m 0755 "$tf/real"
chown other:other "$tf/real"
# (Exit 1: WARNING, the keys are EC, not RSA.)
qp_assert_status 1 "$QMAIL_PEM" verify -d "$ctl" --format prometheus \
    --output "$tf/real/../real/qmail-pem.prom"
qp_assert_file_perm "$tf/real/qmail-pem.prom" root:root 0644
qp_assert_contains "$(cat "$tf/real/qmail-pem.prom")" "qmail_pem_status " \
    "a directory owned by the collector's user, reached without a symlink: written"
# A relative path for csr (which keeps no capability to write in a
# directory that is not root's).
mkdir -m 0755 "$QP_TMP/reqs"
qp_assert_status 0 sh -c 'cd "$1" && shift && exec "$@"' sh "$QP_TMP" \
    "$QMAIL_PEM" csr -q -d "$ctl" --output reqs/../reqs/mail.csr
qp_assert_file_perm "$QP_TMP/reqs/mail.csr" root:root 0644

qp_done
