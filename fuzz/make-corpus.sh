#!/bin/sh
# fuzz/make-corpus.sh: (re)make the seed corpus in fuzz/corpus/<target>/.
#
#   fuzz/make-corpus.sh [TARGET...]     (default: every target)
#
# The seeds are small files of every shape each parser should know, made
# with openssl in a temp dir and copied in (the elfimports seeds, programs,
# are made at build time by fuzz/make-elf-seeds.sh instead); the fuzzers
# grow from them.  Naming targets remakes only those, leaving the other
# seeds as committed (new keys would change every one of them).  The
# third-party samples (../shared/data/pem-samples, copied with their
# SOURCES.md to tests/data/pem-samples) are not copied here: fuzz/run.sh
# adds that directory as a read-only corpus.  Run by hand after adding a shape; the output is
# committed.
set -eu
cd "$(dirname "$0")"
out=$(pwd)/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"

targets=${*:-ctlpem importkey importcert pkcs12 me runscript smtpreply tlsfiles}
want() {
	case " $targets " in *" $1 "*) return 0 ;; esac
	return 1
}
for t in $targets; do
	rm -rf "${out:?}/$t"
	mkdir -p "$out/$t"
done

# Keys, a root -> intermediate -> leaf chain, a self-signed certificate.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
openssl genpkey -algorithm ED25519 -out ed.key
openssl req -x509 -new -key rsa.key -days 3650 -subj /CN=mail.example.com \
    -addext subjectAltName=DNS:mail.example.com -out self.crt
openssl req -x509 -new -key ec.key -days 3650 -subj "/CN=Fuzz Root" -out root.crt \
    -addext basicConstraints=critical,CA:TRUE
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out int.key
openssl req -new -key int.key -subj "/CN=Fuzz Intermediate" -out int.csr
printf 'basicConstraints=critical,CA:TRUE\n' >ca.ext
openssl x509 -req -in int.csr -CA root.crt -CAkey ec.key -days 3650 \
    -set_serial 2 -extfile ca.ext -out int.crt 2>/dev/null
openssl req -new -key rsa.key -subj /CN=mail.example.com -out leaf.csr
printf 'subjectAltName=DNS:mail.example.com\nextendedKeyUsage=serverAuth,clientAuth\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA int.crt -CAkey int.key -days 3650 \
    -set_serial 3 -extfile leaf.ext -out leaf.crt 2>/dev/null
openssl req -x509 -new -key ed.key -days 3650 -subj /CN=mail.example.com -out ed.crt
openssl pkey -in rsa.key -traditional -out rsa-pkcs1.key
openssl pkey -in rsa.key -aes256 -passout pass:fuzz -out rsa-enc.key
openssl rsa -in rsa.key -traditional -aes128 -passout pass:fuzz -out rsa-enc-trad.key 2>/dev/null
openssl pkey -in rsa.key -aes256 -passout pass:other -out rsa-enc-other.key

if want ctlpem; then
c=$out/ctlpem
cat rsa-pkcs1.key self.crt >"$c/key-cert.pem"
cat rsa.key leaf.crt int.crt >"$c/key-chain.pem"
cat root.crt leaf.crt rsa.key int.crt >"$c/chain-shuffled-root.pem"
cat self.crt rsa.key >"$c/cert-then-key.pem"
cat ed.key ed.crt >"$c/ed25519.pem"
cat rsa-enc.key self.crt >"$c/encrypted-key.pem"
cat rsa.key ec.key self.crt >"$c/two-keys.pem"
{ cat rsa.key; printf 'Bag Attributes\n    friendlyName: mail\n'; cat self.crt; } >"$c/garbage.pem"
{ cat rsa.key; head -c 300 self.crt; } >"$c/truncated.pem"
cat rsa.key self.crt root.crt int.crt >"$c/stranger.pem"
{ cat rsa.key self.crt; openssl req -new -key rsa.key -subj /CN=x; } >"$c/csr-block.pem"
fi

if want tlsfiles; then
t=$out/tlsfiles
mkdir db
: >db/index
echo 01 >db/crlnumber
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = db/index\ncrlnumber = db/crlnumber\ndefault_md = sha256\ndefault_crl_days = 3650\n' >ca.cnf
openssl ca -config ca.cnf -gencrl -keyfile ec.key -cert root.crt -out root.crl 2>/dev/null
cp root.crt "$t/clientca.pem"
cat int.crt root.crt >"$t/tlshost-chain.pem"
cp int.crt "$t/tlshost-no-root.pem"
cat root.crt root.crl >"$t/ca-and-crl.pem"
cat root.crl root.crl >"$t/two-crls.pem"
cat root.crt rsa.key >"$t/ca-with-key.pem"
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$t/dh2048.pem"
cp rsa-pkcs1.key "$t/rsa1024.pem"
printf 'relay@client.example\n# a comment\n\nbad line\n' >"$t/tlsclients"
printf '# ciphers\nHIGH:!aNULL \n\n!MD5\n' >"$t/tlsserverciphers"
printf 'TLS_AES_128_GCM_SHA256\n' >"$t/tls13-only"
printf 'eNULL:aNULL:@SECLEVEL=0\n' >"$t/weak"
printf 'MX.Example.com\n' >"$t/host-upper"
fi

if want importkey; then
k=$out/importkey
cp rsa.key "$k/pkcs8.pem"
cp rsa-pkcs1.key "$k/pkcs1.pem"
openssl pkey -in ec.key -traditional -out "$k/sec1.pem" 2>/dev/null || cp ec.key "$k/sec1.pem"
cp ed.key "$k/ed25519.pem"
cp rsa-enc.key "$k/pkcs8-encrypted.pem"
cp rsa-enc-trad.key "$k/pkcs1-encrypted.pem"
cp rsa-enc-other.key "$k/wrong-password.pem"
openssl pkey -in rsa.key -outform DER -out "$k/pkcs8.der"
openssl rsa -in rsa.key -traditional -outform DER -out "$k/pkcs1.der" 2>/dev/null
openssl pkcs8 -topk8 -in ec.key -v2 aes128 -passout pass:fuzz -outform DER -out "$k/pkcs8-encrypted.der"
cp self.crt "$k/a-certificate.pem"
fi

if want importcert; then
x=$out/importcert
cp self.crt "$x/self.pem"
cat leaf.crt int.crt root.crt >"$x/chain.pem"
openssl x509 -in leaf.crt -outform DER -out "$x/leaf.der"
cat rsa.key leaf.crt >"$x/with-key.pem"
head -c 400 int.crt >"$x/truncated.pem"
fi

if want pkcs12; then
p=$out/pkcs12
openssl pkcs12 -export -inkey rsa.key -in leaf.crt -certfile int.crt \
    -passout pass:fuzz -out "$p/modern.p12"
openssl pkcs12 -export -inkey ec.key -in root.crt -passout pass:fuzz \
    -keypbe AES-128-CBC -certpbe AES-128-CBC -iter 1 -out "$p/aes-iter1.p12" 2>/dev/null ||
    openssl pkcs12 -export -inkey ec.key -in root.crt -passout pass:fuzz -out "$p/aes-iter1.p12"
openssl pkcs12 -export -nokeys -in self.crt -passout pass:fuzz -out "$p/certs-only.p12"
openssl pkcs12 -export -inkey rsa.key -in self.crt -passout pass:other -out "$p/wrong-password.p12"
openssl pkcs12 -export -inkey rsa.key -in self.crt -passout pass:fuzz -nomac \
    -out "$p/no-mac.p12" 2>/dev/null || true
fi

if want me; then
m=$out/me
printf 'mail.example.com\n' >"$m/plain"
printf '  mail.example.com \r\nsecond line\n' >"$m/blanks-crlf"
printf 'not a host name!\n' >"$m/invalid"
printf '\n' >"$m/empty-line"
printf 'mail\000example.com\n' >"$m/nul"
printf 'xn--bcher-kva.example\n' >"$m/idn"
fi

if want runscript; then
r=$out/runscript
n=0
for f in "$out"/../../tests/fixtures/service/*/*/run "$out"/../../tests/fixtures/service/*/*/log/run; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	cp "$f" "$r/fixture-$n"
done
cat >"$r/envdir-chpst" <<'EOS'
#!/bin/sh
exec 2>&1
QMAILDUID=`id -u qmaild`
NOFILESGID=$(id -g qmaild)
export CERTFILE=/var/qmail/control/servercert.pem
exec envdir ./env chpst -u qmaild:nofiles -m 3000000 \
    tcpserver -v -R -l "${LOCAL:-0}" -x /etc/tcp.smtp.cdb -c 20 \
    -u "$QMAILDUID" -g "$NOFILESGID" 0 smtp qmail-smtpd 2>&1
EOS
cat >"$r/case-heredoc" <<'EOS'
#!/bin/sh
case "$1" in
start) cat <<EOF
hello $USER
EOF
;;
esac
if [ -f /etc/x ]; then exec setuidgid qmaild qmail-smtpd; fi
exec s6-setuidgid vpopmail sslserver -e -U 0 465 qmail-smtpd
EOS
fi

if want smtpreply; then
s=$out/smtpreply
printf '220 mail.example.com ESMTP\r\n' >"$s/greeting"
printf '250-mail.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250-AUTH LOGIN PLAIN\r\n250-AUTH=LOGIN PLAIN\r\n250 8BITMIME\r\n' >"$s/ehlo"
printf '220-first\r\n221 changed code\r\n' >"$s/code-change"
printf '554 no\r\nnot smtp\r\n' >"$s/garbage"
printf '250-\033[31m|red\r\n250 ok\n' >"$s/control-chars"
fi


find "$out" -type f | wc -l | sed 's/$/ seed files/'
