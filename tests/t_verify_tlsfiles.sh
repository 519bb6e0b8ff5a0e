#!/bin/bash
# qmail-pem verify: the other TLS files of the control directory (issue
# 23): clientca.pem, clientcrl.pem, tlsclients, tlsserverciphers and a run
# script's TLSCIPHERS, tlsclientciphers, dh*.pem, rsa*.pem, tlshosts/ and
# its files, notlshosts/.  A good set verifies OK; each broken state gives
# its documented status in all three formats, under the file's own name
# (vl_expect: nagios -v, json, prometheus, promtool; the control directory
# unchanged).  The states are set up a round at a time, one broken state
# per file, so that three verify runs cover a round.  What OpenSSL does
# with the CRL when qmail-smtpd's flags are set is shown by openssl
# s_server verifying a client certificate with them; the real qmail-smtpd
# is in t_realqmail_tlsfiles.sh.
# shellcheck disable=SC2015,SC2119  # `a && b || fail`; helpers with defaults
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_need_acls "$0" "$@"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup
qp_require python3 promtool setfacl faketime
native=${QP_NATIVE:-$QMAIL_PEM}

# --- material ---------------------------------------------------------
CTL=$(qp_mkcontrol)
"$native" install -q -d "$CTL" >/dev/null || qp_fail "install -d $CTL"
W="$QP_TMP/tls"
mkdir -m 0755 "$W"
vl_selfsigned "$W/ca" cn="Client CA" san= basic=critical,CA:TRUE eku= \
    days=3650
vl_selfsigned "$W/ca2" cn="Other CA" san= basic=critical,CA:TRUE eku= \
    days=3650
vl_selfsigned "$W/old" cn="Old CA" san= basic=critical,CA:TRUE eku= \
    days=30 shift=-400d
vl_signed "$W/int" "$W/ca" cn="Intermediate CA" san= basic=critical,CA:TRUE \
    eku=
vl_signed "$W/client" "$W/ca" cn="relay@client.example" san= eku=clientAuth

# tf_crl CA OUT [LASTUPDATE NEXTUPDATE]: a CRL of CA (no revocations).
tf_crl() {
	local ca=$1 out=$2 db
	db=$(mktemp -d "$W/db.XXXXXX")
	: >"$db/index"
	echo 01 >"$db/crlnumber"
	printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index\ncrlnumber = %s/crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n' \
	    "$db" "$db" >"$db/cnf"
	local -a dates=()
	[ $# -lt 4 ] || dates=(-crl_lastupdate "$3" -crl_nextupdate "$4")
	openssl ca -config "$db/cnf" -gencrl -keyfile "$ca.key" \
	    -cert "$ca.crt" "${dates[@]}" -out "$out" 2>"$db/err" ||
	    { cat "$db/err" >&2; qp_fail "tf_crl $out"; }
}
tf_crl "$W/ca" "$W/good.crl"
tf_crl "$W/ca" "$W/expired.crl" 20200101000000Z 20200108000000Z
tf_crl "$W/ca2" "$W/other.crl"
cat "$W/good.crl" "$W/other.crl" >"$W/two.crl"
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
    -out "$W/dh2048.pem" 2>/dev/null || qp_fail "DH parameters 2048"
openssl dhparam -dsaparam -out "$W/dh1024.pem" 1024 2>/dev/null ||
    qp_fail "DH parameters 1024"
openssl genrsa -out "$W/rsa2048.pem" 2048 2>/dev/null || qp_fail "genrsa"

# tf_put NAME SRC OWNER:GROUP MODE: CTL/NAME (tlshosts/x.pem too) as a
# fresh file with these bytes, owner and mode.
tf_put() {
	rm -f -- "$CTL/$1"
	cat -- "$2" >"$CTL/$1" && chown "$3" "$CTL/$1" && chmod "$4" "$CTL/$1" ||
	    qp_fail "tf_put $1"
}
# tf_text NAME TEXT: CTL/NAME holding TEXT, root:root 0644.
tf_text() {
	printf '%s\n' "$2" >"$W/text" && tf_put "$1" "$W/text" root:root 0644
}
# tf_clear: only the key files and me are left.
tf_clear() {
	find "$CTL" -mindepth 1 -maxdepth 1 ! -name servercert.pem \
	    ! -name clientcert.pem ! -name me -exec rm -rf -- {} + ||
	    qp_fail "tf_clear"
}
tf_dirs() {
	mkdir -m 0755 "$CTL/tlshosts" "$CTL/notlshosts" || qp_fail "mkdir"
}

# --- every file good -----------------------------------------------------
# (no $QP_TMP/bin/qmail-smtpd: whether it reads dh*.pem and rsa*.pem is
# not known, so they are checked)
tf_put clientca.pem "$W/ca.crt" root:root 0644
tf_put clientcrl.pem "$W/good.crl" root:root 0644
tf_text tlsclients "relay@client.example"
tf_text tlsserverciphers 'HIGH:!aNULL:!MD5'
tf_text tlsclientciphers '# strong only
HIGH'
# dh2048.pem and rsa2048.pem as update_tmprsadh makes them
tf_put dh2048.pem "$W/dh2048.pem" qmaild:qmail 0600
tf_put rsa2048.pem "$W/rsa2048.pem" qmaild:qmail 0600
tf_dirs
tf_put tlshosts/mx.example.com.pem "$W/ca.crt" root:root 0644
touch "$CTL/tlshosts/exhaustivelist" "$CTL/notlshosts/old.example.com"
vl_expect 0 clientca.pem parses OK
for c in regular-file owner mode acl reader-can-read private-key ca-root ca-expiry used; do
	vl_expect_also clientca.pem "$c" OK
done
for c in parses crl-count crl-next-update crl-issuer crl-coverage used; do
	vl_expect_also clientcrl.pem "$c" OK
done
vl_expect_also tlsclients addresses OK
vl_expect_also tlsclients used OK
vl_expect_also tlsserverciphers ciphers OK
vl_expect_also tlsserverciphers weak-ciphers OK
vl_expect_also tlsclientciphers ciphers OK
vl_expect_also dh2048.pem owner OK
vl_expect_also dh2048.pem dh-bits OK
vl_expect_also dh2048.pem used INFO
vl_expect_also rsa2048.pem mode OK
vl_expect_also rsa2048.pem parses OK
vl_expect_also rsa2048.pem reader-can-read OK
vl_expect_also tlshosts/ directory OK
vl_expect_also tlshosts/ reader-can-read OK
vl_expect_also tlshosts/ names OK
vl_expect_also tlshosts/ exhaustivelist INFO
vl_expect_also tlshosts/mx.example.com.pem host-name OK
vl_expect_also tlshosts/mx.example.com.pem ca-expiry OK
vl_expect_also notlshosts/ hosts INFO
line=$(head -n 1 "$QP_TMP/.qp/vl.nagios")
qp_assert_contains "$line" "; 10 other TLS files OK |" \
    "nagios: the other TLS files are counted, not listed, when OK"
qp_assert_not_contains "$line" "clientca_days" "nagios: no perfdata for them"
qp_assert_contains "$(cat "$QP_TMP/.qp/vl.nagios")" \
    'tlsserverciphers ciphers OK: "HIGH:!aNULL:!MD5": in effect:' \
    "the cipher check quotes the string and says what is in effect"
qp_assert_contains "$(cat "$QP_TMP/.qp/vl.nagios")" \
    "notlshosts/ hosts INFO: qmail-remote never tries TLS with 1 host: old.example.com" \
    "notlshosts/ lists its hosts"

# A run script that exports a good TLSCIPHERS: judged OK under its own
# name, and tlsserverciphers, which qmail-smtpd then ignores, not judged.
svc="$QP_TMP/service"
mkdir -p "$svc/qmail-smtpd"
run_script() {
	printf '#!/bin/sh\nTLSCIPHERS=%s\nexport TLSCIPHERS\nexec tcpserver -u 20001 -g 20001 0 smtp /var/qmail/bin/qmail-smtpd\n' \
	    "$1" >"$svc/qmail-smtpd/run" && chmod 0755 "$svc/qmail-smtpd/run" ||
	    qp_fail "cannot write the run script"
}
run_script "'HIGH:!aNULL'"
env="TLSCIPHERS:$svc/qmail-smtpd/run"
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" -v --service-dir "$svc"
qp_assert_contains "$QP_OUT" "
$env ciphers OK: TLSCIPHERS from $svc/qmail-smtpd/run (line 4), which qmail-smtpd takes instead of tlsserverciphers: \"HIGH:!aNULL\": in effect:" \
    "a run script's TLSCIPHERS is judged, under its own name"
qp_assert_contains "$QP_OUT" "
tlsserverciphers used INFO: not used: the run script ($svc/qmail-smtpd/run) sets TLSCIPHERS" \
    "tlsserverciphers: not used beside TLSCIPHERS"

# OpenSSL with qmail-smtpd's settings (CA file clientca.pem, the CRL of
# clientcrl.pem, X509_V_FLAG_CRL_CHECK_ALL) accepts the client's
# certificate with this CRL ...
peer=$(_qp_peer_pem) || qp_fail "peer certificate"
crl_handshake() {
	local dir
	dir=$(_qp_probe_dir) || qp_fail "probe dir"
	_qp_server_start "$dir" "" "" -cert "$peer" -key "$peer" \
	    -CAfile "$CTL/clientca.pem" -CRL "$CTL/clientcrl.pem" \
	    -crl_check_all -verify 1 -www || qp_fail "s_server did not start"
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client \
	    -connect "127.0.0.1:$_qp_server_port" -quiet \
	    -cert "$W/client.crt" -key "$W/client.key" \
	    >"$dir/client.out" 2>"$dir/client.err" || true
	_qp_server_stop "$dir"
	cat "$dir/server.out" "$dir/server.err"
}
out=$(crl_handshake)
qp_assert_not_contains "$out" "verify error" \
    "s_server with qmail's CRL flags accepts the client certificate (current CRL)"

# --- CRITICAL: one state per file --------------------------------------
# clientca.pem writable by every user (whoever can write it chooses the
# CAs qmail-smtpd trusts); an expired CRL; a pinned CA that expired, one
# that is not a root, one file OpenSSL cannot load at all, one with a
# private key; rsa2048.pem readable by every user; tlsserverciphers its
# reader cannot read; tlsclientciphers owned by qmailr; tlsclients
# group-writable; dh2048.pem owned by another user; notlshosts/ writable
# by every user; and a run script whose TLSCIPHERS (taken instead of
# tlsserverciphers) sets a security level servercert.pem's key fails.
chmod 0666 "$CTL/clientca.pem"
tf_put clientcrl.pem "$W/expired.crl" root:root 0644
tf_put tlshosts/mx.example.com.pem "$W/old.crt" root:root 0644
tf_put tlshosts/int.example.com.pem "$W/int.crt" root:root 0644
tf_text tlshosts/broken.example.com.pem "-----BEGIN CERTIFICATE-----
bm90IGEgY2VydGlmaWNhdGU=
-----END CERTIFICATE-----"
cat "$W/ca.crt" "$W/ca.key" >"$W/withkey.pem"
tf_put tlshosts/key.example.com.pem "$W/withkey.pem" root:root 0644
tf_put rsa2048.pem "$W/rsa2048.pem" qmaild:qmail 0644
chmod 0600 "$CTL/tlsserverciphers"
chown qmailr "$CTL/tlsclientciphers"
chmod 0664 "$CTL/tlsclients"
chown other "$CTL/dh2048.pem"
chmod 0777 "$CTL/notlshosts"
run_script "'DEFAULT:@SECLEVEL=3'"
# ... and a qmail-smtpd (QMAILHOME/bin, the control directory's parent)
# that imports PEM_read_DHparams and PEM_read_bio_RSAPrivateKey, with
# 1024-bit DH parameters beside.
mkdir -p "$QP_TMP/bin"
cp "$QP_BUILDDIR/fuzz-seeds/elfimports/rsa-chain-dh" "$QP_TMP/bin/qmail-smtpd"
tf_put dh1024.pem "$W/dh1024.pem" root:root 0644
vl_expect 2 clientca.pem mode CRITICAL --service-dir "$svc"
vl_expect_also clientcrl.pem crl-next-update CRITICAL
vl_expect_also tlshosts/mx.example.com.pem ca-expiry CRITICAL
vl_expect_also tlshosts/int.example.com.pem ca-root CRITICAL
vl_expect_also tlshosts/broken.example.com.pem parses CRITICAL
vl_expect_also tlshosts/key.example.com.pem private-key CRITICAL
vl_expect_also rsa2048.pem mode CRITICAL
vl_expect_also tlsserverciphers reader-can-read CRITICAL
vl_expect_also tlsserverciphers used INFO
vl_expect_also tlsclientciphers owner CRITICAL
vl_expect_also tlsclients mode CRITICAL
vl_expect_also dh2048.pem owner CRITICAL
vl_expect_also notlshosts/ directory CRITICAL
vl_expect_also "$env" ciphers CRITICAL
vl_expect_also rsa2048.pem used OK
vl_expect_also dh1024.pem used OK
vl_expect_also dh1024.pem dh-bits WARNING
nagios=$(cat "$QP_TMP/.qp/vl.nagios")
line=${nagios%%$'\n'*}
# The status line shows the first four problems, the worst first (issue
# 21); -v names every file's checks.
qp_assert_contains "$line" "QMAIL-PEM CRITICAL - clientca.pem: mode: " \
    "nagios status line: the worst problem first"
qp_assert_contains "$line" "more; -v lists every check" "nagios status line: the rest counted"
for f in clientca.pem clientcrl.pem rsa2048.pem tlshosts/mx.example.com.pem \
    notlshosts/ "$env"; do
	qp_assert_contains "$nagios" $'\n'"$f " "nagios -v names $f"
done
qp_assert_contains "$nagios" "clientca.pem mode CRITICAL: root:root 0666: writable by every user, who can make qmail-smtpd trust a CA of their own" \
    "clientca.pem: what a writer can do"
qp_assert_contains "$nagios" "fix: chmod go-w $CTL/clientca.pem" \
    "clientca.pem: the fix names the file"
qp_assert_contains "$nagios" "OpenSSL rejects every client certificate (CRL has expired)" \
    "clientcrl.pem: what an expired CRL does"
qp_assert_contains "$nagios" "rsa2048.pem mode CRITICAL: qmaild:qmail 0644: every user can read this private key" \
    "rsa2048.pem: readable by every user"
qp_assert_contains "$nagios" "421 unable to read controls" \
    "tlsserverciphers: what its reader sees"
qp_assert_contains "$nagios" "TLSCIPHERS from $svc/qmail-smtpd/run (line 4), which qmail-smtpd takes instead of tlsserverciphers: \"DEFAULT:@SECLEVEL=3\": security level 3" \
    "TLSCIPHERS: judged, and said where it comes from"
# ... and rejects it once the CRL has expired.
rm -f "$QP_TMP/bin/qmail-smtpd"
chmod 0644 "$CTL/clientca.pem"
out=$(crl_handshake)
qp_assert_contains "$out" "verify error:num=12:CRL has expired" \
    "s_server with qmail's CRL flags rejects the client certificate (expired CRL)"

# --- WARNING: one state per file ---------------------------------------
# clientca.pem with an expired CA beside the one the CRL is from (whose
# client certificates then find no CRL); a TLS 1.3 suite as the server's
# ciphers (no TLS 1.2 left), NULL and anonymous suites for the client; a
# line that is not an address; 1024-bit DH parameters; a pin file with an
# expired CA beside a good one, one in upper case, a file that is never
# read.
tf_clear
cat "$W/ca.crt" "$W/old.crt" >"$W/two-cas.pem"
tf_put clientca.pem "$W/two-cas.pem" root:root 0644
tf_put clientcrl.pem "$W/good.crl" root:root 0644
tf_text tlsclients "relay@client.example
relay@client.example # the relay"
tf_text tlsserverciphers TLS_AES_128_GCM_SHA256
tf_text tlsclientciphers 'HIGH:eNULL:aNULL:@SECLEVEL=0'
tf_put dh1024.pem "$W/dh1024.pem" root:root 0644
tf_dirs
tf_put tlshosts/mx.example.com.pem "$W/two-cas.pem" root:root 0644
tf_put tlshosts/MX2.example.com.pem "$W/ca.crt" root:root 0644
tf_put tlshosts/mx3.example.com "$W/ca.crt" root:root 0644
vl_expect 1 clientca.pem ca-expiry WARNING
vl_expect_also clientcrl.pem crl-coverage WARNING
vl_expect_also tlsserverciphers ciphers WARNING
vl_expect_also tlsclientciphers weak-ciphers WARNING
vl_expect_also tlsclients addresses WARNING
vl_expect_also dh1024.pem dh-bits WARNING
vl_expect_also tlshosts/mx.example.com.pem ca-expiry WARNING
vl_expect_also tlshosts/MX2.example.com.pem host-name WARNING
vl_expect_also tlshosts/ names WARNING
nagios=$(cat "$QP_TMP/.qp/vl.nagios")
qp_assert_contains "$nagios" 'line 2 "relay@client.example # the relay" is not one e-mail address' \
    "tlsclients: the line is named"
qp_assert_contains "$nagios" "no TLS 1.2 cipher is left (0 in the list), only 1 TLS 1.3 suite: clients without TLS 1.3 cannot start TLS" \
    "tlsserverciphers: what is left"
qp_assert_contains "$nagios" "tlshosts/mx3.example.com is never read" \
    "tlshosts/: the stray file is named"

# Two CRLs (qmail-smtpd then turns no CRL checking on), a CRL from a CA
# not in clientca.pem, tlsclients without clientca.pem; and a qmail-smtpd
# that imports no DH or RSA reader, as qmail-tls 20231230: "not used" is
# all there is to say of dh*.pem and rsa*.pem, even of a key every user
# can read.
tf_clear
tf_put clientcrl.pem "$W/two.crl" root:root 0644
tf_text tlsclients "relay@client.example"
tf_put dh1024.pem "$W/dh1024.pem" root:root 0644
tf_put rsa2048.pem "$W/rsa2048.pem" root:root 0644
cp "$QP_BUILDDIR/fuzz-seeds/elfimports/any-leaf" "$QP_TMP/bin/qmail-smtpd"
vl_expect 1 clientcrl.pem crl-count WARNING
vl_expect_also clientcrl.pem crl-issuer WARNING
vl_expect_also clientcrl.pem used INFO
vl_expect_also tlsclients used WARNING
vl_expect_also rsa2048.pem used INFO
vl_expect_also dh1024.pem used INFO
qp_assert_contains "$(cat "$QP_TMP/.qp/vl.nagios")" \
    "rsa2048.pem used INFO: not used: qmail-smtpd ($QP_TMP/bin/qmail-smtpd) imports no reader of temporary RSA keys" \
    "rsa2048.pem: not used, and why"
qp_assert_not_contains "$(cat "$QP_TMP/.qp/vl.nagios")" "rsa2048.pem mode" \
    "an unused file gets no other check"
rm -f "$QP_TMP/bin/qmail-smtpd"

# --- symlinks, followed as qmail follows them and checked where they
# lead; ACLs, whose read entries are fine on a public file, write entries
# not ---------------------------------------------------------------------
tf_clear
mkdir -m 0755 "$W/bundle"
mkdir -m 0777 "$W/open" "$W/open-hosts"
cp "$W/ca.crt" "$W/bundle/ca.pem"
cp "$W/ca.crt" "$W/bundle/mx.example.com.pem"
printf 'relay@client.example\n' >"$W/open/tlsclients"
chmod 0644 "$W/bundle/ca.pem" "$W/bundle/mx.example.com.pem" \
    "$W/open/tlsclients"
ln -s "$W/bundle/ca.pem" "$CTL/clientca.pem"
ln -s "$W/missing.pem" "$CTL/clientcrl.pem"
ln -s "$W/open/tlsclients" "$CTL/tlsclients"
ln -s "$W/bundle" "$CTL/tlshosts"
ln -s "$W/open-hosts" "$CTL/notlshosts"
ln -s "$W/rsa2048.pem" "$CTL/rsa2048.pem"
tf_text tlsserverciphers HIGH
tf_text tlsclientciphers HIGH
setfacl -m u:other:rw "$CTL/tlsserverciphers"
setfacl -m u:other:r "$CTL/tlsclientciphers"
vl_expect 2 clientca.pem regular-file OK
vl_expect_also clientca.pem directory OK
vl_expect_also clientca.pem parses OK
vl_expect_also clientcrl.pem regular-file WARNING
vl_expect_also tlsclients directory CRITICAL
vl_expect_also tlshosts/ directory OK
vl_expect_also tlshosts/mx.example.com.pem ca-expiry OK
vl_expect_also notlshosts/ directory CRITICAL
vl_expect_also rsa2048.pem regular-file CRITICAL
vl_expect_also tlsserverciphers acl CRITICAL
vl_expect_also tlsclientciphers acl OK
nagios=$(cat "$QP_TMP/.qp/vl.nagios")
qp_assert_contains "$nagios" "tlsclients directory CRITICAL: unsafe directory $W/open: writable by others" \
    "tlsclients: the writable directory it leads to is named"
qp_assert_contains "$nagios" "tlsserverciphers acl CRITICAL: extended ACL entries user:other:rw- let others write it" \
    "tlsserverciphers: the ACL entry is named"
tf_clear

qp_done
