/*
 * importchain.h: the pieces of an import (a key and certificates, from
 * x509/import.h's decoders) checked to make one chain for one key.
 */
#ifndef QP_IMPORTCHAIN_H
#define QP_IMPORTCHAIN_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "x509/chain.h"

struct import_result {
	EVP_PKEY		*key;		/* NULL: --cert without --key */
	STACK_OF(X509)		*certs;		/* every certificate read */
	char			 key_file[4096];	/* for messages */
	char			 cert_files[4096];
	struct chain_result	 chain;		/* set by import_finish() */
	char			 note[512];	/* what was imported */
};

/*
 * With r->key set (from the input or found by import_find_key()): check
 * that a certificate matches the key, order the chain leaf first (roots
 * dropped, named in r->note), refuse a chain that does not link up and,
 * unless force, a certificate that is not valid now.
 */
int import_finish(struct import_result *r, int force, struct err *err);

void import_free(struct import_result *r);

/* Is key the certificate's? */
int import_key_matches(X509 *cert, EVP_PKEY *key);

/* The first 16 hex digits of the SHA-256 of a public key, for messages
 * ("?" when there is none). */
const char *import_short_digest(const EVP_PKEY *key, char *buf,
    size_t size);

#endif
