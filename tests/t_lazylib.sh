#!/bin/bash
# t_lazylib.sh: libelf (with its libz), libseccomp and libacl are opened
# when a command first needs them (base/lazylib.h; issue 26), not mapped
# at every start:
#   - verify, status and an idempotent install of a control directory
#     whose qmail has no binaries to read and whose files have no ACL map
#     none of them (LD_DEBUG=files lists what the dynamic linker maps);
#   - with a program in QMAILHOME/bin, status opens libelf and reads it;
#   - install --key/--cert opens libseccomp for its decoding children;
#   - a key file with an ACL: verify opens libacl and names the entries;
#   - a library that cannot be opened (a damaged file first in
#     LD_LIBRARY_PATH) stops the command with exit 72 (EX_OSFILE) and one
#     message naming the library and the package to reinstall, verify with
#     UNKNOWN; nothing on disk changes.
# valgrind: none (the dynamic linker's own trace and the sandbox's filter,
# which memcheck does not load, are what it checks; the loading itself
# runs under memcheck in unit_loaders)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_need_acls "$0" "$@"
. "$QP_SRCDIR/tests/pki.sh"
qp_setup
pki_init
bin=${QP_NATIVE:-$QMAIL_PEM}

ctl=$(qp_mkcontrol)
home=$(dirname "$ctl")
w="$QP_TMP/in"
mkdir -m 0755 "$w"
pki_key "$w/key.pem" ec
pki_leaf "$w/key.pem" "$w/leaf.pem"
qp_assert_status 0 "$bin" install -q -d "$ctl" --key "$w/key.pem" \
    --cert "$w/leaf.pem" --server-group nofiles --client-group qmail \
    --allow-non-rsa

# mapped CMD...: the libraries the dynamic linker maps for CMD, one a line.
mapped() {
	LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\(lib[^ ]*\).*/\1/p' |
	    sort -u || true
}

rm -rf -- "$home/bin"
for cmd in verify status; do
	libs=$(mapped "$bin" "$cmd" -d "$ctl")
	qp_assert_contains "$libs" "libcrypto.so.3" "$cmd: the trace lists libraries"
	for lib in libelf.so.1 libz.so.1 libseccomp.so.2 libacl.so.1; do
		qp_assert_not_contains "$libs" "$lib" "$cmd without qmail binaries: no $lib"
	done
done
libs=$(mapped "$bin" install -d "$ctl" --server-group nofiles \
    --client-group qmail)
qp_assert_not_contains "$libs" "libacl.so.1" "install, nothing to do: no libacl"

mkdir -m 0755 "$home/bin"
cp /bin/true "$home/bin/qmail-smtpd"
libs=$(mapped "$bin" status -d "$ctl")
qp_assert_contains "$libs" "libelf.so.1" "status with a qmail-smtpd to read: libelf"
qp_assert_not_contains "$libs" "libseccomp.so.2" "status: no libseccomp"
qp_assert_status 0 "$bin" status -d "$ctl"
qp_assert_contains "$QP_OUT" "it does not link libssl" \
    "status read the program with libelf"

# Damaged copies first in the library path: dlopen refuses them.
mkdir -m 0755 "$QP_TMP/badlib"
printf 'not a library\n' >"$QP_TMP/badlib/libelf.so.1"
printf 'not a library\n' >"$QP_TMP/badlib/libseccomp.so.2"
printf 'not a library\n' >"$QP_TMP/badlib/libacl.so.1"
before=$(qp_snapshot "$ctl")
qp_assert_status 72 env LD_LIBRARY_PATH="$QP_TMP/badlib" "$bin" status -d "$ctl"
qp_assert_contains "$QP_ERR" "cannot load libelf.so.1" "status names libelf"
qp_assert_contains "$QP_ERR" "apt-get install --reinstall libelf1" \
    "status says which package to reinstall"
qp_assert_eq 1 "$(grep -c . <<<"$QP_ERR")" "status: one message"
qp_assert_status 3 env LD_LIBRARY_PATH="$QP_TMP/badlib" "$bin" verify -d "$ctl"
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - cannot load libelf.so.1" \
    "verify: UNKNOWN, naming libelf"
qp_assert_same_snapshot "$before" "$ctl" "a library that cannot be opened"

rm -f -- "$home/bin/qmail-smtpd"
pki_key "$w/key2.pem" ec
pki_leaf "$w/key2.pem" "$w/leaf2.pem"
before=$(qp_snapshot "$ctl")
qp_assert_status 72 env LD_LIBRARY_PATH="$QP_TMP/badlib" "$bin" install -q \
    -d "$ctl" --key "$w/key2.pem" --cert "$w/leaf2.pem" \
    --server-group nofiles --client-group qmail --allow-non-rsa
qp_assert_contains "$QP_ERR" "cannot load libseccomp.so.2" \
    "install names libseccomp"
qp_assert_contains "$QP_ERR" "apt-get install --reinstall libseccomp2" \
    "install says which package to reinstall"
qp_assert_same_snapshot "$before" "$ctl" "install without libseccomp"
libs=$(mapped "$bin" install -q -d "$ctl" --key "$w/key2.pem" \
    --cert "$w/leaf2.pem" --server-group nofiles --client-group qmail \
    --allow-non-rsa)
qp_assert_contains "$libs" "libseccomp.so.2" \
    "install --key/--cert: libseccomp for its decoding children"
qp_assert_eq "$(qp_cert_pubkey "$w/leaf2.pem")" \
    "$(qp_cert_pubkey "$ctl/servercert.pem")" "and it installed the new pair"

# A key file with an ACL: libacl reads it; a damaged one is named.
setfacl -m u:nobody:r -- "$ctl/servercert.pem"
libs=$(mapped "$bin" verify -d "$ctl")
qp_assert_contains "$libs" "libacl.so.1" "verify of a file with an ACL: libacl"
qp_assert_status 2 "$bin" verify -d "$ctl"
qp_assert_contains "$QP_OUT" "user:nobody:r--" "verify names the ACL entry"
before=$(qp_snapshot "$ctl")
# (WARNING: the EC key's rsa-key warning outranks an UNKNOWN check)
qp_assert_status 1 env LD_LIBRARY_PATH="$QP_TMP/badlib" "$bin" verify -v \
    -d "$ctl"
qp_assert_contains "$QP_OUT" "cannot read its ACL: cannot load libacl.so.1" \
    "verify: the ACL is UNKNOWN, naming libacl"
qp_assert_contains "$QP_OUT" "apt-get install --reinstall libacl1" \
    "verify says which package to reinstall"
qp_assert_status 72 env LD_LIBRARY_PATH="$QP_TMP/badlib" "$bin" install -q \
    -d "$ctl" --server-group nofiles --client-group qmail
qp_assert_contains "$QP_ERR" "servercert.pem: cannot read its ACL: cannot load libacl.so.1" \
    "install names the file and libacl"
qp_assert_eq 1 "$(grep -c . <<<"$QP_ERR")" "install: one message"
qp_assert_same_snapshot "$before" "$ctl" "install without libacl"

qp_done
