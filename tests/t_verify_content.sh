#!/bin/bash
# qmail-pem verify: every broken content of servercert.pem (and some of
# clientcert.pem) gives its documented check name and status, in the
# nagios, json and prometheus formats alike, and changes nothing.
# valgrind: slow (under memcheck: some hundred certificates and keys, many RSA)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup
qp_require python3 promtool faketime
vl_certs
vl_fresh

# A good chain first: key, leaf, intermediate: OK.
cat "$VL/leaf.key" "$VL/leaf.crt" "$VL/inter.crt" >"$VL/good.pem"
vl_place servercert.pem "$VL/good.pem"
vl_expect 0 servercert.pem chain-order OK
vl_expect_also servercert.pem expiry OK

# Not PEM at all.
printf 'this is not a certificate\n' >"$VL/junk.pem"
vl_place servercert.pem "$VL/junk.pem"
vl_expect 2 servercert.pem parses CRITICAL
vl_expect_also servercert.pem expiry SKIPPED

# Certificate cut short.
{ cat "$VL/leaf.key"; head -n 5 "$VL/leaf.crt"; } >"$VL/cut.pem"
vl_place servercert.pem "$VL/cut.pem"
vl_expect 2 servercert.pem parses CRITICAL

# Certificate, then key: OpenSSL finds both, but it is not our layout.
cat "$VL/leaf.crt" "$VL/inter.crt" "$VL/leaf.key" >"$VL/certkey.pem"
vl_place servercert.pem "$VL/certkey.pem"
vl_expect 1 servercert.pem chain-order WARNING

# Intermediate before the leaf: the daemon would send the wrong leaf.
cat "$VL/leaf.key" "$VL/inter.crt" "$VL/leaf.crt" >"$VL/inverted.pem"
vl_place servercert.pem "$VL/inverted.pem"
vl_expect 2 servercert.pem chain-order CRITICAL

# The same certificate twice.
cat "$VL/leaf.key" "$VL/leaf.crt" "$VL/inter.crt" "$VL/inter.crt" >"$VL/dup.pem"
vl_place servercert.pem "$VL/dup.pem"
vl_expect 1 servercert.pem chain-duplicates WARNING

# The root inside the chain.
cat "$VL/leaf.key" "$VL/leaf.crt" "$VL/inter.crt" "$VL/root.crt" >"$VL/root.pem"
vl_place servercert.pem "$VL/root.pem"
vl_expect 1 servercert.pem chain-root WARNING

# Text between the blocks.
{ cat "$VL/leaf.key"; echo "# copied from the CA's mail"; cat "$VL/leaf.crt" \
    "$VL/inter.crt"; } >"$VL/garbage.pem"
vl_place servercert.pem "$VL/garbage.pem"
vl_expect 1 servercert.pem garbage WARNING

# Two private keys (the first one matches).
cat "$VL/leaf.key" "$VL/self.key" "$VL/leaf.crt" "$VL/inter.crt" >"$VL/twokeys.pem"
vl_place servercert.pem "$VL/twokeys.pem"
vl_expect 1 servercert.pem single-key WARNING

# An encrypted key.
openssl pkey -in "$VL/leaf.key" -aes256 -passout pass:secret \
    -out "$VL/enc.key" 2>/dev/null
cat "$VL/enc.key" "$VL/leaf.crt" "$VL/inter.crt" >"$VL/enc.pem"
vl_place servercert.pem "$VL/enc.pem"
vl_expect 2 servercert.pem parses CRITICAL
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "QMAIL-PEM CRITICAL - servercert.pem: parses: the private key is encrypted" \
    "the summary names the check and the encrypted key"
qp_assert_not_contains "${QP_OUT%%|*}" "reader-can-read" \
    "the read test's failure, the same cause, is not said again"

# A key that belongs to no certificate in the file.
cat "$VL/self.key" "$VL/leaf.crt" "$VL/inter.crt" >"$VL/mismatch.pem"
vl_place servercert.pem "$VL/mismatch.pem"
vl_expect 2 servercert.pem key-matches CRITICAL
vl_expect_also servercert.pem reader-can-read CRITICAL

# Not yet valid (made 10 days in the future).
vl_selfsigned "$VL/future" shift=+10d
cat "$VL/future.key" "$VL/future.crt" >"$VL/future.pem"
vl_place servercert.pem "$VL/future.pem"
vl_expect 2 servercert.pem not-yet-valid CRITICAL

# Expired 370 days ago.
vl_selfsigned "$VL/expired" shift=-400d days=30
cat "$VL/expired.key" "$VL/expired.crt" >"$VL/expired.pem"
vl_place servercert.pem "$VL/expired.pem"
vl_expect 2 servercert.pem expiry CRITICAL
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "'servercert_days'=-37" "perfdata: negative days"
qp_assert_contains "$QP_OUT" "servercert.pem: expiry: expired 37" \
    "summary names the check and says how long ago"
qp_assert_contains "$QP_OUT" "renew it now with qmail-pem rotate -d $CTL (self-signed)" \
    "a self-signed certificate: renewed with qmail-pem rotate"

# Expires within -c (5 days), within -w (20 days), -w/-c honoured.
vl_selfsigned "$VL/soon" days=5
cat "$VL/soon.key" "$VL/soon.crt" >"$VL/soon.pem"
vl_place servercert.pem "$VL/soon.pem"
vl_expect 2 servercert.pem expiry CRITICAL
vl_expect 1 servercert.pem expiry WARNING -c 3 -w 10
vl_expect 0 servercert.pem expiry OK -c 2 -w 3
# Made an hour ago: 19 whole days and some hours left, whatever the speed.
vl_selfsigned "$VL/warn" days=20 shift=-1h
cat "$VL/warn.key" "$VL/warn.crt" >"$VL/warn.pem"
vl_place servercert.pem "$VL/warn.pem"
vl_expect 1 servercert.pem expiry WARNING
qp_assert_status 1 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "'servercert_days'=19;30;7" "perfdata with thresholds"

# RSA 1024: OpenSSL 3 at Debian's security level refuses it.
vl_selfsigned "$VL/rsa1024" key=rsa:1024
cat "$VL/rsa1024.key" "$VL/rsa1024.crt" >"$VL/rsa1024.pem"
vl_place servercert.pem "$VL/rsa1024.pem"
vl_expect 2 servercert.pem key-strength CRITICAL
vl_expect_also servercert.pem reader-can-read CRITICAL

# SHA-1: self-signed is a WARNING, signed by a CA is CRITICAL.
vl_selfsigned "$VL/sha1self" md=sha1
cat "$VL/sha1self.key" "$VL/sha1self.crt" >"$VL/sha1self.pem"
vl_place servercert.pem "$VL/sha1self.pem"
vl_expect 1 servercert.pem signature-algorithm WARNING
vl_signed "$VL/sha1ca" "$VL/inter" md=sha1
cat "$VL/sha1ca.key" "$VL/sha1ca.crt" "$VL/inter.crt" >"$VL/sha1ca.pem"
vl_place servercert.pem "$VL/sha1ca.pem"
vl_expect 2 servercert.pem signature-algorithm CRITICAL

# An EC key: usable by OpenSSL, but many qmail patches want RSA.
vl_selfsigned "$VL/ec" key=ec
cat "$VL/ec.key" "$VL/ec.crt" >"$VL/ec.pem"
vl_place servercert.pem "$VL/ec.pem"
vl_expect 1 servercert.pem rsa-key WARNING
vl_expect_also servercert.pem reader-can-read OK
qp_assert_status 1 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "SSL_CTX_use_RSAPrivateKey_file would fail" \
    "the read test says the RSA-only loader would fail"

# CA:TRUE on the leaf.
vl_selfsigned "$VL/caleaf" basic=critical,CA:TRUE
cat "$VL/caleaf.key" "$VL/caleaf.crt" >"$VL/caleaf.pem"
vl_place servercert.pem "$VL/caleaf.pem"
vl_expect 1 servercert.pem leaf-ca WARNING

# EKU clientAuth only: CRITICAL for servercert.pem, fine for clientcert.pem;
# serverAuth only is a WARNING for clientcert.pem.
vl_selfsigned "$VL/clionly" eku=clientAuth
cat "$VL/clionly.key" "$VL/clionly.crt" >"$VL/clionly.pem"
vl_place servercert.pem "$VL/clionly.pem"
vl_expect 2 servercert.pem eku CRITICAL
vl_place servercert.pem "$VL/good.pem"
vl_place clientcert.pem "$VL/clionly.pem"
vl_expect 0 clientcert.pem eku OK
vl_selfsigned "$VL/srvonly" eku=serverAuth
cat "$VL/srvonly.key" "$VL/srvonly.crt" >"$VL/srvonly.pem"
vl_place clientcert.pem "$VL/srvonly.pem"
vl_expect 1 clientcert.pem eku WARNING

# Host name: DIR/me, --hostname, a wildcard, and no name at all.
vl_place clientcert.pem "$VL/good.pem"
vl_expect 0 servercert.pem hostname OK
vl_expect 2 servercert.pem hostname CRITICAL --hostname smtp.example.org
vl_expect 2 clientcert.pem hostname WARNING --hostname smtp.example.org
vl_selfsigned "$VL/wild" san=DNS:*.example.com
cat "$VL/wild.key" "$VL/wild.crt" >"$VL/wild.pem"
vl_place servercert.pem "$VL/wild.pem"
vl_expect 0 servercert.pem hostname OK
rm -f "$CTL/me"
vl_expect 0 servercert.pem hostname SKIPPED

qp_done
