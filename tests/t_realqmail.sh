#!/bin/bash
# t_realqmail.sh: the files qmail-pem writes, read by the real qmail-smtpd
# and qmail-remote (netqmail 1.06 + qmail-tls 20231230, built from
# ../shared/qmail by the realqmail fixture) and by stand-ins for loaders
# that take any key type, send only the leaf, or pick a file by SNI
# (tests/standin_smtpd.c).  Each server runs under tcpserver as the user
# a run script names (tests/realqmail.sh), qmail-remote as qmailr:qmail.
#
# What holds today, and what issues 19, 20 and 24 build on:
#   - install (RSA) for qmaild:nofiles: the real qmail-smtpd completes
#     STARTTLS with servercert.pem's leaf; as vpopmail:vchkpw it cannot
#     read the file (454 TLS missing certificate) until
#     install --server-group vchkpw; qmail-remote presents clientcert.pem;
#   - --key-type ec-p256 --allow-non-rsa: the real qmail-smtpd answers 454 TLS no valid RSA
#     private key, anykey-smtpd completes, qmail-remote sends no client
#     certificate and delivers anyway;
#   - --distinct-keys: qmail-remote presents clientcert.pem's own leaf;
#   - an imported chain: qmail-smtpd sends leaf and intermediate,
#     leafonly-smtpd the leaf only;
#   - sni-smtpd serves servercerts/NAME/servercert.pem to NAME, and
#     servercert.pem without SNI or for another name; a NAME file it
#     cannot read ends the handshake.
# No QP_FAST_KEY here: the real programs load RSA keys only, so the key
# type is the point of every key qmail-pem makes in this test (the SNI
# keys and the CA are made by openssl, outside memcheck).
# fixtures: realqmail
# shellcheck disable=SC2119  # rq_mkroot and rq_remote_send with defaults
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/realqmail.sh
. "$QP_SRCDIR/tests/realqmail.sh"
# shellcheck source=tests/pki.sh
. "$QP_SRCDIR/tests/pki.sh"
qp_setup
rq_init

# --- the loaders each program imports (what issue 20 reads with libelf) --
imports=$(rq_imports "$RQ_DIR/bin/qmail-smtpd")
qp_assert_contains "$imports" SSL_use_RSAPrivateKey_file \
    "real qmail-smtpd: RSA-only key loader"
qp_assert_contains "$imports" SSL_CTX_use_certificate_chain_file \
    "real qmail-smtpd: chain loader"
imports=$(rq_imports "$RQ_DIR/bin/qmail-remote")
qp_assert_contains "$imports" SSL_CTX_use_RSAPrivateKey_file \
    "real qmail-remote: RSA-only key loader"
imports=$(rq_imports "$(rq_standin anykey)")
qp_assert_contains "$imports" SSL_CTX_use_PrivateKey_file \
    "anykey-smtpd: any-key loader"
qp_assert_not_contains "$imports" RSAPrivateKey "anykey-smtpd: no RSA-only loader"
qp_assert_contains "$imports" SSL_CTX_use_certificate_chain_file \
    "anykey-smtpd: chain loader"
imports=$(rq_imports "$(rq_standin leafonly)")
qp_assert_contains "$imports" SSL_CTX_use_certificate_file \
    "leafonly-smtpd: leaf loader"
qp_assert_not_contains "$imports" SSL_CTX_use_certificate_chain_file \
    "leafonly-smtpd does not import the chain loader"
imports=$(rq_imports "$(rq_standin sni)")
qp_assert_contains "$imports" SSL_get_servername "sni-smtpd: SNI callback"

# --- install (RSA) for qmaild:nofiles ------------------------------------
ctl=$(rq_mkroot)
qp_assert_eq "$RQ_CTL" "$ctl" "rq_mkroot prints the control directory"
svc_qmaild="$QP_TMP/svc-qmaild"
svc_vpop="$QP_TMP/svc-vpopmail"
rq_run_script "$svc_qmaild" qmaild nofiles
rq_run_script "$svc_vpop" vpopmail vchkpw
# The run scripts name the users the servers below run as.
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" --service-dir "$svc_vpop"
qp_assert_contains "$QP_OUT" \
    "qmail-smtpd as vpopmail:vchkpw (uid 20010, gid 20010) from $svc_vpop/qmail-smtpd/run" \
    "qmail-pem readers understands rq_run_script's run script"
rq_smtpd_start qmaild qmaild nofiles
port_qmaild=$RQ_PORT
rq_smtpd_start vpopmail vpopmail vchkpw
port_vpop=$RQ_PORT

rq_starttls "$port_qmaild"
qp_assert_eq absent "$RQ_TLS" "no servercert.pem: qmail-smtpd offers no STARTTLS"

qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --service-dir "$svc_qmaild"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
srv_fpr=$(qp_cert_fpr "$ctl/servercert.pem")
cli_fpr=$(qp_cert_fpr "$ctl/clientcert.pem")

rq_starttls "$port_qmaild"
qp_assert_eq ok "$RQ_TLS" "qmaild:nofiles: the real qmail-smtpd completes STARTTLS"
qp_assert_eq "$srv_fpr" "$RQ_LEAF" "qmaild:nofiles: it presents servercert.pem's leaf"

rq_starttls "$port_vpop"
qp_assert_eq refused "$RQ_TLS" "vpopmail:vchkpw cannot read a root:nofiles file"
qp_assert_contains "$RQ_REPLY" "454 TLS missing certificate" \
    "vpopmail:vchkpw: qmail-smtpd answers 454 TLS missing certificate"

rq_remote_send
qp_assert_eq K "$RQ_REMOTE" "qmail-remote as qmailr:qmail delivers (${RQ_REMOTE_TEXT%%$'\n'*})"
qp_assert_eq "$cli_fpr" "$RQ_CLIENT_CERT" \
    "qmail-remote presents clientcert.pem's leaf"

# --- install --server-group vchkpw for vpopmail:vchkpw (qmailrocks) ------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --server-group vchkpw \
    --service-dir "$svc_vpop"
qp_assert_file_perm "$ctl/servercert.pem" root:vchkpw 0640
rq_starttls "$port_vpop"
qp_assert_eq ok "$RQ_TLS" "vpopmail:vchkpw: the real qmail-smtpd completes STARTTLS"
qp_assert_eq "$srv_fpr" "$RQ_LEAF" "vpopmail:vchkpw: it presents servercert.pem's leaf"
rq_starttls "$port_qmaild"
qp_assert_contains "$RQ_REPLY" "454 TLS missing certificate" \
    "qmaild:nofiles cannot read a root:vchkpw file"

# --- --key-type ec-p256: RSA-only readers fail, an any-key reader works --
ctl=$(rq_mkroot)
# (Refused without --allow-non-rsa: the run script's qmail-smtpd loads RSA
# keys only; t_realqmail_loaders.sh tests that.)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key-type ec-p256 \
    --allow-non-rsa --service-dir "$svc_qmaild"
srv_fpr=$(qp_cert_fpr "$ctl/servercert.pem")
rq_starttls "$port_qmaild"
qp_assert_eq refused "$RQ_TLS" "EC key: the real qmail-smtpd refuses STARTTLS"
qp_assert_contains "$RQ_REPLY" "454 TLS no valid RSA private key" \
    "EC key: 454 TLS no valid RSA private key"
rq_smtpd_start anykey qmaild nofiles "$(rq_standin anykey)" "$RQ_ROOT"
port_anykey=$RQ_PORT
rq_starttls "$port_anykey"
qp_assert_eq ok "$RQ_TLS" "EC key: anykey-smtpd completes STARTTLS"
qp_assert_eq "$srv_fpr" "$RQ_LEAF" "EC key: anykey-smtpd presents servercert.pem's leaf"
rq_remote_send
qp_assert_eq K "$RQ_REMOTE" "EC key: qmail-remote still delivers"
qp_assert_eq none "$RQ_CLIENT_CERT" \
    "EC key: qmail-remote silently sends no client certificate"

# --- --distinct-keys: qmail-remote presents clientcert.pem's own leaf ----
ctl=$(rq_mkroot)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --distinct-keys \
    --service-dir "$svc_qmaild"
srv_fpr=$(qp_cert_fpr "$ctl/servercert.pem")
cli_fpr=$(qp_cert_fpr "$ctl/clientcert.pem")
[ "$srv_fpr" != "$cli_fpr" ] || qp_fail "--distinct-keys made one certificate"
rq_remote_send
qp_assert_eq K "$RQ_REMOTE" "distinct keys: qmail-remote delivers"
qp_assert_eq "$cli_fpr" "$RQ_CLIENT_CERT" \
    "distinct keys: qmail-remote presents clientcert.pem's leaf, not servercert.pem's"
rq_starttls "$port_qmaild"
qp_assert_eq "$srv_fpr" "$RQ_LEAF" "distinct keys: qmail-smtpd presents servercert.pem's leaf"

# --- an imported chain: qmail-smtpd sends it, leafonly-smtpd does not ----
pki_init
pki_key "$PKI/leaf.key" rsa
pki_leaf "$PKI/leaf.key" "$PKI/leaf.pem"
leaf_fpr=$(qp_cert_fpr "$PKI/leaf.pem")
int_fpr=$(qp_cert_fpr "$PKI/int.pem")
ctl=$(rq_mkroot)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$PKI/leaf.key" \
    --cert "$PKI/leaf.pem" --chain "$PKI/int.pem" --service-dir "$svc_qmaild"
rq_starttls "$port_qmaild"
qp_assert_eq ok "$RQ_TLS" "imported chain: the real qmail-smtpd completes STARTTLS"
qp_assert_eq "$leaf_fpr $int_fpr" "$RQ_CHAIN" \
    "imported chain: qmail-smtpd sends the leaf and the intermediate"
rq_smtpd_start leafonly qmaild nofiles "$(rq_standin leafonly)" "$RQ_ROOT"
rq_starttls "$RQ_PORT"
qp_assert_eq ok "$RQ_TLS" "imported chain: leafonly-smtpd completes STARTTLS"
qp_assert_eq "$leaf_fpr" "$RQ_CHAIN" "imported chain: leafonly-smtpd sends the leaf only"
rq_starttls "$port_anykey"
qp_assert_eq "$leaf_fpr $int_fpr" "$RQ_CHAIN" "imported chain: anykey-smtpd sends both"
# A stand-in installed as QMAILHOME/bin/qmail-smtpd finds its root itself.
rq_install_smtpd leafonly
rq_smtpd_start installed qmaild nofiles
rq_starttls "$RQ_PORT"
qp_assert_eq "$leaf_fpr" "$RQ_CHAIN" "leafonly-smtpd as bin/qmail-smtpd sends the leaf only"
rq_stop installed
rq_install_smtpd real
rq_remote_send
qp_assert_eq K "$RQ_REMOTE" "imported chain: qmail-remote delivers"
qp_assert_eq "$leaf_fpr" "$RQ_CLIENT_CERT" "imported chain: qmail-remote presents the leaf"

# --- SNI: servercerts/NAME/servercert.pem, made by hand -------------------
mkdir -m 0755 "$ctl/servercerts"
for name in a.example b.example; do
	d="$ctl/servercerts/$name"
	mkdir -m 0755 "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$name" -addext "subjectAltName=DNS:$name" -days 2 \
	    -keyout "$QP_TMP/$name.key" -out "$QP_TMP/$name.crt" 2>/dev/null ||
	    qp_fail "cannot make a certificate for $name"
	cat "$QP_TMP/$name.key" "$QP_TMP/$name.crt" >"$d/servercert.pem"
	chown root:nofiles "$d/servercert.pem"
	chmod 0640 "$d/servercert.pem"
done
a_fpr=$(qp_cert_fpr "$ctl/servercerts/a.example/servercert.pem")
b_fpr=$(qp_cert_fpr "$ctl/servercerts/b.example/servercert.pem")
rq_smtpd_start sni qmaild nofiles "$(rq_standin sni)" "$RQ_ROOT"
port_sni=$RQ_PORT
rq_starttls "$port_sni" a.example
qp_assert_eq ok "$RQ_TLS" "sni-smtpd: STARTTLS with SNI a.example"
qp_assert_eq "$a_fpr" "$RQ_LEAF" "sni-smtpd: a.example gets its own leaf"
rq_starttls "$port_sni" b.example
qp_assert_eq "$b_fpr" "$RQ_LEAF" "sni-smtpd: b.example gets its own leaf"
rq_starttls "$port_sni"
qp_assert_eq "$leaf_fpr $int_fpr" "$RQ_CHAIN" \
    "sni-smtpd: no SNI gets servercert.pem (with its chain)"
rq_starttls "$port_sni" c.example
qp_assert_eq "$leaf_fpr" "$RQ_LEAF" "sni-smtpd: an unknown name gets servercert.pem"
rq_starttls "$port_qmaild" a.example
qp_assert_eq "$leaf_fpr" "$RQ_LEAF" "the real qmail-smtpd ignores SNI"
# A name whose file its reader cannot read gets no fallback: the handshake
# ends (sagredo's callback does the same).
mkdir -m 0755 "$ctl/servercerts/d.example"
cp "$ctl/servercerts/a.example/servercert.pem" "$ctl/servercerts/d.example/"
chown root:vchkpw "$ctl/servercerts/d.example/servercert.pem"
rq_starttls "$port_sni" d.example
qp_assert_eq failed "$RQ_TLS" "sni-smtpd: an unreadable servercerts/NAME file ends the handshake"
qp_assert_contains "$RQ_REPLY" "220 ready for tls" "sni-smtpd: after STARTTLS was accepted"

qp_done
