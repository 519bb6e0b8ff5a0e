#!/bin/bash
# No pass-phrase prompt, ever: with an encrypted key in servercert.pem,
# every command that reads it (verify and its read test as qmaild,
# install, rotate, csr, tlsa) neither prints OpenSSL's "Enter PEM pass
# phrase:" nor reads a byte of the caller's stdin, and gives the verdict
# qmail would: the key cannot be used.  Run without a controlling terminal
# (setsid), where OpenSSL's own prompt would read stdin, with stdin a pipe
# that holds the key's real password: a command that read it would load
# the key and say it is fine.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require setsid

ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "${QP_FAST_KEY[@]}"
# The same key, encrypted with the password "secret", then the chain.
openssl pkey -in "$ctl/servercert.pem" -aes256 -passout pass:secret \
    -out "$QP_TMP/enc.key" 2>/dev/null || qp_fail "cannot encrypt the key"
{ cat "$QP_TMP/enc.key"; openssl x509 -in "$ctl/servercert.pem"; } \
    >"$ctl/servercert.pem.new" || qp_fail "cannot build the encrypted file"
chown root:nofiles "$ctl/servercert.pem.new"
chmod 0640 "$ctl/servercert.pem.new"
mv "$ctl/servercert.pem.new" "$ctl/servercert.pem"

# run.sh OUT CMD...: CMD with its output in OUT.out/.err and its status in
# OUT.status, then what it left of stdin in OUT.rest.
cat >"$QP_TMP/run.sh" <<'SH'
#!/bin/sh
out=$1
shift
"$@" >"$out.out" 2>"$out.err"
echo $? >"$out.status"
cat >"$out.rest"
SH
chmod 0755 "$QP_TMP/run.sh"
feed=$'secret\nthe caller\'s next line\n'

# no_prompt STATUS CMD...: CMD run without a terminal, stdin a pipe that
# holds $feed; sets QP_OUT and QP_ERR.  Asserts the status, that stdin was
# left as it was and that nothing asked for a pass phrase.
no_prompt() {
	local want=$1 r="$QP_TMP/np" st what
	shift
	what="${2:-$1}"
	rm -f "$r".*
	printf '%s' "$feed" |
	    timeout -k 5 300 setsid -w "$QP_TMP/run.sh" "$r" "$@" ||
	    qp_fail "$what: did not finish"
	st=$(cat "$r.status")
	QP_OUT=$(cat "$r.out")
	QP_ERR=$(cat "$r.err")
	if [ "$st" != "$want" ]; then
		printf '  --- stdout\n%s\n  --- stderr\n%s\n' "$QP_OUT" \
		    "$QP_ERR" >&2
		qp_fail "$what: status $st, want $want"
	fi
	qp_ok "$what: status $want"
	qp_assert_eq "${feed}." "$(cat "$r.rest"; printf .)" \
	    "$what: the caller's stdin is left unread"
	qp_assert_not_contains "$QP_OUT$QP_ERR" "pass phrase" \
	    "$what: no pass-phrase prompt"
}

no_prompt 2 "$QMAIL_PEM" verify -d "$ctl" -v
qp_assert_contains "$QP_OUT" "servercert.pem parses CRITICAL" \
    "verify: the encrypted key is CRITICAL"
qp_assert_contains "$QP_OUT" "servercert.pem reader-can-read CRITICAL" \
    "verify: qmaild cannot load the key either"
no_prompt 2 "$QMAIL_PEM" verify -d "$ctl" --format json
qp_assert_contains "$QP_OUT" '"status": "CRITICAL"' "verify --format json: CRITICAL"
# The commands that need the key refuse it, saying why.
for cmd in "install --dry-run" "rotate --dry-run" csr tlsa; do
	# shellcheck disable=SC2086  # the options are words
	no_prompt 65 "$QMAIL_PEM" $cmd -d "$ctl"
	qp_assert_contains "$QP_ERR" "encrypted" "$cmd: says the key is encrypted"
done

# --passin stdin is the one way a command reads stdin: its first line,
# and not a byte more.
openssl x509 -in "$ctl/servercert.pem" -out "$QP_TMP/cert.pem"
r="$QP_TMP/np"
rm -f "$r".*
printf '%s' "$feed" | timeout -k 5 300 setsid -w "$QP_TMP/run.sh" "$r" \
    "$QMAIL_PEM" install -d "$ctl" --key "$QP_TMP/enc.key" \
    --cert "$QP_TMP/cert.pem" --passin stdin --dry-run
qp_assert_eq 0 "$(cat "$r.status")" "install --passin stdin: status 0"
qp_assert_eq "the caller's next line"$'\n'. "$(cat "$r.rest"; printf .)" \
    "install --passin stdin: read the first line only"
qp_done
