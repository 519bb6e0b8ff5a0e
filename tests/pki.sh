# shellcheck shell=bash
# tests/pki.sh: a throw-away CA for the import and csr tests.  Sourced after
# tests/lib.sh (qp_setup); everything goes under $QP_TMP/pki.
#
#   pki_init                     root "QP Test Root" -> "QP Test Intermediate"
#   pki_key FILE [TYPE]          a new unencrypted key (rsa, default; ec)
#   pki_leaf KEY OUT [NAME] [SHIFT] [ISSUER]
#                                certificate for KEY signed by the
#                                intermediate (or ISSUER, a basename under
#                                $PKI such as "root"), SAN NAME (default
#                                mail.example.com); SHIFT (faketime -f,
#                                such as -400d) moves the clock it is
#                                made at
#   pki_sign_csr CSR OUT [ISSUER]  sign a request, copying its extensions
#   pki_ca NAME ISSUER           another CA certificate NAME under ISSUER
#   pki_blocks FILE              "KEY fpr1 fpr2 ..." of a combined file:
#                                the PEM block types and each certificate's
#                                SHA-256 fingerprint, in file order
#
# The root and intermediate are made once per test (pki_init) and are
# valid for 30 days around now.

PKI=

pki_init() {
	qp_require openssl faketime
	PKI="$QP_TMP/pki"
	mkdir -m 0755 "$PKI"
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' \
	    >"$PKI/ca.ext"
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' \
	    >"$PKI/leaf.ext"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/root.key" \
	    -out "$PKI/root.pem" -subj "/CN=QP Test Root" -days 30 \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
	    qp_fail "pki_init: cannot make the root"
	pki_ca int root "QP Test Intermediate"
}

# pki_ca NAME ISSUER [CN]: a CA certificate $PKI/NAME.pem (key NAME.key).
pki_ca() {
	local name=$1 issuer=$2 cn=${3:-"QP Test $1"}
	openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" \
	    -out "$PKI/$name.csr" -subj "/CN=$cn" 2>/dev/null &&
	    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$issuer.pem" \
	    -CAkey "$PKI/$issuer.key" -set_serial "0x$(openssl rand -hex 8)" \
	    -days 30 -extfile "$PKI/ca.ext" -out "$PKI/$name.pem" 2>/dev/null ||
	    qp_fail "pki_ca: cannot make $name"
}

pki_key() {
	case ${2:-rsa} in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1" 2>/dev/null ;;
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null ;;
	esac || qp_fail "pki_key: cannot make $1"
}

pki_leaf() {
	local key=$1 out=$2 name=${3:-mail.example.com} shift=${4:-} \
	    issuer=${5:-int}
	openssl req -new -key "$key" -subj "/CN=$name" -out "$out.csr" \
	    2>/dev/null || qp_fail "pki_leaf: cannot make the request"
	{
		cat "$PKI/leaf.ext"
		printf 'subjectAltName=DNS:%s\n' "$name"
	} >"$out.ext"
	if [ -n "$shift" ]; then
		faketime -f "$shift" openssl x509 -req -in "$out.csr" \
		    -CA "$PKI/$issuer.pem" -CAkey "$PKI/$issuer.key" \
		    -set_serial "0x$(openssl rand -hex 8)" -days 30 \
		    -extfile "$out.ext" -out "$out" 2>/dev/null
	else
		openssl x509 -req -in "$out.csr" -CA "$PKI/$issuer.pem" \
		    -CAkey "$PKI/$issuer.key" -set_serial "0x$(openssl rand -hex 8)" \
		    -days 30 -extfile "$out.ext" -out "$out" 2>/dev/null
	fi || qp_fail "pki_leaf: cannot sign $out"
	rm -f -- "$out.csr" "$out.ext"
}

pki_sign_csr() {
	local issuer=${3:-int}
	printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
	    >"$2.ext"
	openssl x509 -req -in "$1" -CA "$PKI/$issuer.pem" \
	    -CAkey "$PKI/$issuer.key" -set_serial "0x$(openssl rand -hex 8)" \
	    -days 30 -copy_extensions copy -extfile "$2.ext" -out "$2" \
	    2>/dev/null || qp_fail "pki_sign_csr: cannot sign $1"
	rm -f -- "$2.ext"
}

pki_blocks() {
	local f=$1 line block= out= fpr
	while IFS= read -r line; do
		case $line in
		"-----BEGIN CERTIFICATE-----")
			block="$line"$'\n' ;;
		"-----END CERTIFICATE-----")
			block+="$line"$'\n'
			fpr=$(printf '%s' "$block" |
			    openssl x509 -noout -fingerprint -sha256) ||
			    qp_fail "pki_blocks: bad certificate in $f"
			out+="${fpr#*=} "
			block= ;;
		"-----BEGIN "*"PRIVATE KEY-----")
			out+="KEY " ;;
		*)
			if [ -n "$block" ]; then block+="$line"$'\n'; fi ;;
		esac
	done <"$f"
	printf '%s\n' "${out% }"
}
