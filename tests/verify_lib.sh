# shellcheck shell=bash
# tests/verify_lib.sh: helpers for the t_verify*.sh tests (after lib.sh).
#
#	vl_certs			# make $VL (keys and certificates)
#	vl_place servercert.pem FILE [OWNER:GROUP MODE]
#	vl_expect EXIT FILE CHECK STATUS [verify options...]
#	vl_expect_also FILE CHECK STATUS	# same runs, another check
#
# vl_expect runs qmail-pem verify in all three formats and asserts, in each,
# the exit status and the status of one named check of one file; it also
# asserts that the control directory did not change and that promtool
# accepts the Prometheus output.

# vl_openssl_cnf FILE CN BASIC EKU SANS: a minimal req config with extensions.
vl_openssl_cnf() {
	{
		printf '[req]\ndistinguished_name = dn\nprompt = no\n'
		printf 'x509_extensions = ext\nreq_extensions = ext\n'
		printf '[dn]\nCN = %s\n[ext]\n' "$2"
		[ -n "$3" ] && printf 'basicConstraints = %s\n' "$3"
		[ -n "$4" ] && printf 'extendedKeyUsage = %s\n' "$4"
		[ -n "$5" ] && printf 'subjectAltName = %s\n' "$5"
		printf 'subjectKeyIdentifier = hash\n'
	} >"$1"
}

# vl_selfsigned OUT [var=value...]: a self-signed key+cert in OUT.key and
# OUT.crt.  Variables: key (openssl -newkey, rsa:2048), days (365), md
# (sha256), cn/san (mail.example.com; key=ec: P-256), basic (critical,CA:FALSE), eku
# (serverAuth,clientAuth), shift (faketime offset such as -400d, none).
vl_selfsigned() {
	local out=$1 key=rsa:2048 days=365 md=sha256 cn=mail.example.com
	local san=DNS:mail.example.com basic=critical,CA:FALSE
	local eku=serverAuth,clientAuth shift= v
	shift
	for v in "$@"; do
		case $v in
		key=*) key=${v#key=} ;;
		days=*) days=${v#days=} ;;
		md=*) md=${v#md=} ;;
		cn=*) cn=${v#cn=} ;;
		san=*) san=${v#san=} ;;
		basic=*) basic=${v#basic=} ;;
		eku=*) eku=${v#eku=} ;;
		shift=*) shift=${v#shift=} ;;
		*) qp_fail "vl_selfsigned: unknown $v" ;;
		esac
	done
	vl_openssl_cnf "$out.cnf" "$cn" "$basic" "$eku" "$san"
	local -a pre=() keyargs=(-newkey "$key")
	[ "$key" = ec ] && keyargs=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	[ -n "$shift" ] && pre=(env -u LD_PRELOAD faketime -f "$shift")
	"${pre[@]}" openssl req -x509 -config "$out.cnf" "${keyargs[@]}" \
	    -nodes -keyout "$out.key" -out "$out.crt" -days "$days" "-$md" \
	    2>"$out.err" || { cat "$out.err" >&2; qp_fail "openssl req $out"; }
}

# vl_signed OUT CA [var=value...]: a key and a certificate signed by CA
# (CA.key, CA.crt); same variables as vl_selfsigned.
vl_signed() {
	local out=$1 ca=$2 key=rsa:2048 days=365 md=sha256 cn=mail.example.com
	local san=DNS:mail.example.com basic=critical,CA:FALSE
	local eku=serverAuth,clientAuth v
	shift 2
	for v in "$@"; do
		case $v in
		key=*) key=${v#key=} ;;
		days=*) days=${v#days=} ;;
		md=*) md=${v#md=} ;;
		cn=*) cn=${v#cn=} ;;
		san=*) san=${v#san=} ;;
		basic=*) basic=${v#basic=} ;;
		eku=*) eku=${v#eku=} ;;
		*) qp_fail "vl_signed: unknown $v" ;;
		esac
	done
	vl_openssl_cnf "$out.cnf" "$cn" "$basic" "$eku" "$san"
	openssl req -new -config "$out.cnf" -newkey "$key" -nodes \
	    -keyout "$out.key" -out "$out.csr" 2>"$out.err" &&
	    openssl x509 -req -in "$out.csr" -CA "$ca.crt" -CAkey "$ca.key" \
	    -CAcreateserial -days "$days" "-$md" -extfile "$out.cnf" \
	    -extensions ext -out "$out.crt" 2>>"$out.err" ||
	    { cat "$out.err" >&2; qp_fail "openssl x509 -req $out"; }
}

# vl_certs: $VL/root, $VL/inter (signed by root), $VL/leaf (by inter) and
# $VL/self (self-signed leaf), all RSA 2048 for mail.example.com.
vl_certs() {
	VL="$QP_TMP/vl"
	mkdir -p "$VL"
	vl_selfsigned "$VL/root" cn="Test Root CA" san= basic=critical,CA:TRUE \
	    eku= days=3650
	vl_signed "$VL/inter" "$VL/root" cn="Test Intermediate CA" san= \
	    basic=critical,CA:TRUE eku= days=3000
	vl_signed "$VL/leaf" "$VL/inter"
	vl_selfsigned "$VL/self"
}

# vl_place NAME SRC [OWNER:GROUP MODE]: copy SRC to $CTL/NAME as a fresh
# file with that owner and mode (default: what install writes).
vl_place() {
	local name=$1 src=$2 og=${3:-} mode=${4:-0640}
	if [ -z "$og" ]; then
		case $name in
		servercert.pem) og=root:nofiles ;;
		*) og=root:qmail ;;
		esac
	fi
	rm -f -- "$CTL/$name"
	cat -- "$src" >"$CTL/$name" && chown "$og" "$CTL/$name" &&
	    chmod "$mode" "$CTL/$name" || qp_fail "vl_place $name"
}

# vl_fresh: a control directory laid out by qmail-pem install; sets CTL.
vl_fresh() {
	CTL=$(qp_mkcontrol)
	# Set-up, not under memcheck in a twin: the t_install_* twins memcheck
	# install, and an RSA key costs seconds there.
	"${QP_NATIVE:-$QMAIL_PEM}" install -q -d "$CTL" >/dev/null ||
	    qp_fail "qmail-pem install -d $CTL failed"
}

# The distribution's python3 when there is one: a python3 earlier on PATH
# may be a version manager's shim that costs ten times as much per start,
# and vl_expect starts one per run.
VL_PYTHON=python3
[ -x /usr/bin/python3 ] && VL_PYTHON=/usr/bin/python3

# vl_json_check JSONFILE FILE CHECK: print the status of CHECK of FILE.
vl_json_check() {
	"$VL_PYTHON" - "$1" "$2" "$3" <<-'EOF'
	import json, sys
	doc = json.load(open(sys.argv[1]))
	for c in doc["files"][sys.argv[2]]["checks"]:
	    if c["name"] == sys.argv[3]:
	        print(c["status"])
	        break
	else:
	    print("MISSING")
	EOF
}

_vl_status_number() {
	case $1 in
	OK) echo 0 ;; WARNING) echo 1 ;; CRITICAL) echo 2 ;; UNKNOWN) echo 3 ;;
	SKIPPED) echo 4 ;; INFO) echo 5 ;; *) echo "?" ;;
	esac
}

# vl_expect EXIT FILE CHECK STATUS [verify options...]: see the top.
# In a valgrind_ twin one of the three runs is memchecked, in turn
# (qp_turn).
_vl_turn=0
vl_expect() {
	local want_exit=$1 file=$2 check=$3 status=$4 before got ok
	shift 4
	before=$(qp_snapshot "$CTL")
	_vl_turn=$((_vl_turn + 1))
	# nagios, with a line per check
	qp_turn "$_vl_turn" 3
	qp_assert_status "$want_exit" "$QP_BIN" verify -d "$CTL" -v "$@"
	case $want_exit in
	0) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM OK - " "nagios OK line" ;;
	1) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM WARNING - " "nagios WARNING line" ;;
	2) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM CRITICAL - " "nagios CRITICAL line" ;;
	3) qp_assert_contains "${QP_OUT%%$'\n'*}" "QMAIL-PEM UNKNOWN - " "nagios UNKNOWN line" ;;
	esac
	cp "$QP_OUT_FILE" "$QP_TMP/.qp/vl.nagios"
	qp_assert_contains "$QP_OUT" "
$file $check $status: " "nagios -v: $file $check $status"
	# json
	qp_turn $((_vl_turn + 1)) 3
	qp_assert_status "$want_exit" "$QP_BIN" verify -d "$CTL" \
	    --format json "$@"
	cp "$QP_OUT_FILE" "$QP_TMP/.qp/vl.json"
	got=$(vl_json_check "$QP_TMP/.qp/vl.json" "$file" "$check")
	qp_assert_eq "$status" "$got" "json: $file $check $status"
	# prometheus
	qp_turn $((_vl_turn + 2)) 3
	qp_assert_status "$want_exit" "$QP_BIN" verify -d "$CTL" \
	    --format prometheus "$@"
	cp "$QP_OUT_FILE" "$QP_TMP/.qp/vl.prom"
	qp_assert_contains "$QP_OUT" \
	    "qmail_pem_check_status{file=\"$file\",check=\"$check\"} $(_vl_status_number "$status")" \
	    "prometheus: $file $check status $status"
	_vl_prom_check "$file" "$check" "$status"
	qp_assert_contains "$QP_OUT" "qmail_pem_status $want_exit" \
	    "prometheus: qmail_pem_status $want_exit"
	promtool check metrics <"$QP_TMP/.qp/vl.prom" >"$QP_TMP/.qp/promtool.out" 2>&1 ||
	    { cat "$QP_TMP/.qp/promtool.out" >&2; qp_fail "promtool check metrics"; }
	qp_ok "promtool check metrics accepts the output"
	qp_assert_same_snapshot "$before" "$CTL" "verify changed nothing in $CTL"
}

# vl_expect_also FILE CHECK STATUS: one more check of the state the last
# vl_expect ran on, asserted on its three outputs (no new runs).
vl_expect_also() {
	local file=$1 check=$2 status=$3 got
	qp_assert_contains "$(cat "$QP_TMP/.qp/vl.nagios")" "
$file $check $status: " "nagios -v: $file $check $status"
	got=$(vl_json_check "$QP_TMP/.qp/vl.json" "$file" "$check")
	qp_assert_eq "$status" "$got" "json: $file $check $status"
	QP_OUT=$(cat "$QP_TMP/.qp/vl.prom")
	qp_assert_contains "$QP_OUT" \
	    "qmail_pem_check_status{file=\"$file\",check=\"$check\"} $(_vl_status_number "$status")" \
	    "prometheus: $file $check status $status"
	_vl_prom_check "$file" "$check" "$status"
}

# _vl_prom_check FILE CHECK STATUS: qmail_pem_check_ok in $QP_OUT is 1 for
# OK and INFO, 0 for a failure, absent for a skipped check.
_vl_prom_check() {
	local file=$1 check=$2 status=$3 ok
	case $status in
	OK | INFO) ok=1 ;;
	SKIPPED) ok= ;;
	*) ok=0 ;;
	esac
	if [ -n "$ok" ]; then
		qp_assert_contains "$QP_OUT" \
		    "qmail_pem_check_ok{file=\"$file\",check=\"$check\"} $ok" \
		    "prometheus: $file $check ok $ok"
	else
		qp_assert_not_contains "$QP_OUT" \
		    "qmail_pem_check_ok{file=\"$file\",check=\"$check\"}" \
		    "prometheus: no check_ok for skipped $file $check"
	fi
}
