/*
 * chain.h: put certificates in the order qmail's TLS patch needs.
 *
 * SSL_CTX_use_certificate_chain_file() takes the first certificate as the
 * leaf and sends the rest as they come, so the file must hold the leaf
 * (the certificate of the private key), then the certificate that issued
 * it, and so on.  A self-signed root is not sent and is dropped.
 */
#ifndef QP_CHAIN_H
#define QP_CHAIN_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"

struct chain_result {
	STACK_OF(X509)	*chain;		/* leaf first; owns references */
	int		 dropped_roots;	/* self-signed CA certs left out */
	int		 duplicates;	/* identical certificates left out */
	int		 reordered;	/* input was not leaf first, in order */
};

/*
 * Order certs for key.  A certificate that is neither on the path from the
 * leaf nor a root above it is an error, as is a leaf that is not found.
 * `shown' names the input in messages.
 */
int chain_build(EVP_PKEY *key, const STACK_OF(X509) *certs, const char *shown,
    struct chain_result *result, struct err *err);
void chain_free(struct chain_result *result);

/* A self-signed certificate (subject == issuer and the signature checks). */
int chain_is_self_signed(X509 *cert);

/* subject was issued by issuer (names, key identifiers, key usage). */
int chain_issued_by(X509 *issuer, X509 *subject);

/* "CN=..., O=..." of a certificate subject, for messages. */
const char *chain_subject(X509 *cert, char *buf, size_t size);
/* The same of any name (an issuer, a CRL's issuer); "" when empty. */
const char *chain_name(const X509_NAME *name, char *buf, size_t size);

#endif
