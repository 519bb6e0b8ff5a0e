/*
 * keydecode.c: private keys decoded with one decoder context per key type.
 *
 * OpenSSL 3.0's PEM_read_bio_PrivateKey builds a chain of decoders for
 * every key type and structure it knows on each call, which costs more
 * than the decoding (issue 26: 41 % of verify).  The BEGIN line, or for
 * PKCS#8 the algorithm in the key's first bytes, says which type the key
 * is; a context built for that type alone is much smaller, and it is
 * kept for the next key of the type in the same process.  Whatever this
 * cannot tell (an unknown algorithm, a damaged block) goes to
 * PEM_read_bio_PrivateKey as before, so what decodes and what does not is
 * OpenSSL's decision either way.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "x509/keydecode.h"

/* The decoder contexts of this process: one per key type it met. */
static struct keyctx {
	char		 keytype[16];
	OSSL_DECODER_CTX *ctx;
	EVP_PKEY	*out;		/* where ctx puts what it decodes */
} cache[6];

int
keydecode_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* The key type a PKCS#8 PrivateKeyInfo block holds, or NULL. */
static const char *
pkcs8_keytype(const char *pem, size_t len)
{
	PKCS8_PRIV_KEY_INFO *p8;
	const ASN1_OBJECT *alg;
	const char *type = NULL;
	BIO *bio;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	p8 = PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio, NULL, keydecode_no_password,
	    NULL);
	BIO_free(bio);
	if (p8 == NULL || !PKCS8_pkey_get0(&alg, NULL, NULL, NULL, p8)) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		return NULL;
	}
	switch (OBJ_obj2nid(alg)) {
	case NID_rsaEncryption:		type = "RSA"; break;
	case NID_rsassaPss:		type = "RSA-PSS"; break;
	case NID_X9_62_id_ecPublicKey:	type = "EC"; break;
	case NID_ED25519:		type = "ED25519"; break;
	case NID_ED448:			type = "ED448"; break;
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	return type;
}

static const char *
keytype_of(const char *pem, size_t len, const char *type)
{
	if (strcmp(type, "RSA PRIVATE KEY") == 0)
		return "RSA";
	if (strcmp(type, "EC PRIVATE KEY") == 0)
		return "EC";
	if (strcmp(type, "PRIVATE KEY") == 0)
		return pkcs8_keytype(pem, len);
	return NULL;
}

static struct keyctx *
context_for(const char *keytype)
{
	struct keyctx *k;
	size_t i;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
		k = &cache[i];
		if (k->ctx != NULL && strcmp(k->keytype, keytype) == 0)
			return k;
		if (k->ctx != NULL)
			continue;
		k->ctx = OSSL_DECODER_CTX_new_for_pkey(&k->out, "PEM", NULL,
		    keytype, OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
		if (k->ctx == NULL)
			return NULL;
		if (OSSL_DECODER_CTX_get_num_decoders(k->ctx) == 0) {
			OSSL_DECODER_CTX_free(k->ctx);
			k->ctx = NULL;
			return NULL;
		}
		snprintf(k->keytype, sizeof(k->keytype), "%s", keytype);
		return k;
	}
	return NULL;
}

EVP_PKEY *
keydecode_pem(const char *pem, size_t len, const char *type)
{
	const char *keytype = keytype_of(pem, len, type);
	struct keyctx *k = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio;

	ERR_set_mark();
	if (keytype != NULL)
		k = context_for(keytype);
	ERR_pop_to_mark();
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	if (k != NULL) {
		k->out = NULL;
		ERR_set_mark();
		if (OSSL_DECODER_from_bio(k->ctx, bio) == 1 && k->out != NULL) {
			key = k->out;
			ERR_pop_to_mark();
		} else {
			EVP_PKEY_free(k->out);
			ERR_pop_to_mark();
			(void)BIO_reset(bio);
		}
		k->out = NULL;
	}
	if (key == NULL)	/* OpenSSL's own choice, and its reasons */
		key = PEM_read_bio_PrivateKey(bio, NULL,
		    keydecode_no_password, NULL);
	BIO_free(bio);
	return key;
}

/* [*type] the TYPE of a "-----BEGIN TYPE-----" line at p, or 0. */
static int
begin_line(const char *p, const char *end, char *type, size_t size)
{
	static const char tag[] = "-----BEGIN ";
	const char *eol = memchr(p, '\n', (size_t)(end - p)), *q;
	size_t n;

	if (eol == NULL)
		eol = end;
	while (eol > p && (eol[-1] == '\r' || eol[-1] == ' '))
		eol--;
	if ((size_t)(eol - p) < sizeof(tag) - 1 + 5 ||
	    memcmp(p, tag, sizeof(tag) - 1) != 0 ||
	    memcmp(eol - 5, "-----", 5) != 0)
		return 0;
	q = p + sizeof(tag) - 1;
	n = (size_t)(eol - 5 - q);
	if (n == 0 || n >= size)
		return 0;
	memcpy(type, q, n);
	type[n] = '\0';
	return 1;
}

EVP_PKEY *
keydecode_first(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	char type[64];
	size_t n;
	EVP_PKEY *key;
	BIO *bio;

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!begin_line(p, end, type, sizeof(type)))
			continue;
		n = strlen(type);
		if (n >= 11 && strcmp(type + n - 11, "PRIVATE KEY") == 0)
			return keydecode_pem(p, (size_t)(end - p), type);
	}
	/* None found by this scan: OpenSSL's reader says why. */
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	key = PEM_read_bio_PrivateKey(bio, NULL, keydecode_no_password, NULL);
	BIO_free(bio);
	return key;
}

void
keydecode_cleanup(void)
{
	size_t i;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
		OSSL_DECODER_CTX_free(cache[i].ctx);
		memset(&cache[i], 0, sizeof(cache[i]));
	}
}
