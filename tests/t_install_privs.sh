# shellcheck shell=bash
# t_install_privs.sh: qmail-pem install refuses to write unless it runs as
# root with CAP_CHOWN; --dry-run works for anyone who can read the directory.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup

# The binary must be reachable for uid 20020 (the build dir is world-readable).
setpriv --reuid=20020 --regid=20020 --clear-groups test -x "$QMAIL_PEM" ||
    qp_fail "$QMAIL_PEM is not executable by uid 20020: build in a world-readable directory"

as_other() {
	setpriv --reuid="$QP_UID_other" --regid="$QP_GID_other" --clear-groups "$@"
}
no_chown() {
	setpriv --bounding-set=-chown --inh-caps=-chown "$@"
}

# --- a fresh directory ------------------------------------------------------
ctl=$(qp_mkcontrol)
before=$(qp_snapshot "$ctl")
qp_assert_status 77 as_other "$QMAIL_PEM" install -d "$ctl"
qp_assert_eq "qmail-pem: must run as root to set the owner and group of the key files (use sudo, or --dry-run to see the plan)" \
    "$QP_ERR" "not root: one line that says what to do"
qp_assert_same_snapshot "$before" "$ctl" "not root: nothing written"

qp_assert_status 0 as_other "$QMAIL_PEM" install -d "$ctl" --dry-run
qp_assert_contains "$QP_OUT" "servercert.pem: would create, new key" \
    "not root, --dry-run: prints the plan"
qp_assert_contains "$QP_OUT" "clientcert.pem: would create" \
    "not root, --dry-run: both files"
qp_assert_same_snapshot "$before" "$ctl" "not root, --dry-run: nothing written"

qp_assert_status 77 no_chown "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_ERR" "without CAP_CHOWN" "root without CAP_CHOWN is refused"
lines=$(printf '%s\n' "$QP_ERR" | wc -l)
qp_assert_eq 1 "$lines" "without CAP_CHOWN: one line"
qp_assert_same_snapshot "$before" "$ctl" "without CAP_CHOWN: nothing written"
qp_assert_status 0 no_chown "$QMAIL_PEM" install -d "$ctl" --dry-run
qp_assert_contains "$QP_OUT" "would create" "without CAP_CHOWN, --dry-run works"
qp_assert_same_snapshot "$before" "$ctl" "without CAP_CHOWN, --dry-run: nothing written"

# --- a directory with files only root and the readers may read ---------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl"
before=$(qp_snapshot "$ctl")
qp_assert_status 77 as_other "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_ERR" "must run as root" "not root, installed: refused"
qp_assert_status 77 as_other "$QMAIL_PEM" install -d "$ctl" --dry-run
qp_assert_contains "$QP_ERR" "cannot open $ctl/servercert.pem: Permission denied; run qmail-pem as root" \
    "not root, --dry-run: an unreadable file is named, with the fix"
qp_assert_status 77 no_chown "$QMAIL_PEM" install -d "$ctl"
qp_assert_contains "$QP_ERR" "CAP_CHOWN" "without CAP_CHOWN, installed: refused"
qp_assert_same_snapshot "$before" "$ctl" "nothing written by the refused runs"

qp_done
