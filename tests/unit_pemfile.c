/*
 * unit_pemfile.c: what pemfile_parse() finds in crafted files, what
 * pemfile_check_usable() says about them, and serialize/parse round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include <openssl/pem.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "x509/chain.h"
#include "x509/pemfile.h"
#include "x509gen.h"

/* What the last call that failed recorded. */
static struct err err;

#define SHOWN	"/ctl/servercert.pem"

/* Two EC keys with a self-signed certificate each, and an RSA pair. */
static EVP_PKEY *key1, *key2, *rsakey;
static X509 *cert1, *cert2, *rsacert;

static char file[65536];	/* the crafted file */

static X509 *
self_signed(EVP_PKEY *key, const char *host)
{
	struct cert_request req = { host, NULL, 0, 30, USAGE_SERVER };
	X509 *cert = x509gen_self_signed(key, &req, &err);

	if (cert == NULL)
		fail_msg("x509gen_self_signed: %s", err.text);
	return cert;
}

static int
setup(void **state)
{
	(void)state;
	key1 = x509gen_new_key(KEY_EC_P256, &err);
	key2 = x509gen_new_key(KEY_EC_P256, &err);
	rsakey = x509gen_new_key(KEY_RSA2048, &err);
	if (key1 == NULL || key2 == NULL || rsakey == NULL)
		return -1;
	cert1 = self_signed(key1, "one.example");
	cert2 = self_signed(key2, "two.example");
	rsacert = self_signed(rsakey, "rsa.example");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(cert1);
	X509_free(cert2);
	X509_free(rsacert);
	EVP_PKEY_free(key1);
	EVP_PKEY_free(key2);
	EVP_PKEY_free(rsakey);
	return 0;
}

/* Append text, or the PEM of a key (cipher: encrypted) or certificate. */
static void
add_text(const char *text)
{
	size_t used = strlen(file);

	assert_true(used + strlen(text) < sizeof(file));
	memcpy(file + used, text, strlen(text) + 1);
}

static void
add_bio(BIO *bio)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	size_t used = strlen(file);

	assert_true(n > 0 && used + (size_t)n < sizeof(file));
	memcpy(file + used, p, (size_t)n);
	file[used + (size_t)n] = '\0';
	BIO_free(bio);
}

static void
add_key(EVP_PKEY *key, const EVP_CIPHER *cipher, int traditional)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	if (traditional)
		assert_true(PEM_write_bio_PrivateKey_traditional(bio, key,
		    cipher, (unsigned char *)"secret", cipher ? 6 : 0, NULL,
		    NULL));
	else
		assert_true(PEM_write_bio_PrivateKey(bio, key, cipher,
		    (unsigned char *)"secret", cipher ? 6 : 0, NULL, NULL));
	add_bio(bio);
}

static void
add_cert(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_true(PEM_write_bio_X509(bio, cert));
	add_bio(bio);
}

static void
parse(struct pem_bundle *b)
{
	assert_int_equal(pemfile_parse(file, strlen(file), b, &err), 0);
}

static void
assert_unusable(const struct pem_bundle *b, const char *says)
{
	err_clear(&err);
	assert_int_equal(pemfile_check_usable(b, SHOWN, &err), -1);
	assert_int_equal(err.status, EX_DATAERR);
	assert_non_null(strstr(err.text, SHOWN));
	if (strstr(err.text, says) == NULL)
		fail_msg("message '%s' does not say '%s'", err.text, says);
	assert_null(strchr(err.text, '\n'));
}

/* Usable, and does it need a rewrite into qmail-pem's layout? */
static int
usable_needs_rewrite(const struct pem_bundle *b)
{
	struct chain_result chain;
	int rewrite;

	assert_int_equal(pemfile_check_usable(b, SHOWN, &err), 0);
	assert_int_equal(chain_build(b->key, b->certs, SHOWN, &chain, &err), 0);
	rewrite = pemfile_needs_rewrite(b, chain.chain);
	chain_free(&chain);
	return rewrite;
}

static int
reset(void **state)
{
	(void)state;
	file[0] = '\0';
	err_clear(&err);
	return 0;
}

static void
test_key_then_cert(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_key(key1, NULL, 0);
	add_cert(cert1);
	parse(&b);
	assert_int_equal(b.nblocks, 2);
	assert_int_equal(b.nkeys, 1);
	assert_int_equal(sk_X509_num(b.certs), 1);
	assert_int_equal(EVP_PKEY_eq(b.key, key1), 1);
	assert_int_equal(b.encrypted_keys + b.bad_keys + b.bad_certs +
	    b.truncated + b.other_blocks + b.garbage + b.key_after_cert, 0);
	assert_false(usable_needs_rewrite(&b));
	pemfile_free(&b);
}

static void
test_key_after_cert(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_cert(cert1);
	add_key(key1, NULL, 0);
	parse(&b);
	assert_int_equal(b.key_after_cert, 1);
	assert_true(usable_needs_rewrite(&b));
	pemfile_free(&b);
}

static void
test_garbage_between_blocks(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_text("Bag Attributes\n    localKeyID: 01 02 03\n\n \t\r\n");
	add_key(key1, NULL, 0);
	add_text("subject=CN = one.example\n");
	add_cert(cert1);
	parse(&b);
	assert_int_equal(b.garbage, 3);	/* blank lines do not count */
	assert_int_equal(b.nkeys, 1);
	assert_int_equal(sk_X509_num(b.certs), 1);
	assert_true(usable_needs_rewrite(&b));
	pemfile_free(&b);
}

static void
test_crlf_line_ends(void **state)
{
	struct pem_bundle b;
	char crlf[sizeof(file)], *p, *q;

	(void)state;
	add_key(key1, NULL, 0);
	add_cert(cert1);
	for (p = file, q = crlf; *p; p++) {
		if (*p == '\n')
			*q++ = '\r';
		*q++ = *p;
	}
	*q = '\0';
	snprintf(file, sizeof(file), "%s", crlf);
	parse(&b);
	assert_int_equal(b.nkeys, 1);
	assert_int_equal(sk_X509_num(b.certs), 1);
	assert_int_equal(b.garbage + b.truncated + b.bad_certs, 0);
	assert_int_equal(pemfile_check_usable(&b, SHOWN, &err), 0);
	pemfile_free(&b);
}

static void
test_truncated_certificate(void **state)
{
	struct pem_bundle b;
	char *end;

	(void)state;
	add_key(key1, NULL, 0);
	add_cert(cert1);
	end = strstr(file, "-----END CERTIFICATE-----");
	assert_non_null(end);
	*end = '\0';		/* a copy cut short */
	parse(&b);
	assert_int_equal(b.truncated, 1);
	assert_int_equal(b.bad_certs, 1);
	assert_int_equal(sk_X509_num(b.certs), 0);
	assert_unusable(&b, "the certificate is damaged");
	pemfile_free(&b);
}

static void
test_truncated_block_then_whole_ones(void **state)
{
	struct pem_bundle b;
	char *end;

	(void)state;
	add_cert(cert2);
	end = strstr(file, "-----END CERTIFICATE-----");
	assert_non_null(end);
	*end = '\0';
	add_key(key1, NULL, 0);
	add_cert(cert1);
	parse(&b);
	/* The cut block ends where the next BEGIN starts: both later blocks
	 * are still found, and the file is refused as damaged. */
	assert_int_equal(b.truncated, 1);
	assert_int_equal(b.nkeys, 1);
	assert_int_equal(EVP_PKEY_eq(b.key, key1), 1);
	assert_int_equal(sk_X509_num(b.certs), 1);
	assert_unusable(&b, "cut short");
	pemfile_free(&b);
}

static void
test_two_keys(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_key(key1, NULL, 0);
	add_key(key2, NULL, 0);
	add_cert(cert1);
	parse(&b);
	assert_int_equal(b.nkeys, 2);
	assert_int_equal(EVP_PKEY_eq(b.key, key1), 1);
	assert_unusable(&b, "holds 2 private keys");
	pemfile_free(&b);
}

static void
test_encrypted_pkcs8_key(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_key(key1, EVP_aes_256_cbc(), 0);
	add_cert(cert1);
	assert_non_null(strstr(file, "ENCRYPTED PRIVATE KEY"));
	parse(&b);
	assert_int_equal(b.encrypted_keys, 1);
	assert_null(b.key);
	assert_unusable(&b, "encrypted");
	pemfile_free(&b);
}

static void
test_encrypted_traditional_key(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_key(rsakey, EVP_aes_128_cbc(), 1);
	add_cert(rsacert);
	assert_non_null(strstr(file, "Proc-Type: 4,ENCRYPTED"));
	parse(&b);
	assert_int_equal(b.encrypted_keys, 1);
	assert_null(b.key);
	assert_unusable(&b, "encrypted");
	pemfile_free(&b);
}

static void
test_unknown_block(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_key(key1, NULL, 0);
	add_cert(cert1);
	add_text("-----BEGIN DH PARAMETERS-----\nMAYCAQ==\n"
	    "-----END DH PARAMETERS-----\n");
	parse(&b);
	assert_int_equal(b.other_blocks, 1);
	assert_string_equal(b.other_type, "DH PARAMETERS");
	assert_true(usable_needs_rewrite(&b));
	pemfile_free(&b);
}

static void
test_damaged_key(void **state)
{
	struct pem_bundle b;
	char *body;

	(void)state;
	add_key(key1, NULL, 0);
	add_cert(cert1);
	body = strstr(file, "KEY-----\n");
	assert_non_null(body);
	memcpy(body + 9 + 10, "!!!!", 4);
	parse(&b);
	assert_int_equal(b.nkeys, 1);
	assert_int_equal(b.bad_keys, 1);
	assert_null(b.key);
	assert_unusable(&b, "damaged");
	pemfile_free(&b);
}

static void
test_key_and_certificate_do_not_match(void **state)
{
	struct pem_bundle b;

	(void)state;
	add_key(key1, NULL, 0);
	add_cert(cert2);
	parse(&b);
	assert_unusable(&b, "does not match");
	pemfile_free(&b);
}

static void
test_missing_parts(void **state)
{
	struct pem_bundle b;

	(void)state;
	parse(&b);
	assert_int_equal(b.nblocks, 0);
	assert_unusable(&b, "no private key found");
	pemfile_free(&b);
	add_cert(cert1);
	parse(&b);
	assert_unusable(&b, "no private key found");
	pemfile_free(&b);
	reset(NULL);
	add_key(key1, NULL, 0);
	parse(&b);
	assert_unusable(&b, "no certificate found");
	pemfile_free(&b);
}

static void
test_binary_junk(void **state)
{
	struct pem_bundle b;
	unsigned char junk[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	memcpy(junk + 100, "-----BEGIN CERTIFICATE-----\n\0\n", 31);
	assert_int_equal(pemfile_parse((const char *)junk, sizeof(junk), &b,
	    &err),
	    0);
	assert_true(b.garbage > 0);
	assert_null(b.key);
	assert_unusable(&b, "no private key");
	pemfile_free(&b);
}

/* Serialize key + chain, parse it back: the same objects, our layout. */
static void
round_trip(EVP_PKEY *key, X509 *leaf, X509 *second, const char *first_line)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct pem_bundle b;
	char *out = NULL;
	size_t len = 0;

	assert_non_null(chain);
	assert_true(sk_X509_push(chain, leaf));
	assert_true(sk_X509_push(chain, second));
	assert_int_equal(pemfile_serialize(key, chain, &out, &len, &err), 0);
	assert_int_equal(strlen(out), len);
	assert_int_equal(strncmp(out, first_line, strlen(first_line)), 0);
	assert_null(strstr(out, "ENCRYPTED"));
	assert_int_equal(pemfile_parse(out, len, &b, &err), 0);
	assert_int_equal(EVP_PKEY_eq(b.key, key), 1);
	assert_int_equal(b.nkeys, 1);
	assert_int_equal(sk_X509_num(b.certs), 2);
	assert_int_equal(X509_cmp(sk_X509_value(b.certs, 0), leaf), 0);
	assert_int_equal(X509_cmp(sk_X509_value(b.certs, 1), second), 0);
	assert_int_equal(pemfile_needs_rewrite(&b, chain), 0);
	assert_int_equal(b.garbage + b.other_blocks + b.key_after_cert, 0);
	pemfile_free(&b);
	secret_free(out, len);
	sk_X509_free(chain);	/* does not own the certificates */
}

static void
test_round_trip_rsa_traditional(void **state)
{
	(void)state;
	round_trip(rsakey, rsacert, cert2, "-----BEGIN RSA PRIVATE KEY-----\n");
}

static void
test_round_trip_ec_pkcs8(void **state)
{
	(void)state;
	round_trip(key1, cert1, cert2, "-----BEGIN PRIVATE KEY-----\n");
}

static void
test_copy_bytes(void **state)
{
	char *copy;

	(void)state;
	copy = secret_copy("abc\0def", 7, &err);
	assert_non_null(copy);
	assert_memory_equal(copy, "abc\0def", 7);
	assert_int_equal(copy[7], '\0');
	secret_free(copy, 7);
	secret_free(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_key_then_cert, reset),
		cmocka_unit_test_setup(test_key_after_cert, reset),
		cmocka_unit_test_setup(test_garbage_between_blocks, reset),
		cmocka_unit_test_setup(test_crlf_line_ends, reset),
		cmocka_unit_test_setup(test_truncated_certificate, reset),
		cmocka_unit_test_setup(test_truncated_block_then_whole_ones,
		    reset),
		cmocka_unit_test_setup(test_two_keys, reset),
		cmocka_unit_test_setup(test_encrypted_pkcs8_key, reset),
		cmocka_unit_test_setup(test_encrypted_traditional_key, reset),
		cmocka_unit_test_setup(test_unknown_block, reset),
		cmocka_unit_test_setup(test_damaged_key, reset),
		cmocka_unit_test_setup(test_key_and_certificate_do_not_match,
		    reset),
		cmocka_unit_test_setup(test_missing_parts, reset),
		cmocka_unit_test_setup(test_binary_junk, reset),
		cmocka_unit_test_setup(test_round_trip_rsa_traditional, reset),
		cmocka_unit_test_setup(test_round_trip_ec_pkcs8, reset),
		cmocka_unit_test_setup(test_copy_bytes, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
