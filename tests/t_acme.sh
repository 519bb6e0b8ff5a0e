# shellcheck shell=bash
# t_acme.sh: qmail-pem as the deploy hook of real ACME clients, end to end.
#
# pebble (the ACME test server, Debian package) runs on loopback with
# PEBBLE_VA_ALWAYS_VALID=1, so no challenge is really checked; certbot gets a
# certificate with `certonly --standalone --deploy-hook "qmail-pem install
# --from-certbot"`, then `renew --force-renewal` runs the stored hook again:
# the control files must hold the new certificate each time, with the right
# owners and modes, and present the leaf and pebble's intermediate in a real
# handshake as qmaild.  A deploy with unchanged inputs reports "unchanged".
# contrib/certbot/qmail-pem (the renewal-hooks/deploy script) and
# contrib/dehydrated/hook.sh (dehydrated's deploy_cert, dehydrated against the
# same pebble) are exercised as well.
#
# acme.sh is not packaged in Debian 12, so it is not run here; its recipe
# (README, man page) runs `qmail-pem install --key KEY --cert FULLCHAIN` on
# the files --install-cert copies, which is the command line the dehydrated
# hook runs below.
# valgrind: slow (under memcheck: RSA keys, and certbot and dehydrated against pebble)
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/readme.sh
. "$QP_SRCDIR/tests/readme.sh"
qp_setup
qp_require pebble certbot dehydrated curl python3

ctl=$(qp_mkcontrol mail.example.test)
acme="$QP_TMP/acme"
mkdir -m 0700 "$acme"

# Free loopback ports for pebble's API and certbot's standalone server.
read -r port_api port_mgmt port_http <<<"$(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
')"

# pebble's own HTTPS endpoint: a throw-away CA and a certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=qp pebble test CA" -days 2 -keyout "$acme/ca.key" \
    -out "$acme/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$acme/api.key" -out "$acme/api.csr" \
    2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$acme/api.ext"
openssl x509 -req -in "$acme/api.csr" -CA "$acme/ca.pem" -CAkey "$acme/ca.key" \
    -set_serial 1 -days 2 -extfile "$acme/api.ext" -out "$acme/api.pem" \
    2>/dev/null
cat >"$acme/pebble.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$port_api",
    "managementListenAddress": "127.0.0.1:$port_mgmt",
    "certificate": "$acme/api.pem",
    "privateKey": "$acme/api.key",
    "httpPort": $port_http,
    "tlsPort": 5001,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
EOF
PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
    setsid pebble -config "$acme/pebble.json" >"$acme/pebble.log" 2>&1 &
pebble_pid=$!
qp_at_exit "kill -TERM -- -$pebble_pid 2>/dev/null; kill $pebble_pid 2>/dev/null; wait $pebble_pid 2>/dev/null"
directory="https://127.0.0.1:$port_api/dir"
for _ in $(seq 100); do
	curl -sf --cacert "$acme/ca.pem" "$directory" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf --cacert "$acme/ca.pem" "$directory" >/dev/null ||
    { cat "$acme/pebble.log" >&2; qp_fail "pebble did not start"; }
qp_ok "pebble answers on $directory"
export REQUESTS_CA_BUNDLE="$acme/ca.pem" CURL_CA_BUNDLE="$acme/ca.pem"

# chain_served_as USER GROUP PEMFILE: as USER:GROUP, load PEMFILE the way
# qmail's TLS patch does (SSL_CTX_use_certificate_chain_file, in
# tests/chain_server.py), handshake with s_client, and print "N FPR": how many
# certificates the server sent and the leaf's SHA-256 fingerprint.
chain_served_as() {
	local uid gid out="$QP_TMP/chain" port="" pid n fpr
	uid=$(qp_uid "$1") && gid=$(qp_gid "$2") || return 1
	mkdir -p "$out"
	(cd / && exec timeout -k 2 30 setpriv --reuid="$uid" --regid="$gid" \
	    --clear-groups /usr/bin/python3 "$QP_SRCDIR/tests/chain_server.py" "$3") \
	    </dev/null >"$out/port" 2>"$out/server.err" &
	pid=$!
	for _ in $(seq 100); do
		port=$(cat "$out/port")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		cat "$out/server.err" >&2
		wait "$pid" || :
		return 1
	fi
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -showcerts \
	    </dev/null >"$out/client.out" 2>"$out/client.err" || :
	wait "$pid" || :
	n=$(grep -c '^ *[0-9][0-9]* s:' "$out/client.out") || return 1
	fpr=$(sed -n '/^Certificate chain/,$p' "$out/client.out" |
	    openssl x509 -noout -fingerprint -sha256) || return 1
	printf '%s %s\n' "$n" "${fpr#*=}"
}

# check_installed LEAF_PEM WHAT: both control files hold exactly the key of
# the lineage's leaf, that leaf and the intermediate, with the right owners
# and modes, and each reader's TLS server presents the leaf and the
# intermediate.
check_installed() {
	local leaf=$1 what=$2 want got n
	want=$(qp_cert_fpr "$leaf")
	for f in servercert.pem clientcert.pem; do
		got=$(qp_cert_fpr "$ctl/$f")
		qp_assert_eq "$want" "$got" "$what: $f holds the new leaf"
		n=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$ctl/$f")
		qp_assert_eq 2 "$n" "$what: $f holds the leaf and the intermediate"
		n=$(grep -c -- 'PRIVATE KEY-----$' "$ctl/$f")
		qp_assert_eq 2 "$n" "$what: $f holds one unencrypted key"
		qp_assert_not_contains "$(cat "$ctl/$f")" ENCRYPTED \
		    "$what: $f: the key is not encrypted"
	done
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	served=$(chain_served_as qmaild nofiles "$ctl/servercert.pem") ||
	    qp_fail "$what: no handshake as qmaild"
	qp_assert_eq "2 $want" "$served" \
	    "$what: qmaild's server presents the new leaf and the intermediate"
	served=$(chain_served_as qmailr qmail "$ctl/clientcert.pem") ||
	    qp_fail "$what: no handshake as qmailr"
	qp_assert_eq "2 $want" "$served" \
	    "$what: qmailr loads clientcert.pem, leaf and intermediate"
}

# --- certbot -------------------------------------------------------------------
cb=("certbot" --server "$directory" --no-verify-ssl
    --config-dir "$acme/cb/config" --work-dir "$acme/cb/work"
    --logs-dir "$acme/cb/logs" --non-interactive --no-random-sleep-on-renew)
hook="$QMAIL_PEM install -d $ctl --from-certbot"
qp_assert_status 0 "${cb[@]}" certonly --standalone \
    --http-01-address 127.0.0.1 --http-01-port "$port_http" \
    -d mail.example.test --register-unsafely-without-email --agree-tos \
    --key-type rsa --rsa-key-size 2048 --deploy-hook "$hook"
live="$acme/cb/config/live/mail.example.test"
qp_assert_contains "$QP_ERR$QP_OUT" "Hook 'deploy-hook' ran with output:
 servercert.pem: create, import" "certbot ran the deploy hook, which imported"
check_installed "$live/cert.pem" "certbot certonly"
first=$(qp_cert_fpr "$ctl/servercert.pem")
want=$(qp_pubkey "$live/privkey.pem")
got=$(qp_pubkey "$ctl/servercert.pem")
qp_assert_eq "$want" "$got" "certbot certonly: the key is certbot's privkey.pem"

# The same lineage again: "unchanged", nothing touched.
before=$(qp_snapshot "$ctl")
qp_assert_status 0 env RENEWED_LINEAGE="$live" "$QMAIL_PEM" install -d "$ctl" \
    --from-certbot
qp_assert_contains "$QP_OUT" "servercert.pem: unchanged" \
    "deploy with unchanged inputs: servercert.pem unchanged"
qp_assert_contains "$QP_OUT" "clientcert.pem: unchanged" \
    "deploy with unchanged inputs: clientcert.pem unchanged"
qp_assert_same_snapshot "$before" "$ctl" \
    "deploy with unchanged inputs: directory untouched"

# A renewal runs the stored hook and installs the new certificate.
qp_assert_status 0 "${cb[@]}" renew --force-renewal
qp_assert_contains "$QP_ERR$QP_OUT" "Hook 'deploy-hook' ran with output:
 servercert.pem: replace, import" "certbot renew ran the stored deploy hook"
check_installed "$live/cert.pem" "certbot renew"
got=$(qp_cert_fpr "$ctl/servercert.pem")
[ "$got" != "$first" ] || qp_fail "certbot renew: the certificate did not change"
qp_ok "certbot renew: the files hold a new certificate"
want=$(qp_pubkey "$live/privkey.pem")
got=$(qp_pubkey "$ctl/clientcert.pem")
qp_assert_eq "$want" "$got" "certbot renew: the key is the renewed privkey.pem"
n=$(find "$ctl" -name 'servercert.pem.*.bak' | wc -l)
qp_assert_eq 1 "$n" "certbot renew: the replaced file was kept as a backup"

# contrib/certbot/qmail-pem, run as certbot runs renewal-hooks/deploy/*.
script="$QP_SRCDIR/contrib/certbot/qmail-pem"
marker="$QP_TMP/restarted"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 env RENEWED_LINEAGE="$live" \
    RENEWED_DOMAINS="mail.example.test" QMAIL_PEM="$QMAIL_PEM" \
    QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_RESTART="touch $marker" "$script"
qp_assert_contains "$QP_OUT" "unchanged" "contrib/certbot: unchanged lineage"
[ ! -e "$marker" ] || qp_fail "contrib/certbot: restarted for nothing"
qp_ok "contrib/certbot: no restart when nothing changed"
qp_assert_same_snapshot "$before" "$ctl" "contrib/certbot: directory untouched"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
qp_assert_status 0 env RENEWED_LINEAGE="$live" \
    RENEWED_DOMAINS="other.example.test" QMAIL_PEM="$QMAIL_PEM" \
    QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_DOMAIN=mail.example.test "$script"
got=$(qp_cert_fpr "$ctl/servercert.pem")
want=$(qp_cert_fpr "$live/cert.pem")
[ "$got" != "$want" ] || qp_fail "contrib/certbot: acted on another lineage"
qp_ok "contrib/certbot: QMAIL_PEM_DOMAIN skips other lineages"
qp_assert_status 0 env RENEWED_LINEAGE="$live" \
    RENEWED_DOMAINS="mail.example.test" QMAIL_PEM="$QMAIL_PEM" \
    QMAIL_PEM_ARGS="-d $ctl" QMAIL_PEM_DOMAIN=mail.example.test \
    QMAIL_PEM_RESTART="touch $marker" "$script"
qp_assert_contains "$QP_OUT" "installed the certificate" \
    "contrib/certbot: says it installed"
[ -e "$marker" ] || qp_fail "contrib/certbot: no restart after a change"
qp_ok "contrib/certbot: restart command run after a change"
check_installed "$live/cert.pem" "contrib/certbot"

# --- dehydrated ------------------------------------------------------------------
dh="$acme/dh"
mkdir -p "$dh/wellknown"
cat >"$dh/config" <<EOF
CA="$directory"
BASEDIR="$dh"
WELLKNOWN="$dh/wellknown"
KEY_ALGO=rsa
KEYSIZE=2048
HOOK="$QP_SRCDIR/contrib/dehydrated/hook.sh"
CONTACT_EMAIL=
EOF
export QMAIL_PEM QMAIL_PEM_ARGS="-d $ctl"
qp_assert_status 0 dehydrated --config "$dh/config" --register --accept-terms
qp_assert_status 0 dehydrated --config "$dh/config" --cron \
    --domain mail.example.test
qp_assert_contains "$QP_OUT" "qmail-pem: installed the certificate for mail.example.test" \
    "dehydrated: the deploy_cert hook installed the certificate"
check_installed "$dh/certs/mail.example.test/cert.pem" "dehydrated"
want=$(qp_pubkey "$dh/certs/mail.example.test/privkey.pem")
got=$(qp_pubkey "$ctl/servercert.pem")
qp_assert_eq "$want" "$got" "dehydrated: the key is dehydrated's privkey.pem"
unset QMAIL_PEM_ARGS

# The deploy_cert function README.md shows, on dehydrated's files, with
# `qmail-pem' being the built binary for this control directory.
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --new-key
code=$(qp_readme_block dehydrated-deploy-cert)
d="$dh/certs/mail.example.test"
qp_assert_status 0 bash -euc "qmail-pem() { \"\$QMAIL_PEM\" \"\$1\" -d \"$ctl\" \"\${@:2}\"; }
$code
deploy_cert mail.example.test $d/privkey.pem $d/cert.pem $d/fullchain.pem $d/chain.pem 0"
check_installed "$d/cert.pem" "README's deploy_cert"

qp_done
