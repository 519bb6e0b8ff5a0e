#!/bin/bash
# labels: once
# t_valgrind.sh: representative commands under valgrind's memcheck
#	valgrind --leak-check=full --errors-for-leak-kinds=definite
#	    --error-exitcode=99
# a fresh install, the repair of the qmailrocks layout, verify -v (JSON),
# rotate, rollback, readers, a DANE rollover (rotate --stage, tlsa,
# rotate --commit), csr (with the live key and --new-key), verify of every
# real-world sample in pem-samples, an import of a PKCS#12 file, and
# refusals (a wrong password, a key that does not match its certificate):
# each must exit with its usual status, never 99 (an invalid read or write,
# a use of uninitialised memory, or a leak valgrind calls definite).
# OpenSSL's global state at exit is "still reachable", which is fine.
# The normal build only: valgrind cannot run a binary built with
# AddressSanitizer, which checks the same things itself (build-asan).
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
. "$QP_SRCDIR/tests/hardening.sh"
qp_require valgrind

if hd_is_sanitized || ldd "$QMAIL_PEM" | grep -q libasan; then
	echo "# $QMAIL_PEM is built with AddressSanitizer, which checks the same"
	echo "# things; valgrind runs against the normal build (build.sh test)."
	qp_ok "sanitizer build: memory checked by ASan instead"
	qp_done
	exit 0
fi

vg=$QP_TMP/valgrind-wrapper
cat >"$vg" <<EOF
#!/bin/sh
# OPENSSL_ia32cap=:0: libcrypto's plain x86-64 code, 4 times faster under
# memcheck than its ADX/BMI2/AVX2 code (tests/CMakeLists.txt)
OPENSSL_ia32cap=:0 exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite \\
    --error-exitcode=99 --log-file="$QP_TMP/vg.%p.log" "$QMAIL_PEM" "\$@"
EOF
chmod 0755 "$vg"

# vg_run STATUS WHAT ARGS...: qmail-pem ARGS under valgrind exits STATUS.
vg_run() {
	local want=$1 what=$2 st=0 log
	shift 2
	rm -f "$QP_TMP"/vg.*.log
	timeout -k 5 300 "$vg" "$@" >"$QP_TMP/out" 2>"$QP_TMP/err" || st=$?
	if [ "$st" -eq 99 ] || [ "$st" -ne "$want" ]; then
		for log in "$QP_TMP"/vg.*.log; do
			[ -f "$log" ] && head -60 "$log" >&2
		done
		cat "$QP_TMP/err" >&2
		qp_fail "$what: exit $st under valgrind, want $want"
	fi
	qp_ok "$what: exit $st under valgrind, no memory error, no definite leak"
}

ec="--key-type ec-p256"
ctl=$(qp_mkcontrol mail.example.com)
vg_run 0 "install (fresh)" install -q $ec -d "$ctl"
if hd_has_command verify; then
	# 0 or 1 (WARNING: self-signed) are both a normal verify.
	st=0
	timeout -k 5 300 "$vg" verify -v --format json -d "$ctl" >/dev/null 2>&1 || st=$?
	[ "$st" -le 1 ] || qp_fail "verify -v --format json: exit $st under valgrind"
	qp_ok "verify -v --format json: exit $st under valgrind, no memory error"
fi
if hd_has_command rotate; then
	vg_run 0 "rotate" rotate -q -d "$ctl"
fi
if hd_has_command rollback; then
	vg_run 0 "rollback" rollback -q -d "$ctl"
fi
if hd_has_command readers; then
	st=0
	timeout -k 5 300 "$vg" readers -d "$ctl" --service-dir "$QP_SRCDIR/tests/fixtures/service/lwq" \
	    >/dev/null 2>&1 || st=$?
	[ "$st" -ne 99 ] || qp_fail "readers: memory error under valgrind"
	qp_ok "readers: exit $st under valgrind, no memory error"
fi

# DANE rollover and certificate requests.
if hd_has_command tlsa; then
	vg_run 0 "rotate --stage" rotate -q --stage $ec -d "$ctl"
	vg_run 0 "tlsa --staged" tlsa --staged -d "$ctl"
	vg_run 0 "rotate --commit" rotate -q --commit -d "$ctl"
fi
if hd_has_command csr; then
	vg_run 0 "csr" csr -q -d "$ctl" --san smtp.example.com \
	    --subject "/O=Example/CN=mail.example.com" --output "$QP_TMP/req.pem"
	vg_run 0 "csr --new-key" csr -q --new-key $ec -d "$ctl" \
	    --output "$QP_TMP/req2.pem"
	openssl req -verify -noout -in "$QP_TMP/req2.pem" 2>/dev/null ||
	    qp_fail "the request made under valgrind does not verify"
fi

# verify reads each real-world sample (the parsers on broken input).
samples=$(qp_samples_dir)
sc=$QP_TMP/samples
mkdir -m 0755 "$sc"
printf 'mail.example.com\n' >"$sc/me"
nsamples=0
for f in "$samples"/*.pem; do
	install -m 0640 -o root -g "$QP_GID_nofiles" "$f" "$sc/servercert.pem"
	install -m 0640 -o root -g "$QP_GID_qmail" "$f" "$sc/clientcert.pem"
	rm -f "$QP_TMP"/vg.*.log
	st=0
	timeout -k 5 300 "$vg" verify -v --format json -d "$sc" >/dev/null 2>&1 || st=$?
	if [ "$st" -gt 3 ]; then
		for log in "$QP_TMP"/vg.*.log; do
			[ -f "$log" ] && head -60 "$log" >&2
		done
		qp_fail "verify of ${f##*/}: exit $st under valgrind"
	fi
	nsamples=$((nsamples + 1))
done
[ "$nsamples" -gt 0 ] || qp_fail "no sample in $samples"
qp_ok "verify of $nsamples real-world samples: no memory error, no definite leak"

# The qmailrocks layout, repaired.
qr=$QP_TMP/qr
mkdir -m 0755 "$qr"
printf 'mail.example.com\n' >"$qr/me"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=mail.example.com -keyout "$QP_TMP/k.pem" -out "$QP_TMP/c.pem" 2>/dev/null
cat "$QP_TMP/k.pem" "$QP_TMP/c.pem" >"$qr/servercert.pem"
chmod 0644 "$qr/servercert.pem"
ln -s servercert.pem "$qr/clientcert.pem"
vg_run 0 "install (repair of the qmailrocks layout)" install -q -d "$qr"

# An import of a PKCS#12 file, with the right and a wrong password.
openssl pkcs12 -export -inkey "$QP_TMP/k.pem" -in "$QP_TMP/c.pem" \
    -passout pass:s3cret -out "$QP_TMP/a.p12" 2>/dev/null
export QP_PW=s3cret QP_BADPW=nope
imp=$QP_TMP/imp
mkdir -m 0755 "$imp"
printf 'mail.example.com\n' >"$imp/me"
vg_run 0 "install --pkcs12" install -q -d "$imp" --pkcs12 "$QP_TMP/a.p12" \
    --passin env:QP_PW --client-self-signed
vg_run 65 "install --pkcs12, wrong password" install -q -d "$imp" \
    --pkcs12 "$QP_TMP/a.p12" --passin env:QP_BADPW --force

# Refusals: a key that does not match its certificate, a damaged file.
bad=$QP_TMP/bad
mkdir -m 0755 "$bad"
printf 'mail.example.com\n' >"$bad/me"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$QP_TMP/k2.pem" 2>/dev/null
cat "$QP_TMP/k2.pem" "$QP_TMP/c.pem" >"$bad/servercert.pem"
vg_run 65 "install: key and certificate differ" install -q -d "$bad"
qp_done
