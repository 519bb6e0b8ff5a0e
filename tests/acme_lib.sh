# shellcheck shell=bash
# tests/acme_lib.sh: pebble, the ACME test server (Debian package), for the
# tests that run ACME clients against it (t_acme.sh, t_acme_clients.sh).
# Sourced after tests/lib.sh (qp_setup).
#
# qp_pebble_start runs one pebble on loopback for the whole test, with
# PEBBLE_VA_ALWAYS_VALID=1 (no challenge is really checked, so no client
# needs a reachable web server) and PEBBLE_VA_NOSLEEP=1, and a throw-away CA
# and certificate for its own HTTPS endpoint.  It sets:
#
#   QP_ACME_DIR        the ACME directory URL, https://127.0.0.1:PORT/dir
#   QP_ACME_CA         the CA that signed pebble's endpoint (PEM), for the
#                      clients' trust (certbot: REQUESTS_CA_BUNDLE, curl:
#                      CURL_CA_BUNDLE, lego: LEGO_CA_CERTIFICATES)
#   QP_ACME_HTTP_PORT  a free loopback port for a client's own http-01
#                      server (pebble would validate there; it does not)
#   QP_ACME_WORK       a root-only directory under $QP_TMP for the clients
#
# and stops pebble when the test exits (qp_at_exit).
#
# shellcheck disable=SC2015  # `a && b || fail` is meant: fail if either fails.

# qp_free_ports N: print N free loopback TCP ports, on one line.
qp_free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
' "$1"
}

# qp_pebble_start: start pebble; set QP_ACME_*.
qp_pebble_start() {
	local w port_api port_mgmt pid
	qp_require pebble curl python3 openssl
	QP_ACME_WORK="$QP_TMP/acme"
	w=$QP_ACME_WORK
	mkdir -m 0700 "$w" || qp_fail "cannot make $w"
	read -r port_api port_mgmt QP_ACME_HTTP_PORT <<<"$(qp_free_ports 3)"

	# pebble's own HTTPS endpoint: a CA and a certificate for 127.0.0.1.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=qp pebble test CA" -days 2 -keyout "$w/ca.key" \
	    -out "$w/ca.pem" 2>/dev/null &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=127.0.0.1" -keyout "$w/api.key" -out "$w/api.csr" \
	    2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$w/api.ext" &&
	openssl x509 -req -in "$w/api.csr" -CA "$w/ca.pem" -CAkey "$w/ca.key" \
	    -set_serial 1 -days 2 -extfile "$w/api.ext" -out "$w/api.pem" \
	    2>/dev/null || qp_fail "cannot make pebble's endpoint certificate"
	cat >"$w/pebble.json" <<-EOF
	{
	  "pebble": {
	    "listenAddress": "127.0.0.1:$port_api",
	    "managementListenAddress": "127.0.0.1:$port_mgmt",
	    "certificate": "$w/api.pem",
	    "privateKey": "$w/api.key",
	    "httpPort": $QP_ACME_HTTP_PORT,
	    "tlsPort": 5001,
	    "ocspResponderURL": "",
	    "externalAccountBindingRequired": false
	  }
	}
	EOF
	PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
	    setsid pebble -config "$w/pebble.json" >"$w/pebble.log" 2>&1 &
	pid=$!
	qp_at_exit "kill -TERM -- -$pid 2>/dev/null; kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	QP_ACME_DIR="https://127.0.0.1:$port_api/dir"
	QP_ACME_CA="$w/ca.pem"
	for _ in $(seq 100); do
		curl -sf --cacert "$QP_ACME_CA" "$QP_ACME_DIR" >/dev/null 2>&1 &&
		    break
		sleep 0.1
	done
	curl -sf --cacert "$QP_ACME_CA" "$QP_ACME_DIR" >/dev/null ||
	    { cat "$w/pebble.log" >&2; qp_fail "pebble did not start"; }
	qp_ok "pebble answers on $QP_ACME_DIR"
}

# qp_acme_chain_served_as USER GROUP PEMFILE: as USER:GROUP, load PEMFILE the
# way qmail's TLS patch does (SSL_CTX_use_certificate_chain_file, in
# tests/chain_server.py), handshake with s_client, and print "N FPR": how
# many certificates the server sent and the leaf's SHA-256 fingerprint.
qp_acme_chain_served_as() {
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

# qp_acme_check_installed CTL LEAF_PEM WHAT: both control files in CTL hold
# exactly the key of the ACME client's leaf, that leaf and pebble's
# intermediate, unencrypted, with the right owners and modes, and each
# reader's TLS server presents the leaf and the intermediate.
qp_acme_check_installed() {
	local ctl=$1 leaf=$2 what=$3 want got n f served
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
	served=$(qp_acme_chain_served_as qmaild nofiles "$ctl/servercert.pem") ||
	    qp_fail "$what: no handshake as qmaild"
	qp_assert_eq "2 $want" "$served" \
	    "$what: qmaild's server presents the new leaf and the intermediate"
	served=$(qp_acme_chain_served_as qmailr qmail "$ctl/clientcert.pem") ||
	    qp_fail "$what: no handshake as qmailr"
	qp_assert_eq "2 $want" "$served" \
	    "$what: qmailr loads clientcert.pem, leaf and intermediate"
}
