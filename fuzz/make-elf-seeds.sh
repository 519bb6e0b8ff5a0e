#!/bin/sh
# fuzz/make-elf-seeds.sh OUTDIR: the seed corpus of the elfimports fuzz
# target (and of tests/unit_loaders.c, which knows what each must give):
# programs that import chosen OpenSSL functions and nothing else, as small
# as gcc makes them (no C library, no start files), and a few other shapes
# (object, archive, static, truncated, script, text).  Made at build time
# from this script (CMake runs it into the build tree), so the source
# holds no prebuilt binaries.  Needs gcc, binutils (ar) and libssl-dev.
# NAME FUNCTION...: OUTDIR/NAME.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1"
e=$(cd "$1" && pwd)
rm -f "$e"/*
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"

elf() {
	name=$1
	shift
	{
		for f in "$@"; do printf 'int %s(void);\n' "$f"; done
		printf 'void start(void) {\n'
		for f in "$@"; do printf '\t%s();\n' "$f"; done
		printf '}\n'
	} >"$name.c"
	gcc -Os -s -nostdlib -nostartfiles -fno-asynchronous-unwind-tables \
	    -fno-pie -no-pie -Wl,--no-as-needed,-e,start,-z,norelro \
	    -Wl,--build-id=none,-z,noseparate-code -o "$e/$name" "$name.c" \
	    -lssl -lcrypto
}
elf rsa-chain-dh SSL_use_RSAPrivateKey_file SSL_CTX_use_certificate_chain_file \
    PEM_read_DHparams PEM_read_bio_RSAPrivateKey
elf any-leaf SSL_CTX_use_PrivateKey_file SSL_CTX_use_certificate_file
elf rsa-and-any SSL_CTX_use_RSAPrivateKey_file SSL_use_PrivateKey_file \
    SSL_CTX_use_certificate_chain_file
elf object-reader SSL_CTX_use_PrivateKey PEM_read_bio_PrivateKey \
    SSL_CTX_use_certificate_file PEM_read_bio_X509
elf object-only SSL_use_PrivateKey SSL_use_certificate
elf no-loader SSL_CTX_new SSL_accept
# A library that defines a key loader itself (an export, not an import)
# and imports a certificate loader.
printf 'int SSL_CTX_use_certificate_chain_file(void);\nint SSL_CTX_use_PrivateKey_file(void) { return SSL_CTX_use_certificate_chain_file(); }\n' >defines.c
gcc -Os -s -shared -fPIC -nostdlib -fno-asynchronous-unwind-tables \
    -Wl,--no-as-needed,-z,norelro,--build-id=none,-z,noseparate-code \
    -o "$e/defines-key-loader" defines.c -lssl -lcrypto
printf 'int puts(const char *);\nvoid start(void) { puts("x"); }\n' >nossl.c
gcc -Os -s -nostdlib -nostartfiles -fno-asynchronous-unwind-tables \
    -fno-pie -no-pie -Wl,--no-as-needed,-e,start,-z,norelro \
    -Wl,--build-id=none,-z,noseparate-code -o "$e/no-libssl" nossl.c -lc
printf 'void start(void) { for (;;); }\n' >static.c
gcc -Os -s -static -nostdlib -nostartfiles -fno-asynchronous-unwind-tables \
    -Wl,-e,start,--build-id=none,-z,noseparate-code -o "$e/static" static.c
head -c 300 "$e/rsa-chain-dh" >"$e/truncated-header"
head -c $(($(wc -c <"$e/rsa-chain-dh") - 8)) "$e/rsa-chain-dh" >"$e/truncated-end"
# ELF, but not linked programs: an object file, a static library.
printf 'int SSL_CTX_use_PrivateKey_file(void);\nint f(void) { return SSL_CTX_use_PrivateKey_file(); }\n' >obj.c
gcc -Os -c -fno-asynchronous-unwind-tables -o obj.o obj.c
cp obj.o "$e/object"
ar rcD lib.a obj.o
cp lib.a "$e/archive"
printf '#!/bin/sh\nexec /var/qmail/bin/qmail-smtpd "$@"\n' >"$e/script"
printf 'qmail-smtpd: not a program\n' >"$e/text"
chmod a-x "$e"/*	# data, not programs to run
