/*
 * unit_chain.c: chain_build() puts a root -> intermediate -> leaf chain,
 * made here with OpenSSL, leaf first whatever order the file had.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include <openssl/x509v3.h>

#include "base/err.h"
#include "base/msg.h"
#include "x509/chain.h"
#include "x509gen.h"

/* What the last call that failed recorded. */
static struct err err;

#define SHOWN	"/ctl/servercert.pem"

struct pki {
	EVP_PKEY	*key;
	X509		*cert;
};

/* root -> inter -> leaf; other_root -> other_inter; a lone self-signed. */
static struct pki root, inter, leaf, other_root, other_inter, lone;

static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_true(X509_add_ext(cert, ext, -1));
	X509_EXTENSION_free(ext);
}

/* A certificate for cn signed by issuer (NULL: self-signed). */
static void
make(struct pki *p, const char *cn, const struct pki *issuer, int ca)
{
	X509_NAME *name;
	X509 *signer;
	EVP_PKEY *signkey;

	p->key = x509gen_new_key(KEY_EC_P256, &err);
	assert_non_null(p->key);
	assert_non_null(p->cert = X509_new());
	signer = issuer ? issuer->cert : p->cert;
	signkey = issuer ? issuer->key : p->key;
	assert_true(X509_set_version(p->cert, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(p->cert),
	    (long)(strlen(cn) * 7919 + (size_t)cn[0])));
	name = X509_get_subject_name(p->cert);
	assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0));
	assert_true(X509_set_issuer_name(p->cert,
	    X509_get_subject_name(signer)));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(p->cert), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(p->cert), 86400));
	assert_true(X509_set_pubkey(p->cert, p->key));
	add_ext(p->cert, signer, NID_basic_constraints, ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(p->cert, signer, NID_key_usage, ca ?
	    "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	add_ext(p->cert, signer, NID_subject_key_identifier, "hash");
	add_ext(p->cert, signer, NID_authority_key_identifier, "keyid:always");
	assert_true(X509_sign(p->cert, signkey, EVP_sha256()) > 0);
}

static int
setup(void **state)
{
	(void)state;
	make(&root, "Test Root", NULL, 1);
	make(&inter, "Test Intermediate", &root, 1);
	make(&leaf, "mail.example.com", &inter, 0);
	make(&other_root, "Other Root", NULL, 1);
	make(&other_inter, "Other Intermediate", &other_root, 1);
	make(&lone, "stranger.example", NULL, 0);
	return 0;
}

static void
pki_free(struct pki *p)
{
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
}

static int
teardown(void **state)
{
	(void)state;
	pki_free(&root);
	pki_free(&inter);
	pki_free(&leaf);
	pki_free(&other_root);
	pki_free(&other_inter);
	pki_free(&lone);
	return 0;
}

/* A stack (not owning) of the given certificates, NULL-terminated. */
static STACK_OF(X509) *
certs(X509 *first, ...)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	va_list ap;
	X509 *c;

	assert_non_null(sk);
	va_start(ap, first);
	for (c = first; c != NULL; c = va_arg(ap, X509 *))
		assert_true(sk_X509_push(sk, c));
	va_end(ap);
	return sk;
}

/* reordered -1: either way (not part of the contract). */
static void
assert_leaf_inter(STACK_OF(X509) *in, int reordered, int dropped,
    int duplicates)
{
	struct chain_result r;

	err_clear(&err);
	assert_int_equal(chain_build(leaf.key, in, SHOWN, &r, &err), 0);
	assert_int_equal(sk_X509_num(r.chain), 2);
	assert_ptr_equal(sk_X509_value(r.chain, 0), leaf.cert);
	assert_ptr_equal(sk_X509_value(r.chain, 1), inter.cert);
	if (reordered != -1)
		assert_int_equal(r.reordered, reordered);
	assert_int_equal(r.dropped_roots, dropped);
	assert_int_equal(r.duplicates, duplicates);
	chain_free(&r);
	assert_null(r.chain);
	sk_X509_free(in);
}

static void
test_in_order(void **state)
{
	(void)state;
	assert_leaf_inter(certs(leaf.cert, inter.cert, NULL), 0, 0, 0);
}

static void
test_root_is_dropped(void **state)
{
	(void)state;
	assert_leaf_inter(certs(leaf.cert, inter.cert, root.cert, NULL), 0,
	    1, 0);
}

static void
test_shuffled(void **state)
{
	(void)state;
	assert_leaf_inter(certs(root.cert, leaf.cert, inter.cert, NULL), 1,
	    1, 0);
	assert_leaf_inter(certs(inter.cert, root.cert, leaf.cert, NULL), 1,
	    1, 0);
	assert_leaf_inter(certs(inter.cert, leaf.cert, NULL), 1, 0, 0);
}

static void
test_duplicates_are_dropped(void **state)
{
	(void)state;
	assert_leaf_inter(certs(leaf.cert, inter.cert, inter.cert, NULL), 0,
	    0, 1);
	assert_leaf_inter(certs(leaf.cert, leaf.cert, inter.cert, NULL), -1,
	    0, 1);
}

static void
assert_refused(STACK_OF(X509) *in, const char *says)
{
	struct chain_result r;

	err_clear(&err);
	assert_int_equal(chain_build(leaf.key, in, SHOWN, &r, &err), -1);
	assert_null(r.chain);
	assert_int_equal(err.status, EX_DATAERR);
	assert_non_null(strstr(err.text, SHOWN));
	if (strstr(err.text, says) == NULL)
		fail_msg("message '%s' does not say '%s'", err.text, says);
	sk_X509_free(in);
}

static void
test_stranger_is_refused(void **state)
{
	(void)state;
	assert_refused(certs(leaf.cert, inter.cert, lone.cert, NULL),
	    "\"CN=stranger.example\" does not belong");
	assert_refused(certs(other_inter.cert, leaf.cert, inter.cert, NULL),
	    "\"CN=Other Intermediate\" does not belong");
}

static void
test_no_leaf_for_the_key(void **state)
{
	(void)state;
	assert_refused(certs(inter.cert, root.cert, NULL),
	    "no certificate matches the private key");
	assert_refused(certs(NULL), "no certificate found");
}

static void
test_self_signed_and_subject(void **state)
{
	char buf[128];

	(void)state;
	assert_true(chain_is_self_signed(root.cert));
	assert_true(chain_is_self_signed(lone.cert));
	assert_false(chain_is_self_signed(inter.cert));
	assert_false(chain_is_self_signed(leaf.cert));
	assert_string_equal(chain_subject(leaf.cert, buf, sizeof(buf)),
	    "CN=mail.example.com");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_root_is_dropped),
		cmocka_unit_test(test_shuffled),
		cmocka_unit_test(test_duplicates_are_dropped),
		cmocka_unit_test(test_stranger_is_refused),
		cmocka_unit_test(test_no_leaf_for_the_key),
		cmocka_unit_test(test_self_signed_and_subject),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
