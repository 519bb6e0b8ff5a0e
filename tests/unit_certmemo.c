/*
 * unit_certmemo.c: certmemo_read_pem() reads what PEM_read_bio_X509 and
 * PEM_read_bio_X509_AUX read, with the same result and the same last
 * error, and decodes the same DER only once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "base/err.h"
#include "x509/certmemo.h"
#include "x509gen.h"

static EVP_PKEY *key;
static X509 *cert, *other;
static char plain[8192], trusted[8192], keypem[8192], other_pem[8192];

static void
pem_of(BIO *bio, char *out, size_t size)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	assert_true(n > 0 && (size_t)n < size);
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(bio);
}

static X509 *
self_signed(const char *host)
{
	struct cert_request req = { host, NULL, 0, 30, USAGE_SERVER };
	struct err err = { 0 };
	X509 *c = x509gen_self_signed(key, &req, &err);

	if (c == NULL)
		fail_msg("x509gen_self_signed: %s", err.text);
	return c;
}

static int
setup(void **state)
{
	struct err err = { 0 };
	BIO *bio;

	(void)state;
	if ((key = x509gen_new_key(KEY_EC_P256, &err)) == NULL)
		return -1;
	cert = self_signed("one.example");
	other = self_signed("two.example");
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509(bio, cert));
	pem_of(bio, plain, sizeof(plain));
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509(bio, other));
	pem_of(bio, other_pem, sizeof(other_pem));
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL));
	pem_of(bio, keypem, sizeof(keypem));
	/* the same certificate with trust settings: its DER goes on */
	assert_true(X509_add1_trust_object(cert, OBJ_nid2obj(NID_server_auth)));
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509_AUX(bio, cert));
	pem_of(bio, trusted, sizeof(trusted));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	certmemo_cleanup();
	X509_free(cert);
	X509_free(other);
	EVP_PKEY_free(key);
	return 0;
}

/* Read text with certmemo and with OpenSSL's own call: same answer. */
static X509 *
both(const char *text, int aux, X509 **theirs, unsigned long *my_err,
    unsigned long *their_err)
{
	BIO *a = BIO_new_mem_buf(text, -1), *b = BIO_new_mem_buf(text, -1);
	X509 *mine;

	ERR_clear_error();
	mine = certmemo_read_pem(a, aux);
	*my_err = ERR_peek_last_error();
	ERR_clear_error();
	*theirs = aux ? PEM_read_bio_X509_AUX(b, NULL, NULL, NULL) :
	    PEM_read_bio_X509(b, NULL, NULL, NULL);
	*their_err = ERR_peek_last_error();
	ERR_clear_error();
	BIO_free(a);
	BIO_free(b);
	return mine;
}

static void
test_decoded_once(void **state)
{
	unsigned long e1, e2;
	X509 *a, *b, *theirs;

	(void)state;
	a = both(plain, 0, &theirs, &e1, &e2);
	assert_non_null(a);
	assert_int_equal(X509_cmp(a, theirs), 0);
	X509_free(theirs);
	/* the leaf as SSL_CTX_use_certificate_chain_file reads it */
	b = both(plain, 1, &theirs, &e1, &e2);
	assert_ptr_equal(a, b);
	assert_int_equal(X509_cmp(b, theirs), 0);
	assert_false(X509_trusted(b));
	X509_free(theirs);
	X509_free(a);
	X509_free(b);
}

static void
test_trust_settings_not_shared(void **state)
{
	unsigned long e1, e2;
	X509 *a, *t1, *t2, *theirs;
	BIO *bio = BIO_new_mem_buf(plain, -1);

	(void)state;
	a = certmemo_read_pem(bio, 0);	/* the plain DER, kept */
	BIO_free(bio);
	assert_non_null(a);
	t1 = both(trusted, 1, &theirs, &e1, &e2);
	assert_non_null(t1);
	assert_ptr_not_equal(t1, a);
	assert_true(X509_trusted(t1));
	assert_true(X509_trusted(theirs));
	X509_free(theirs);
	t2 = both(trusted, 1, &theirs, &e1, &e2);
	assert_ptr_not_equal(t2, t1);	/* not kept: decoded each time */
	assert_true(X509_trusted(t2));
	X509_free(theirs);
	/* PEM_read_bio_X509 does not take a TRUSTED CERTIFICATE block */
	assert_null(both(trusted, 0, &theirs, &e1, &e2));
	assert_null(theirs);
	assert_int_equal(e1, e2);
	X509_free(a);
	X509_free(t1);
	X509_free(t2);
}

static void
test_skips_other_blocks_and_ends_alike(void **state)
{
	char text[20000];
	unsigned long e1, e2;
	X509 *c, *theirs;
	BIO *a, *b;

	(void)state;
	snprintf(text, sizeof(text), "%s%s%s", keypem, other_pem, plain);
	c = both(text, 1, &theirs, &e1, &e2);	/* the key block skipped */
	assert_non_null(c);
	assert_int_equal(X509_cmp(c, other), 0);
	assert_int_equal(X509_cmp(theirs, other), 0);
	X509_free(c);
	X509_free(theirs);
	/* the whole file, to its end: the same certificates, the same end */
	a = BIO_new_mem_buf(text, -1);
	b = BIO_new_mem_buf(text, -1);
	for (;;) {
		ERR_clear_error();
		c = certmemo_read_pem(a, 0);
		e1 = ERR_peek_last_error();
		ERR_clear_error();
		theirs = PEM_read_bio_X509(b, NULL, NULL, NULL);
		e2 = ERR_peek_last_error();
		assert_true((c == NULL) == (theirs == NULL));
		if (c == NULL)
			break;
		assert_int_equal(X509_cmp(c, theirs), 0);
		X509_free(c);
		X509_free(theirs);
	}
	assert_int_equal(e1, e2);
	assert_int_equal(ERR_GET_REASON(e1), PEM_R_NO_START_LINE);
	BIO_free(a);
	BIO_free(b);
}

static void
test_damaged_der_fails_alike_each_time(void **state)
{
	/* good base64, not a certificate */
	static const char bad[] = "-----BEGIN CERTIFICATE-----\n"
	    "MIIBAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";
	unsigned long e1, e2;
	X509 *theirs;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_null(both(bad, i, &theirs, &e1, &e2));
		assert_null(theirs);
		assert_int_not_equal(e1, 0);
		assert_int_equal(e1, e2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoded_once),
		cmocka_unit_test(test_trust_settings_not_shared),
		cmocka_unit_test(test_skips_other_blocks_and_ends_alike),
		cmocka_unit_test(test_damaged_der_fails_alike_each_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
