#!/bin/bash
# t_realqmail_loaders.sh: what each reader's binary can load, read from the
# programs themselves (issue 20), against what they really do.
#
# The real qmail-smtpd and qmail-remote (qmail-tls 20231230: RSA keys only,
# the chain) built by the realqmail fixture, anykey-smtpd (any key type) and
# leafonly-smtpd (the leaf only) from tests/standin_smtpd.c:
#   - readers names each binary, how it was found (the run script's word:
#     as written, in the PATH the script sets, $VAR/bin/...; else
#     QMAILHOME/bin) and what it loads;
#   - for RSA-only readers an EC key is refused, with nothing changed, by
#     install (generated, --key, --pkcs12, --from-certbot, --cert with the
#     pending key), rotate, rotate --stage and rotate --commit;
#   - with --allow-non-rsa verify says rsa-key CRITICAL (servercert.pem)
#     and WARNING (clientcert.pem), and the real qmail-smtpd answers 454
#     while qmail-remote delivers without a client certificate;
#   - RSA keys (fresh, repaired, rotated, imported chain) complete STARTTLS
#     on both sides and verify's rsa-key and chain-sent are OK;
#   - an any-key reader takes the EC key (rsa-key OK, STARTTLS completes);
#     a leaf-only reader with intermediates: chain-sent WARNING, and it
#     sends the leaf only.
# In every state verify's verdict agrees with what the daemons do.  Keys
# are imported (made by openssl outside memcheck) except one RSA key
# qmail-pem makes for the fresh install.
# fixtures: realqmail
# labels: noasan
# (no ASan run and no valgrind twin: its time goes to the real daemons;
# what it reaches in qmail-pem, the ELF reading and the refusal, runs
# under ASan and memcheck in unit_loaders, unit_readers and the
# elfimports fuzz replay, and in every install's loader look-up)
# valgrind: none
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
pki_init
w="$QP_TMP/w"
mkdir -p "$w"
pki_key "$PKI/rsa.key" rsa
pki_leaf "$PKI/rsa.key" "$PKI/rsa.pem"
pki_key "$PKI/ec.key" ec
pki_leaf "$PKI/ec.key" "$PKI/ec.pem"
rsa_fpr=$(qp_cert_fpr "$PKI/rsa.pem")
ec_fpr=$(qp_cert_fpr "$PKI/ec.pem")
int_fpr=$(qp_cert_fpr "$PKI/int.pem")

# check_of FILE CHECK: the status of CHECK of FILE in the JSON of the last
# qp_assert_status (verify --format json).
check_of() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(next(c["status"] for c in d["files"][sys.argv[2]]["checks"]
           if c["name"] == sys.argv[3]))' "$QP_OUT_FILE" "$1" "$2"
}

# binary_of N FIELD: FIELD of reader N's binary in readers --format json.
binary_of() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["readers"][int(sys.argv[2])]["binary"][sys.argv[3]])' \
	    "$QP_OUT_FILE" "$1" "$2"
}

ctl=$(rq_mkroot)
svc="$QP_TMP/svc"
rq_run_script "$svc" qmaild nofiles
S=(--service-dir "$svc")
rq_smtpd_start real qmaild nofiles
port_real=$RQ_PORT

# refuse WHAT ARGS...: qmail-pem ARGS exits 78 naming the binary, its key
# loader and the fixes, and the control directory is as it was.
refuse() {
	local what=$1 before
	shift
	before=$(qp_snapshot "$ctl")
	qp_assert_status 78 "$QMAIL_PEM" "$@"
	qp_assert_contains "$QP_ERR" "refusing EC P-256, not an RSA key" "$what: refused"
	qp_assert_contains "$QP_ERR" \
	    "qmail-smtpd ($RQ_ROOT/bin/qmail-smtpd) loads keys with SSL_use_RSAPrivateKey_file: RSA only" \
	    "$what: names the binary and its loader"
	qp_assert_contains "$QP_ERR" "454 TLS no valid RSA private key" \
	    "$what: says what the daemon would answer"
	qp_assert_contains "$QP_ERR" "--key-type rsa" "$what: names the certbot fix"
	qp_assert_contains "$QP_ERR" "--allow-non-rsa" "$what: names --allow-non-rsa"
	qp_assert_same_snapshot "$before" "$ctl" "$what: nothing changed"
}

# --- an EC key for RSA-only readers: refused, nothing changed ------------
refuse "install --key-type ec-p256" install -d "$ctl" --key-type ec-p256 "${S[@]}"
refuse "install --key (EC)" install -d "$ctl" --key "$PKI/ec.key" \
    --cert "$PKI/ec.pem" --chain "$PKI/int.pem" "${S[@]}"
printf 'p12secret\n' >"$w/pw"
openssl pkcs12 -export -inkey "$PKI/ec.key" -in "$PKI/ec.pem" \
    -certfile "$PKI/int.pem" -passout pass:p12secret -out "$w/ec.p12" ||
    qp_fail "cannot make a PKCS#12 file"
refuse "install --pkcs12 (EC)" install -d "$ctl" --pkcs12 "$w/ec.p12" \
    --passin "file:$w/pw" "${S[@]}"
# certbot 2.x's default: an ECDSA lineage.
lineage="$w/live/mail.example.com"
mkdir -p "$lineage"
cp "$PKI/ec.key" "$lineage/privkey.pem"
cat "$PKI/ec.pem" "$PKI/int.pem" >"$lineage/fullchain.pem"
RENEWED_LINEAGE=$lineage refuse "install --from-certbot (ECDSA lineage)" \
    install -d "$ctl" --from-certbot "${S[@]}"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$ctl" -w 2 -c 1 "${S[@]}"
rq_starttls "$port_real"
qp_assert_eq absent "$RQ_TLS" "after the refusals: still no servercert.pem, no STARTTLS"

# verify_json STATUS: verify --format json of $ctl, exiting STATUS.  Under
# memcheck on a loaded machine the read test's children may time out
# (UNKNOWN, 3): taken too there, as no check asserted here depends on them.
verify_json() {
	local want=$1 st=0
	if ! qp_under_valgrind; then
		qp_assert_status "$want" "$QMAIL_PEM" verify -d "$ctl" -w 2 -c 1 \
		    "${S[@]}" --format json
		return
	fi
	QP_OUT_FILE="$QP_TMP/.qp/out"
	"$QMAIL_PEM" verify -d "$ctl" -w 2 -c 1 "${S[@]}" --format json \
	    >"$QP_OUT_FILE" 2>"$QP_TMP/.qp/err" || st=$?
	[ "$st" -eq "$want" ] || [ "$st" -eq 3 ] ||
	    qp_fail "verify: status $st, not $want: $(cat "$QP_TMP/.qp/err")"
	qp_ok "verify: status $st (want $want)"
}

# --- RSA, fresh: both sides complete TLS, verify agrees ------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "${S[@]}"
srv_fpr=$(qp_cert_fpr "$ctl/servercert.pem")
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" "${S[@]}"
qp_assert_contains "$QP_OUT" \
    "binary: $RQ_ROOT/bin/qmail-smtpd: started by $svc/qmail-smtpd/run line 3, as written" \
    "readers: qmail-smtpd is the program the run script starts"
qp_assert_contains "$QP_OUT" \
    "loads: keys: RSA only (SSL_use_RSAPrivateKey_file); certificates: the chain (SSL_CTX_use_certificate_chain_file)" \
    "readers: the real qmail-smtpd loads RSA keys and the chain"
qp_assert_contains "$QP_OUT" \
    "binary: $RQ_ROOT/bin/qmail-remote: in QMAILHOME/bin; QMAILHOME is the control directory's parent, $RQ_ROOT" \
    "readers: qmail-remote in QMAILHOME/bin"
qp_assert_contains "$QP_OUT" "keys: RSA only (SSL_CTX_use_RSAPrivateKey_file)" \
    "readers: the real qmail-remote loads RSA keys only"
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" "${S[@]}" --format json
qp_assert_eq "rsa-only chain run-script" \
    "$(binary_of 0 keys) $(binary_of 0 certificates) $(binary_of 0 found_by)" \
    "readers json: qmail-smtpd's binary"
qp_assert_eq "rsa-only qmailhome $RQ_ROOT/bin/qmail-remote" \
    "$(binary_of 1 keys) $(binary_of 1 found_by) $(binary_of 1 path)" \
    "readers json: qmail-remote's binary"

# rsa_works WHAT LEAF: verify's rsa-key and chain-sent are OK, the real
# qmail-smtpd presents LEAF, qmail-remote presents clientcert.pem's leaf.
rsa_works() {
	verify_json 0
	qp_assert_eq "OK OK" "$(check_of servercert.pem rsa-key) $(check_of servercert.pem chain-sent)" \
	    "$1: verify's rsa-key and chain-sent"
	rq_starttls "$port_real"
	qp_assert_eq ok "$RQ_TLS" "$1: the real qmail-smtpd completes STARTTLS"
	qp_assert_eq "$2" "$RQ_LEAF" "$1: it presents servercert.pem's leaf"
	rq_remote_send
	qp_assert_eq K "$RQ_REMOTE" "$1: qmail-remote delivers"
	qp_assert_eq "$(qp_cert_fpr "$ctl/clientcert.pem")" "$RQ_CLIENT_CERT" \
	    "$1: qmail-remote presents clientcert.pem's leaf"
}
rsa_works "fresh RSA" "$srv_fpr"

# --- repaired, rotated (RSA) ---------------------------------------------
chmod 0644 "$ctl/servercert.pem"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" "${S[@]}"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
rsa_works "repaired" "$srv_fpr"
refuse "rotate --key-type ec-p256" rotate -d "$ctl" --key-type ec-p256 "${S[@]}"
refuse "rotate --stage --key-type ec-p256" rotate -d "$ctl" --stage \
    --key-type ec-p256 "${S[@]}"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --stage --key-type ec-p256 \
    --allow-non-rsa "${S[@]}"
qp_assert_contains "$QP_ERR" "servercert.pem.next: not an RSA key, and qmail-smtpd" \
    "rotate --stage --allow-non-rsa: warns, naming the binary"
refuse "rotate --commit (EC staged)" rotate -d "$ctl" --commit "${S[@]}"
rm -f "$ctl/servercert.pem.next" "$ctl/clientcert.pem.next"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --keep-key "${S[@]}"
new_fpr=$(qp_cert_fpr "$ctl/servercert.pem")
[ "$new_fpr" != "$srv_fpr" ] || qp_fail "rotate made no new certificate"
rsa_works "rotated" "$new_fpr"

# --- csr: a pending EC key, then --cert: refused --------------------------
qp_assert_status 0 "$QMAIL_PEM" csr -d "$ctl" --new-key --key-type ec-p256 \
    --output "$w/req.pem"
pki_sign_csr "$w/req.pem" "$w/req-cert.pem"
refuse "install --cert (pending EC key)" install -d "$ctl" \
    --cert "$w/req-cert.pem" --chain "$PKI/int.pem" "${S[@]}"
rm -f "$ctl/servercert.pem.pending-key"

# --- imported RSA chain: the chain is sent -------------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$PKI/rsa.key" \
    --cert "$PKI/rsa.pem" --chain "$PKI/int.pem" "${S[@]}"
rsa_works "imported chain" "$rsa_fpr"
qp_assert_eq "$rsa_fpr $int_fpr" "$RQ_CHAIN" "imported chain: qmail-smtpd sends both"

# --- --allow-non-rsa: verify says what the real daemons then do ----------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$PKI/ec.key" \
    --cert "$PKI/ec.pem" --chain "$PKI/int.pem" --allow-non-rsa "${S[@]}"
qp_assert_contains "$QP_ERR" \
    "servercert.pem: not an RSA key, and qmail-smtpd ($RQ_ROOT/bin/qmail-smtpd)" \
    "--allow-non-rsa: a warning names qmail-smtpd's binary"
qp_assert_contains "$QP_ERR" "qmail-remote then sends no client certificate" \
    "--allow-non-rsa: a warning says what qmail-remote does"
verify_json 2
qp_assert_eq CRITICAL "$(check_of servercert.pem rsa-key)" \
    "EC for the real qmail-smtpd: rsa-key CRITICAL"
qp_assert_eq WARNING "$(check_of clientcert.pem rsa-key)" \
    "EC for the real qmail-remote: rsa-key WARNING"
rq_starttls "$port_real"
qp_assert_eq refused "$RQ_TLS" "EC: the real qmail-smtpd refuses STARTTLS, as verify said"
qp_assert_contains "$RQ_REPLY" "454 TLS no valid RSA private key" \
    "EC: 454 TLS no valid RSA private key"
rq_remote_send
qp_assert_eq K "$RQ_REMOTE" "EC: qmail-remote still delivers"
qp_assert_eq none "$RQ_CLIENT_CERT" \
    "EC: qmail-remote sends no client certificate, as verify's WARNING said"

# --- an any-key qmail-smtpd ----------------------------------------------
rq_install_smtpd anykey
verify_json 1
qp_assert_eq "OK WARNING" \
    "$(check_of servercert.pem rsa-key) $(check_of clientcert.pem rsa-key)" \
    "anykey qmail-smtpd: rsa-key OK for servercert.pem, WARNING still for clientcert.pem"
rq_smtpd_start anykey qmaild nofiles
port_any=$RQ_PORT
rq_starttls "$port_any"
qp_assert_eq ok "$RQ_TLS" "EC: the any-key qmail-smtpd completes STARTTLS, as verify said"
qp_assert_eq "$ec_fpr $int_fpr" "$RQ_CHAIN" "EC: it sends the leaf and the intermediate"
# qmail-remote still takes RSA only: an EC key is refused for it.
before=$(qp_snapshot "$ctl")
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl" --key "$PKI/ec.key" \
    --cert "$PKI/ec.pem" --chain "$PKI/int.pem" "${S[@]}"
qp_assert_contains "$QP_ERR" \
    "clientcert.pem: refusing EC P-256, not an RSA key: qmail-remote ($RQ_ROOT/bin/qmail-remote)" \
    "anykey qmail-smtpd, real qmail-remote: refused for clientcert.pem"
qp_assert_same_snapshot "$before" "$ctl" "refused for clientcert.pem: nothing changed"
# Both any-key (the stand-in as QMAILHOME/bin/qmail-remote, for its
# imports only): the EC key goes in without --allow-non-rsa.
cp "$(rq_standin anykey)" "$RQ_ROOT/bin/qmail-remote"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$PKI/ec.key" \
    --cert "$PKI/ec.pem" --chain "$PKI/int.pem" "${S[@]}"
qp_assert_not_contains "$QP_ERR" "not an RSA key, and" "any-key readers: no warning"
verify_json 0
qp_assert_eq "OK OK" \
    "$(check_of servercert.pem rsa-key) $(check_of clientcert.pem rsa-key)" \
    "any-key readers: rsa-key OK"
cp "$RQ_DIR/bin/qmail-remote" "$RQ_ROOT/bin/qmail-remote"
rq_stop anykey

# --- a leaf-only qmail-smtpd with intermediates in the file --------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$PKI/rsa.key" \
    --cert "$PKI/rsa.pem" --chain "$PKI/int.pem" "${S[@]}"
rq_install_smtpd leafonly
verify_json 1
qp_assert_eq "WARNING OK" \
    "$(check_of servercert.pem chain-sent) $(check_of servercert.pem rsa-key)" \
    "leaf-only qmail-smtpd: chain-sent WARNING"
rq_smtpd_start leafonly qmaild nofiles
rq_starttls "$RQ_PORT"
qp_assert_eq "$rsa_fpr" "$RQ_CHAIN" "the leaf-only qmail-smtpd sends the leaf only, as verify said"
rq_stop leafonly
rq_install_smtpd real

# --- where the run script says the program is ----------------------------
# PATH set without export, a bare name; QMAILHOME/bin has the real one.
mkdir -p "$QP_TMP/anybin" "$QP_TMP/anyhome/bin" "$QP_TMP/svc2/qmail-smtpd" \
    "$QP_TMP/svc3/qmail-smtpd"
cp "$(rq_standin anykey)" "$QP_TMP/anybin/qmail-smtpd"
cp "$(rq_standin anykey)" "$QP_TMP/anyhome/bin/qmail-smtpd"
cat >"$QP_TMP/svc2/qmail-smtpd/run" <<EOF
#!/bin/sh
PATH=$QP_TMP/anybin:/usr/bin:/bin
exec tcpserver -u $(qp_uid qmaild) -g $(qp_gid nofiles) 0 smtp qmail-smtpd 2>&1
EOF
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" --service-dir "$QP_TMP/svc2" \
    --format json
qp_assert_eq "$QP_TMP/anybin/qmail-smtpd any" "$(binary_of 0 path) $(binary_of 0 keys)" \
    "a bare name in the PATH the script sets (not exported)"
qp_assert_contains "$(binary_of 0 how)" "found in the PATH the script sets" \
    "readers says how it found it"
cat >"$QP_TMP/svc3/qmail-smtpd/run" <<EOF
#!/bin/sh
QMAILDIR=$QP_TMP/anyhome
exec tcpserver -u $(qp_uid qmaild) -g $(qp_gid nofiles) 0 smtp \$QMAILDIR/bin/qmail-smtpd 2>&1
EOF
qp_assert_status 0 "$QMAIL_PEM" readers -d "$ctl" --service-dir "$QP_TMP/svc3" \
    --format json
qp_assert_eq "$QP_TMP/anyhome/bin/qmail-smtpd any" "$(binary_of 0 path) $(binary_of 0 keys)" \
    "\$QMAILDIR/bin/qmail-smtpd, QMAILDIR set by the script"
# Two run scripts, an any-key program on one port and the real qmail-smtpd
# on another: servercert.pem loads what the stricter one loads.
mkdir -p "$QP_TMP/svc4"
cp -r "$QP_TMP/svc3/qmail-smtpd" "$QP_TMP/svc4/qmail-smtpd-any"
cp -r "$svc/qmail-smtpd" "$QP_TMP/svc4/qmail-smtpd"
qp_assert_status 78 "$QMAIL_PEM" install -d "$ctl" --dry-run --key "$PKI/ec.key" \
    --cert "$PKI/ec.pem" --chain "$PKI/int.pem" --service-dir "$QP_TMP/svc4"
qp_assert_contains "$QP_ERR" "qmail-smtpd ($RQ_ROOT/bin/qmail-smtpd) loads keys with SSL_use_RSAPrivateKey_file" \
    "two qmail-smtpd programs: the RSA-only one decides"
# The control directory through a link (Debian's /var/qmail/control ->
# /etc/qmail): QMAILHOME is the parent of the path as given.
ln -s "$ctl" "$QP_TMP/etc-qmail"
qp_assert_status 0 "$QMAIL_PEM" readers -d "$QP_TMP/etc-qmail" "${S[@]}" --format json
qp_assert_eq "$QP_TMP/bin/qmail-remote unknown" "$(binary_of 1 path) $(binary_of 1 keys)" \
    "-d through a link: QMAILHOME is the given path's parent, not resolved"

qp_done
