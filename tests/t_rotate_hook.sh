# shellcheck shell=bash disable=SC2015  # `a && b || fail` is meant
# t_rotate_hook.sh: --post-hook runs after a successful replacement (rotate,
# --commit, rollback), sees the new files, QMAIL_PEM_DIR and
# QMAIL_PEM_CHANGED, stdin /dev/null, no_new_privs; it is not run when
# nothing changed, on --dry-run or --stage; its failure exits 69
# (EX_UNAVAILABLE) with one line and leaves the rotation in place.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256
log="$QP_TMP/hook.log"
: >"$log"

# The hook records what it sees: its environment, its stdin, whether it may
# gain privileges, and the key now in servercert.pem.
cat >"$QP_TMP/hook.sh" <<'HOOK'
#!/bin/sh
log=$1
{
	printf 'dir=%s\n' "$QMAIL_PEM_DIR"
	printf 'changed=%s\n' "$QMAIL_PEM_CHANGED"
	printf 'stdin=%s\n' "$(wc -c)"
	printf 'nnp=%s\n' "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)"
	printf 'key=%s\n' "$(openssl pkey -in "$QMAIL_PEM_DIR/servercert.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)"
} >>"$log"
echo "hook output"
HOOK
chmod 0755 "$QP_TMP/hook.sh"
hook="$QP_TMP/hook.sh $log"

# --- a rotation runs the hook ---------------------------------------------------------
old=$(qp_pubkey "$srv")
rot() {	# stdin with data, a stale QMAIL_PEM_CHANGED in the environment
	printf 'stdin data\n' | QMAIL_PEM_CHANGED=stale "$QMAIL_PEM" rotate "$@"
}
qp_assert_status 0 rot -d "$ctl" --post-hook "$hook"
new=$(qp_pubkey "$srv")
[ "$new" != "$old" ] || qp_fail "no rotation happened"
want="dir=$ctl
changed=servercert.pem clientcert.pem
stdin=0
nnp=1
key=$new"
qp_assert_eq "$want" "$(cat "$log")" \
    "the hook ran once, after the replacement, with QMAIL_PEM_DIR, QMAIL_PEM_CHANGED, stdin /dev/null, no_new_privs"
qp_assert_not_contains "$QP_OUT" "hook output" "the hook's output is not in rotate's report (stdout)"
qp_assert_contains "$QP_ERR" "hook output" "the hook's output goes to stderr"

# --- not run when nothing was replaced ------------------------------------------------------
: >"$log"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30 --post-hook "$hook"
qp_assert_contains "$QP_OUT" "nothing to do" "not due"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --dry-run --post-hook "$hook"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --stage --post-hook "$hook"
qp_assert_eq "" "$(cat "$log")" "the hook does not run for nothing to do, --dry-run or --stage"

# --- --commit runs it -------------------------------------------------------------------------
staged=$(qp_pubkey "$ctl/servercert.pem.next")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --commit --post-hook "$hook"
qp_assert_contains "$(cat "$log")" "changed=servercert.pem clientcert.pem" \
    "--commit: QMAIL_PEM_CHANGED names the live files"
qp_assert_contains "$(cat "$log")" "key=$staged" "--commit: the hook sees the committed key"

# --- rollback runs it ---------------------------------------------------------------------------
# (the key the commit replaced lost its TLSA record: --allow-tlsa-change)
: >"$log"
qp_assert_status 78 "$QMAIL_PEM" rollback -d "$ctl" --post-hook "$hook"
qp_assert_eq "" "$(cat "$log")" "a refused rollback runs no hook"
qp_assert_status 0 "$QMAIL_PEM" rollback -d "$ctl" --post-hook "$hook" --allow-tlsa-change
qp_assert_contains "$(cat "$log")" "key=$new" "rollback: the hook sees the restored key"
qp_assert_contains "$(cat "$log")" "changed=servercert.pem clientcert.pem" \
    "rollback: QMAIL_PEM_CHANGED names both files"

# --- a failing hook --------------------------------------------------------------------------------
before=$(qp_pubkey "$srv")
qp_assert_status 69 "$QMAIL_PEM" rotate -d "$ctl" --post-hook "echo failing >&2; exit 3"
qp_assert_contains "$QP_ERR" "the post-hook 'echo failing >&2; exit 3' failed with exit status 3; the new files are in place" \
    "a failed hook is reported"
# (the other lines: the hook's own, and the warning that EC is not RSA)
lines=$(printf '%s\n' "$QP_ERR" | grep -v '^failing$' | grep -vc '^qmail-pem: warning:')
qp_assert_eq 1 "$lines" "one error line of qmail-pem's own on stderr"
after=$(qp_pubkey "$srv")
[ "$after" != "$before" ] || qp_fail "the rotation was undone by the failing hook"
qp_ok "the rotation stands after the hook failed"
rt_assert_installed "$ctl" "after a failed hook"

qp_assert_status 69 "$QMAIL_PEM" rotate -d "$ctl" -q --post-hook 'kill -TERM $$'
qp_assert_contains "$QP_ERR" "was killed by signal 15" "a hook killed by a signal is reported"
rt_assert_installed "$ctl" "after a killed hook"

qp_assert_status 64 "$QMAIL_PEM" rotate -d "$ctl" --post-hook ""
qp_ok "an empty --post-hook is a usage error"

qp_done
