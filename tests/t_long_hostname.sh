#!/bin/bash
# A host name longer than a CN holds (64 characters; DNS allows 253) is in
# subjectAltName only: install makes the certificate with an empty subject
# and a critical subjectAltName (RFC 5280 4.2.1.6) instead of failing with
# exit 70 and no reason; verify finds the name there, rotate keeps it, csr
# asks for it the same way, and a --subject CN that long is refused saying
# why.  A CN cut short would name another host.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup

l63=$(printf 'a%.0s' $(seq 63))
long="$l63.$l63.$l63.$(printf 'b%.0s' $(seq 57)).com"	# 253 characters
mid="$(printf 'm%.0s' $(seq 60)).example.com"		# 72 characters
qp_assert_eq 253 "${#long}" "the long name has 253 characters"

# cert_names FILE: "subject=...;SAN" of the certificate (or request).
cert_names() {
	local kind=x509
	[ "${2:-}" = req ] && kind=req
	openssl "$kind" -in "$1" -noout -subject -nameopt RFC2253 -text |
	    awk '/^subject=/ { s = $0 }
	         /X509v3 Subject Alternative Name/ { crit = $0; getline; san = $1 }
	         END { sub(/^ */, "", crit); sub(/ *$/, "", crit); printf "%s;%s;%s\n", s, crit, san }'
}

for host in "$mid" "$long"; do
	ctl=$(qp_mkcontrol "$host")
	want_ok=0
	qp_under_valgrind && want_ok=1	# EC keys: rsa-key WARNING
	qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "${QP_FAST_KEY[@]}"
	got=$(cert_names "$ctl/servercert.pem")
	qp_assert_eq "subject=;X509v3 Subject Alternative Name: critical;DNS:$host," \
	    "$got," "install (${#host}): no CN, the name in a critical subjectAltName"
	qp_assert_status "$want_ok" "$QMAIL_PEM" verify -d "$ctl" -v
	qp_assert_contains "$QP_OUT" "servercert.pem hostname OK: covers $host" \
	    "verify (${#host}): the name is covered"
	qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl"
	got=$(cert_names "$ctl/clientcert.pem")
	qp_assert_eq "subject=;X509v3 Subject Alternative Name: critical;DNS:$host," \
	    "$got," "rotate (${#host}): the same name, subjectAltName only"
	qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --output "$QP_TMP/req.pem"
	got=$(cert_names "$QP_TMP/req.pem" req)
	qp_assert_eq "subject=;X509v3 Subject Alternative Name: critical;DNS:$host," \
	    "$got," "csr (${#host}): no CN, the name in a critical subjectAltName"
done

# A subject of the administrator's: kept, without a CN.
qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --subject "/O=Example Org" \
    --output "$QP_TMP/req.pem"
got=$(cert_names "$QP_TMP/req.pem" req)
qp_assert_eq "subject=O=Example Org;X509v3 Subject Alternative Name:;DNS:$long," \
    "$got," "csr --subject: the DN as given, no CN added"
# A CN too long for one: refused, saying why, nothing written.
before=$(qp_snapshot "$ctl")
qp_assert_status 64 "$QMAIL_PEM" csr -d "$ctl" --subject "/CN=$mid" --hostname "$mid" \
    --output "$QP_TMP/req2.pem"
qp_assert_contains "$QP_ERR" "the CN value is 72 characters long; a CN holds at most 64" \
    "csr --subject /CN=72 characters: says why"
qp_assert_same_snapshot "$before" "$ctl" "csr --subject refused: nothing changed"
[ ! -e "$QP_TMP/req2.pem" ] || qp_fail "csr wrote a request after all"
qp_done
