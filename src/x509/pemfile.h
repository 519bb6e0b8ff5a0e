/*
 * pemfile.h: the combined key + certificate chain PEM file qmail reads.
 *
 * pemfile_parse() splits the bytes into PEM blocks, decodes each with
 * OpenSSL and records what it found, good or bad, so that install can
 * refuse an unusable file and verify can name every problem.  It never
 * prompts for a password: an encrypted key is recorded as such.
 */
#ifndef QP_PEMFILE_H
#define QP_PEMFILE_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"

struct pem_bundle {
	EVP_PKEY	*key;		/* first decodable private key */
	STACK_OF(X509)	*certs;		/* certificates, in file order */
	int		 nblocks;	/* PEM blocks seen */
	int		 nkeys;		/* private key blocks, any state */
	int		 encrypted_keys;
	int		 bad_keys;	/* key blocks that did not decode */
	int		 bad_certs;	/* certificate blocks that did not decode */
	int		 truncated;	/* a BEGIN line without its END */
	int		 other_blocks;	/* DH PARAMETERS, CSRs, public keys ... */
	char		 other_type[64];
	int		 garbage;	/* non-blank text outside PEM blocks */
	int		 key_after_cert; /* first key comes after a certificate */
};

/* Parse; returns -1 only when out of memory.  Free with pemfile_free(). */
int pemfile_parse(const char *data, size_t len, struct pem_bundle *bundle,
    struct err *err);
void pemfile_free(struct pem_bundle *bundle);

/* Index in bundle->certs of the first certificate of bundle->key, or -1. */
int pemfile_key_cert_index(const struct pem_bundle *bundle);

/*
 * Is the bundle something qmail can load: one unencrypted private key and
 * at least one certificate, the key matching one of them?  On failure a
 * message naming `shown' and the fix is recorded (EX_DATAERR).
 */
int pemfile_check_usable(const struct pem_bundle *bundle, const char *shown,
    struct err *err);

/* Does the file need rewriting to be in qmail-pem's layout: key first,
 * then the chain leaf first, nothing else?  chain is the ordered chain. */
int pemfile_needs_rewrite(const struct pem_bundle *bundle,
    const STACK_OF(X509) *chain);

/*
 * Serialize key + chain: the unencrypted key (RSA in the traditional
 * "RSA PRIVATE KEY" form every qmail TLS patch loads, others as PKCS#8),
 * then each certificate.  *out is freed with secret_free().
 */
int pemfile_serialize(EVP_PKEY *key, const STACK_OF(X509) *chain,
    char **out, size_t *len, struct err *err);

#endif
