# shellcheck shell=bash
# t_completion.sh: contrib/bash-completion/qmail-pem, sourced in a fresh bash
# and driven through COMP_WORDS/COMP_CWORD as bash's completion does, with the
# built qmail-pem answering the help questions.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"

qp_setup
COMPLETION="$QP_SRCDIR/contrib/bash-completion/qmail-pem"
export COMPLETION

# comp WORD...: print, one a line and sorted, what completing the last WORD
# offers (WORD0 is the program as typed).  COMP_WORDBREAKS splitting is the
# caller's: pass "--format" "=" "j" for what bash makes of --format=j.
comp() {
	bash --norc --noprofile -c '
		. "$COMPLETION" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_qmail_pem || exit 1
		printf "%s\n" "${COMPREPLY[@]}"
	' comp "$@" | sort
}

# lines WORD...: the words joined by newlines (sorted), to compare with comp.
lines() {
	printf '%s\n' "$@" | sort
}

P=$QMAIL_PEM
qp_assert_status 0 bash -n "$COMPLETION"
spec=$(bash --norc -c '. "$COMPLETION"; complete -p qmail-pem')
qp_assert_eq "complete -F _qmail_pem qmail-pem" "$spec" \
    "sourcing it registers the completion for qmail-pem"

# --- commands ------------------------------------------------------------------
want=$("$P" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
want=$(lines $want help)
got=$(comp "$P" "")
qp_assert_eq "$want" "$got" "the commands are those of qmail-pem --help, and help"
got=$(comp "$P" ins)
qp_assert_eq install "$got" "'ins' completes to install"
got=$(comp "$P" --v)
qp_assert_eq --version "$got" "'--v' completes to --version"
got=$(comp "$P" help "")
qp_assert_eq "$want" "$got" "help offers the commands"

# Through PATH, as typed: the program's name, not its path.
mkdir -m 0755 "$QP_TMP/bin"
ln -s "$P" "$QP_TMP/bin/qmail-pem"
got=$(PATH="$QP_TMP/bin:$PATH" comp qmail-pem in)
qp_assert_eq install "$got" "qmail-pem found on PATH"

# --- options of install ----------------------------------------------------------
got=$(comp "$P" install --)
for o in --hostname --san --key-type --days --distinct-keys --new-key \
    --server-group --client-group --owner --format --wait --dry-run; do
	qp_assert_contains "$got"$'\n' "$o"$'\n' "install offers $o"
done
help=$("$P" help install)
while read -r o; do
	qp_assert_contains "$help" "$o" "$o is an option qmail-pem help install lists"
done < <(printf '%s\n' "$got")
got=$(comp "$P" install --key-)
qp_assert_eq --key-type "$got" "'--key-' completes to --key-type"
got=$(comp "$P" install -d /tmp --dr)
qp_assert_eq --dry-run "$got" "options after an option's value"
got=$(comp "$P" install -)
qp_assert_contains "$got"$'\n' "-d"$'\n' "short option -d offered"

# --- values ----------------------------------------------------------------------
got=$(comp "$P" install --key-type "")
want=$(lines rsa2048 rsa3072 rsa4096 ec-p256 ec-p384 ed25519)
qp_assert_eq "$want" "$got" "--key-type offers the six key types"
got=$(comp "$P" install --key-type ec)
qp_assert_eq "$(lines ec-p256 ec-p384)" "$got" "--key-type ec offers the EC types"
got=$(comp "$P" install --format "")
qp_assert_eq "$(lines json text)" "$got" "--format offers text and json (from the help)"
got=$(comp "$P" install --format = j)
qp_assert_eq json "$got" "--format=j, split at '=' by bash, completes to json"
got=$(comp "$P" install --format=j)
qp_assert_eq --format=json "$got" "--format=j as one word completes to --format=json"
got=$(comp "$P" install --days "")
qp_assert_eq "" "$got" "--days offers nothing"

mkdir -m 0755 "$QP_TMP/c" "$QP_TMP/c/ctl-a" "$QP_TMP/c/ctl-b"
: >"$QP_TMP/c/ctl-file"
got=$(comp "$P" install -d "$QP_TMP/c/ctl")
qp_assert_eq "$(lines "$QP_TMP/c/ctl-a" "$QP_TMP/c/ctl-b")" "$got" \
    "-d offers directories, not files"
got=$(comp "$P" install -d "$QP_TMP/c/nothing-here")
qp_assert_eq "" "$got" "-d with no match offers nothing"

# Users and groups: those of nss_wrapper exist only for this test.
got=$(comp "$P" install --server-group vch)
qp_assert_eq vchkpw "$got" "--server-group offers groups (vchkpw)"
got=$(comp "$P" install --client-group qma)
qp_assert_eq qmail "$got" "--client-group offers groups (qmail)"
got=$(comp "$P" install --owner qmail)
qp_assert_eq "$(lines qmaild qmaill qmailp qmailq qmailr qmails)" "$got" \
    "--owner offers users"

# --- without a runnable qmail-pem ----------------------------------------------
got=$(PATH=/usr/bin:/bin comp /nonexistent/qmail-pem "")
qp_assert_contains "$got" install "commands offered without the program"
got=$(PATH=/usr/bin:/bin comp /nonexistent/qmail-pem install --key-)
qp_assert_eq --key-type "$got" "install options offered without the program"

qp_done
