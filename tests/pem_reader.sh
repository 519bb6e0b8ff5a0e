#!/bin/bash
# pem_reader.sh FILE STOP LOG: read FILE in a loop, as a daemon would,
# until STOP exists (tests copy it where the reading user can run it and
# start it with qp_start_reader).  Each read is one cat (one open, one
# inode); the key and the first certificate of that one copy are compared.
# A line per read in LOG:
#   ok DIGEST                 they match (SHA-256 of the public key, DER)
#   FAIL open: MESSAGE        the file could not be read
#   FAIL parse: N bytes: WHY  no key or no certificate in the copy
#   FAIL mismatch: key K cert C
# and at the end one line `reads N failures M retried R`.
#
# openssl judges each copy.  A copy it cannot parse is parsed once more,
# the same bytes, and is a FAIL only if that fails too; one that parses
# the second time was whole (openssl itself failed once, as seen in CI
# under load) and counts in "retried", with a `retry: WHY` line.
set -u
set -o pipefail
file=$1 stop=$2 log=$3
n=0 bad=0 retried=0
empty=$(printf '' | sha256sum)
errs=$(mktemp) || exit 1
trap 'rm -f "$errs"' EXIT

# digests COPY: key and crt, the digests of the public key of COPY's key
# and of its first certificate; false if either is missing, openssl's
# messages then in $errs.
digests() {
	: >"$errs"
	key=$(printf '%s\n' "$1" | openssl pkey -pubout -outform DER \
	    2>>"$errs" | sha256sum) || key=
	crt=$(printf '%s\n' "$1" | openssl x509 -noout -pubkey 2>>"$errs" |
	    openssl pkey -pubin -outform DER 2>>"$errs" | sha256sum) || crt=
	[ -n "$key" ] && [ "$key" != "$empty" ] && [ -n "$crt" ] &&
	    [ "$crt" != "$empty" ]
}

why() {
	tr '\n' ' ' <"$errs" | cut -c 1-200
}

while [ ! -e "$stop" ]; do
	n=$((n + 1))
	if ! snap=$(cat -- "$file" 2>&1); then
		bad=$((bad + 1))
		printf 'FAIL open: %s\n' "$snap" >>"$log"
		continue
	fi
	if ! digests "$snap"; then
		first=$(why)
		if ! digests "$snap"; then
			bad=$((bad + 1))
			printf 'FAIL parse: %d bytes: %s\n' "${#snap}" "$(why)" \
			    >>"$log"
			continue
		fi
		retried=$((retried + 1))
		printf 'retry: %s\n' "$first" >>"$log"
	fi
	if [ "$key" != "$crt" ]; then
		bad=$((bad + 1))
		printf 'FAIL mismatch: key %s cert %s\n' "${key%% *}" \
		    "${crt%% *}" >>"$log"
	else
		printf 'ok %s\n' "${key%% *}" >>"$log"
	fi
done
printf 'reads %d failures %d retried %d\n' "$n" "$bad" "$retried" >>"$log"
