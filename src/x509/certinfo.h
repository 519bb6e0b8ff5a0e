/*
 * certinfo.h: what rotate needs to know about a certificate it renews.
 *
 * The names it was made for and which key type would make a like-for-like
 * key.  Never opens a file.  (How long it has left is verify's rule:
 * verify_describe_cert() and verify_days().)
 */
#ifndef QP_CERTINFO_H
#define QP_CERTINFO_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "x509gen.h"

/* The DNS names of a certificate: the host name (CN) and the others. */
struct cert_names {
	char		 host[256];
	char		 sans[X509GEN_MAX_SANS][256];
	const char	*sanp[X509GEN_MAX_SANS];	/* points into sans */
	size_t		 nsans;
};

/*
 * The names of cert: its CN when that is a valid DNS name (else its first
 * DNS subjectAltName), and every further DNS subjectAltName.  Returns -1
 * without a message when the certificate names no usable host.
 */
int certinfo_names(X509 *cert, struct cert_names *names);

/* The key type qmail-pem would generate to replace key like for like:
 * RSA keeps its size class (at least 2048), EC P-256/P-384 and Ed25519
 * stay; anything else becomes rsa2048. */
enum key_type certinfo_key_type(const EVP_PKEY *key);

#endif
