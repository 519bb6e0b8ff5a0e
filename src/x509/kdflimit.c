/*
 * kdflimit.c: bounds on the key-derivation cost an input asks for.
 *
 * OpenSSL derives whatever a file names: a PKCS#12 MAC with 2^31-1
 * iterations or an scrypt key with p = 32767 each took more than ten
 * minutes of CPU before the password could even be checked.  The
 * parameters are read here with OpenSSL's own ASN.1 types (PBEPARAM,
 * PBE2PARAM, PBKDF2PARAM, SCRYPT_PARAMS) before any derivation, and a file
 * beyond the limits of kdflimit.h is refused, saying which parameter.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "base/err.h"
#include "x509/kdflimit.h"

#define MAX_NESTING	8	/* safeContents bags inside each other */
#define MAX_OBJECTS	1000	/* DER objects or PEM blocks looked at */

static const char refused[] = "qmail-pem refuses to compute that much "
    "for a password; export the file again with the usual settings "
    "(openssl's defaults)";

static int
check_iterations(const ASN1_INTEGER *iter, const char *shown,
    const char *what, const char *param, struct err *err)
{
	uint64_t n;

	if (iter == NULL)
		return 0;
	if (ASN1_INTEGER_get_uint64(&n, iter)) {
		if (n <= KDFLIMIT_MAX_ITERATIONS)
			return 0;
		return err_set(err, EX_DATAERR,
		    "%s: the %s iteration count of %s "
		    "is %" PRIu64 ", more than the %d qmail-pem allows (real "
		    "files use at most a few hundred thousand): %s", shown,
		    param, what, n, KDFLIMIT_MAX_ITERATIONS, refused);
	}
	ERR_clear_error();
	return err_set(err, EX_DATAERR, "%s: the %s iteration count of %s is "
	    "negative or too large to read: %s", shown, param, what, refused);
}

/* scrypt's memory, as OpenSSL computes it: 128 * r * (N + 2 + p) bytes. */
static int
check_scrypt(const X509_ALGOR *kdf, const char *shown, const char *what,
    struct err *err)
{
	SCRYPT_PARAMS *sp;
	uint64_t n = 0, r = 0, p = 0;
	int rc = 0;

	sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS),
	    kdf->parameter);
	if (sp == NULL)		/* OpenSSL cannot read them either */
		goto out;
	if (!ASN1_INTEGER_get_uint64(&n, sp->costParameter) ||
	    !ASN1_INTEGER_get_uint64(&r, sp->blockSize) ||
	    !ASN1_INTEGER_get_uint64(&p, sp->parallelizationParameter)) {
		rc = err_set(err, EX_DATAERR, "%s: the scrypt parameters of %s "
		    "are negative or too large to read: %s", shown, what,
		    refused);
		goto out;
	}
	if (p > KDFLIMIT_SCRYPT_MAX_P) {
		rc = err_set(err, EX_DATAERR, "%s: the scrypt parallelization "
		    "parameter p of %s is %"
		     PRIu64 ", more than the %d " "qmail-pem allows: %s", shown,
		    what, p, KDFLIMIT_SCRYPT_MAX_P, refused);
		goto out;
	}
	if (r == 0 || n < 2)	/* OpenSSL refuses them at once */
		goto out;
	if (r > KDFLIMIT_SCRYPT_MAX_MEM / 128 ||
	    n + 2 + p > KDFLIMIT_SCRYPT_MAX_MEM / 128 / r)
		rc = err_set(err, EX_DATAERR, "%s: the scrypt parameters of %s "
		    "(N=%" PRIu64 ", r=%" PRIu64 ", p=%" PRIu64 ") need more "
		    "than %d MiB of memory, OpenSSL's limit: it would not "
		    "decrypt it with any password; export it again with "
		    "smaller ones (or openssl's defaults)", shown, what, n, r,
		    p, KDFLIMIT_SCRYPT_MAX_MEM / (1024 * 1024));
out:
	SCRYPT_PARAMS_free(sp);
	ERR_clear_error();
	return rc;
}

static int
check_pbes2(const X509_ALGOR *alg, const char *shown, const char *what,
    struct err *err)
{
	PBE2PARAM *pbe2;
	PBKDF2PARAM *kdf = NULL;
	int rc = 0;

	pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM),
	    alg->parameter);
	if (pbe2 == NULL || pbe2->keyfunc == NULL)
		goto out;
	switch (OBJ_obj2nid(pbe2->keyfunc->algorithm)) {
	case NID_id_pbkdf2:
		kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
		    pbe2->keyfunc->parameter);
		if (kdf != NULL)
			rc = check_iterations(kdf->iter, shown, what, "PBKDF2",
			    err);
		break;
	case NID_id_scrypt:
		rc = check_scrypt(pbe2->keyfunc, shown, what, err);
		break;
	default:		/* not one OpenSSL derives */
		break;
	}
out:
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	ERR_clear_error();
	return rc;
}

int
kdflimit_algor(const X509_ALGOR *alg, const char *shown, const char *what,
    struct err *err)
{
	PBEPARAM *pbe;
	int rc;

	if (alg == NULL || alg->algorithm == NULL)
		return 0;
	if (OBJ_obj2nid(alg->algorithm) == NID_pbes2)
		return check_pbes2(alg, shown, what, err);
	/* PBES1 and the PKCS#12 PBE algorithms share PBEPARAM (salt and
	 * iteration count); anything else OpenSSL does not derive. */
	pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM),
	    alg->parameter);
	rc = pbe != NULL ? check_iterations(pbe->iter, shown, what, "PBE",
	    err) : 0;
	PBEPARAM_free(pbe);
	ERR_clear_error();
	return rc;
}

/* One DER object at p that may be an EncryptedPrivateKeyInfo.  What the
 * decoders leave in OpenSSL's error queue kdflimit_keys() clears. */
static int
check_der_key(const unsigned char *p, long len, const char *shown,
    struct err *err)
{
	const unsigned char *q = p;
	const X509_ALGOR *alg = NULL;
	X509_SIG *sig;
	int rc = 0;

	if ((sig = d2i_X509_SIG(NULL, &q, len)) != NULL) {
		X509_SIG_get0(sig, &alg, NULL);
		rc = kdflimit_algor(alg, shown, "the key", err);
	}
	X509_SIG_free(sig);
	return rc;
}

/* The first tag at the start of a line in [from, end). */
static const unsigned char *
line_with(const unsigned char *data, const unsigned char *from,
    const unsigned char *end, const char *tag)
{
	size_t n = strlen(tag);
	const unsigned char *p = from;

	while (p < end && (p = memmem(p, (size_t)(end - p), tag, n)) != NULL) {
		if (p == data || p[-1] == '\n')
			return p;
		p++;
	}
	return NULL;
}

/*
 * DER: a decoder reads one object after another, so every top-level
 * object is looked at (d2i_ASN1_TYPE steps over one, indefinite lengths
 * included); the walk ends where the bytes stop being DER.
 */
static int
check_der(const unsigned char *data, size_t len, const char *shown,
    struct err *err)
{
	const unsigned char *p = data, *q, *end = data + len;
	ASN1_TYPE *obj;
	int i;

	for (i = 0; p < end && i < MAX_OBJECTS; i++) {
		q = p;
		if ((obj = d2i_ASN1_TYPE(NULL, &q, end - p)) == NULL)
			break;
		ASN1_TYPE_free(obj);
		if (check_der_key(p, q - p, shown, err) == -1)
			return -1;
		p = q;
	}
	return 0;
}

/* The block [b, e): decoded into secure memory, as it may be a key. */
static int
check_pem_block(const unsigned char *b, const unsigned char *e,
    const char *shown, struct err *err)
{
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	BIO *bio;
	int rc = 0;

	if ((bio = BIO_new_mem_buf(b, (int)(e - b))) == NULL)
		return err_set_ssl(err, EX_OSERR, "out of memory");
	if (PEM_read_bio_ex(bio, &name, &header, &der, &len,
	    PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) == 1)
		rc = check_der_key(der, len, shown, err);
	OPENSSL_secure_clear_free(der, (size_t)(len > 0 ? len : 0));
	OPENSSL_secure_free(header);
	OPENSSL_secure_free(name);
	BIO_free(bio);
	return rc;
}

/*
 * PEM: a block is a line that starts "-----BEGIN " up to the first line
 * after it that starts "-----END ", as OpenSSL's reader takes it; reading
 * goes on after that line.  A BEGIN line inside a block is tried as well,
 * in case a reader starts over there.  Linear in the size of the input.
 */
static int
check_pem(const unsigned char *data, size_t len, const char *shown,
    struct err *err)
{
	const unsigned char *end = data + len, *b, *last, *p, *e, *eol;
	int i;

	b = line_with(data, data, end, "-----BEGIN ");
	for (i = 0; b != NULL && i < MAX_OBJECTS; i++) {
		if ((e = line_with(data, b + 1, end, "-----END ")) == NULL)
			break;
		eol = memchr(e, '\n', (size_t)(end - e));
		eol = eol ? eol + 1 : end;
		if (check_pem_block(b, eol, shown, err) == -1)
			return -1;
		for (last = b, p = b + 1; (p = line_with(data, p, e,
		    "-----BEGIN ")) != NULL; p++)
			last = p;
		if (last != b && check_pem_block(last, eol, shown, err) == -1)
			return -1;
		b = line_with(data, eol, end, "-----BEGIN ");
	}
	return 0;
}

int
kdflimit_keys(const unsigned char *data, size_t len, const char *shown,
    struct err *err)
{
	int rc = 0;

	if (check_pem(data, len, shown, err) == -1 ||
	    check_der(data, len, shown, err) == -1)
		rc = -1;
	ERR_clear_error();	/* what the decoders left in the queue */
	return rc;
}

int
kdflimit_pkcs12_mac(const PKCS12 *p12, const char *shown, struct err *err)
{
	const ASN1_INTEGER *iter = NULL;

	if (!PKCS12_mac_present(p12))
		return 0;
	PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
	return check_iterations(iter, shown, "its integrity check", "MAC", err);
}

static int
check_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, const char *shown,
    int depth, struct err *err)
{
	const PKCS12_SAFEBAG *bag;
	const X509_ALGOR *alg;
	const X509_SIG *p8;
	int i;

	for (i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
		bag = sk_PKCS12_SAFEBAG_value(bags, i);
		switch (PKCS12_SAFEBAG_get_nid(bag)) {
		case NID_pkcs8ShroudedKeyBag:
			if ((p8 = PKCS12_SAFEBAG_get0_pkcs8(bag)) == NULL)
				break;
			X509_SIG_get0(p8, &alg, NULL);
			if (kdflimit_algor(alg, shown, "a key in it",
			    err) == -1)
				return -1;
			break;
		case NID_safeContentsBag:
			if (depth >= MAX_NESTING)
				return err_set(err, EX_DATAERR, "%s: its bags "
				    "are nested more than %d deep, as no "
				    "exporter writes them: %s", shown,
				    MAX_NESTING, refused);
			if (check_bags(PKCS12_SAFEBAG_get0_safes(bag), shown,
			    depth + 1, err) == -1)
				return -1;
			break;
		default:
			break;
		}
	}
	return 0;
}

int
kdflimit_pkcs12_contents(PKCS12 *p12, const char *pass, const char *shown,
    struct err *err)
{
	STACK_OF(PKCS7) *parts;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	PKCS7 *p7;
	const char *pin = pass;
	int i, rc = 0;

	if ((parts = PKCS12_unpack_authsafes(p12)) == NULL) {
		ERR_clear_error();	/* PKCS12_parse fails on it too */
		return 0;
	}
	/* The empty password is encoded two ways; PKCS12_parse takes the
	 * one the MAC accepts (the MAC's own count was checked). */
	if ((pin == NULL || *pin == '\0') && PKCS12_mac_present(p12) &&
	    PKCS12_verify_mac(p12, NULL, 0))
		pin = NULL;
	for (i = 0; rc == 0 && i < sk_PKCS7_num(parts); i++) {
		p7 = sk_PKCS7_value(parts, i);
		bags = NULL;
		switch (OBJ_obj2nid(p7->type)) {
		case NID_pkcs7_data:
			bags = PKCS12_unpack_p7data(p7);
			break;
		case NID_pkcs7_encrypted:
			if (p7->d.encrypted == NULL ||
			    p7->d.encrypted->enc_data == NULL)
				break;
			rc = kdflimit_algor(p7->d.encrypted->enc_data->algorithm,
			    shown, "its encrypted part", err);
			if (rc == 0)
				bags = PKCS12_unpack_p7encdata(p7, pin, -1);
			break;
		default:
			break;
		}
		if (rc == 0 && bags != NULL)
			rc = check_bags(bags, shown, 0, err);
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(parts, PKCS7_free);
	ERR_clear_error();
	return rc;
}
