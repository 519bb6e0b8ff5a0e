#!/bin/bash
# Messages that echo what they were given: arguments with newlines or
# escape sequences are shown with '?' and stay one line; a --passin
# without a known prefix is not echoed at all (it may be the password);
# a file that is not on disk (/proc/self/environ) is named as such; and a
# run script, an envdir file or an input file that is a link to a device
# is never opened (strace), only examined.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require strace mknod

ctl=$(qp_mkcontrol mail.example.com)
esc=$'\e[2J\e[31m'

# one_line WHAT: $QP_ERR is one line, without an escape or a newline from
# the argument.
one_line() {
	qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "$1: one line on stderr"
	qp_assert_not_contains "$QP_ERR" $'\e' "$1: no escape character"
	qp_assert_contains "$QP_ERR" "?[31m" "$1: the escape shown as ?"
}

# --- control characters in arguments ----------------------------------------
qp_assert_status 66 "$QMAIL_PEM" install -d "$QP_TMP/no"$'\n'"such$esc"
one_line "install -d with a newline"
qp_assert_contains "$QP_ERR" "$QP_TMP/no?such?[2J?[31m does not exist" \
    "install -d: the path with ?"
qp_assert_status 64 "$QMAIL_PEM" install -d "$ctl" --key-type $'rsa\n'"$esc"
one_line "install --key-type"
qp_assert_status 64 "$QMAIL_PEM" install -d "$ctl" $'--bogus\n'"$esc"
one_line "an unknown option"
qp_assert_status 64 "$QMAIL_PEM" $'instal\n'"$esc"
one_line "an unknown command"
qp_assert_status 64 "$QMAIL_PEM" csr -d "$ctl" --subject $'/CN=a\nb'"$esc/X=y"
one_line "csr --subject"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$ctl" --hostname $'a\nb'"$esc"
one_line "verify --hostname"
qp_assert_eq 1 "$(printf '%s\n' "$QP_OUT" | wc -l)" "verify --hostname: one status line"
qp_assert_not_contains "$QP_OUT" $'\e' "verify --hostname: no escape in the status line"

# --- --passin without a prefix: not echoed ------------------------------------
qp_assert_status 64 "$QMAIL_PEM" install -d "$ctl" --key /dev/null \
    --passin 'hunter2secret:x'
qp_assert_not_contains "$QP_ERR" "hunt" "--passin: no part of the argument is echoed"
qp_assert_contains "$QP_ERR" "--passin takes env:VAR" "--passin: says what it takes"

# --- a file that is not on disk ------------------------------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "${QP_FAST_KEY[@]}"
openssl x509 -in "$ctl/servercert.pem" -out "$QP_TMP/cert.pem"
for opt in --cert --key --pkcs12; do
	more=()
	[ "$opt" = --key ] && more=(--cert "$QP_TMP/cert.pem")
	qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --dry-run \
	    "$opt" /proc/self/environ "${more[@]}"
	qp_assert_contains "$QP_ERR" "/proc/self/environ is not a regular file on disk (a file of procfs" \
	    "$opt /proc/self/environ: says what the file is"
	qp_assert_not_contains "$QP_ERR" "run again" "$opt /proc/self/environ: no run again"
done
openssl pkey -in "$ctl/servercert.pem" -aes256 -passout pass:secret \
    -out "$QP_TMP/enc.key" 2>/dev/null
qp_assert_status 65 "$QMAIL_PEM" install -d "$ctl" --dry-run \
    --key "$QP_TMP/enc.key" --cert "$QP_TMP/cert.pem" \
    --passin file:/proc/self/environ
qp_assert_contains "$QP_ERR" "is not a regular file on disk" "--passin file:/proc/...: says what the file is"

# --- links to a device are examined, never opened -----------------------------
# A device of our own (the null device), so that the trace names it alone.
dev="$QP_TMP/device"
mknod -m 0644 "$dev" c 1 3
# traced CMD...: run CMD under strace; QP_OUT/QP_ERR as qp_assert_status;
# $QP_TMP/trace lists every open.
traced() {
	local want=$1
	shift
	qp_assert_status "$want" strace -f -qq -o "$QP_TMP/trace" \
	    -e trace=open,openat,openat2 "${QP_NATIVE:-$QMAIL_PEM}" "$@"
}
# not_opened PATH WHAT: no open of PATH in the trace.
not_opened() {
	if grep -F "\"$1\"" "$QP_TMP/trace" >&2; then
		qp_fail "$2: $1 was opened"
	fi
	qp_ok "$2: $1 was not opened"
}

svc="$QP_TMP/service"
mkdir -p "$svc/qmail-smtpd" "$svc/qmail-send"
ln -s "$dev" "$svc/qmail-smtpd/run"
traced 2 readers -d "$ctl" --service-dir "$svc"
not_opened "$svc/qmail-smtpd/run" "readers: a run script linked to a device"
qp_assert_contains "$QP_OUT" "$svc/qmail-smtpd/run is not a regular file" \
    "readers: says the run script is not a regular file"
# (Exit 1 under valgrind: its keys are EC, a WARNING for rsa-key.)
traced "$(qp_under_valgrind && echo 1 || echo 0)" verify -d "$ctl" --service-dir "$svc"
not_opened "$svc/qmail-smtpd/run" "verify: a run script linked to a device"

# envdir's files: UID is a link to the device.
rm "$svc/qmail-smtpd/run"
mkdir "$svc/qmail-smtpd/env"
ln -s "$dev" "$svc/qmail-smtpd/env/UID"
printf '%s\n' '#!/bin/sh' \
    'exec envdir ./env tcpserver -U 0 smtp /var/qmail/bin/qmail-smtpd' \
    >"$svc/qmail-smtpd/run"
traced 2 readers -d "$ctl" --service-dir "$svc"
not_opened "UID" "readers: an envdir file linked to a device"
qp_assert_contains "$QP_OUT" "UID is not a regular file" \
    "readers: says the envdir file is not a regular file"

# Input files named on the command line.
traced 65 install -d "$ctl" --dry-run --cert "$dev"
not_opened "$dev" "install --cert DEVICE"
qp_assert_contains "$QP_ERR" "$dev is a device, not a regular file" "--cert DEVICE: says so"
ln -s "$dev" "$QP_TMP/cert-link.pem"
traced 65 install -d "$ctl" --dry-run --cert "$QP_TMP/cert-link.pem"
not_opened "$QP_TMP/cert-link.pem" "install --cert LINK-TO-DEVICE"
traced 65 install -d "$ctl" --dry-run --key "$QP_TMP/enc.key" \
    --cert "$QP_TMP/cert.pem" --passin "file:$QP_TMP/cert-link.pem"
not_opened "$QP_TMP/cert-link.pem" "install --passin file:LINK-TO-DEVICE"
qp_done
