/*
 * x509gen.h: private keys and self-signed certificates.
 *
 * Never opens a file.  Functions return NULL or -1 with a message (and
 * OpenSSL's reasons) in their struct err on failure.
 */
#ifndef QP_X509GEN_H
#define QP_X509GEN_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"

enum key_type {
	KEY_RSA2048, KEY_RSA3072, KEY_RSA4096, KEY_EC_P256, KEY_EC_P384,
	KEY_ED25519
};

/* The most subjectAltNames qmail-pem puts in a certificate besides the
 * host name (--san, or those of a certificate it renews). */
#define X509GEN_MAX_SANS	64

/* Extended key usage wanted in a certificate (a bit set). */
#define USAGE_SERVER	1
#define USAGE_CLIENT	2

struct cert_request {
	const char		*hostname;	/* CN (if it fits in 64
						 * characters) and first SAN */
	const char *const	*sans;		/* further DNS names */
	size_t			 nsans;
	int			 days;		/* validity from now */
	int			 usage;		/* USAGE_* bits */
};

int x509gen_parse_key_type(const char *name, enum key_type *type,
    struct err *err);
const char *x509gen_key_type_name(enum key_type type);
int x509gen_key_type_is_rsa(enum key_type type);

/* A DNS name qmail-pem accepts for CN/SAN ("*." prefix allowed). */
int x509gen_valid_dns_name(const char *name);

EVP_PKEY *x509gen_new_key(enum key_type type, struct err *err);
X509 *x509gen_self_signed(EVP_PKEY *key, const struct cert_request *req,
    struct err *err);

/*
 * A certificate signing request for key: subject CN = req->hostname, or
 * the DN `subject' ("/O=Example/CN=mail.example.com", openssl req -subj
 * form; CN=hostname is added when it has no CN), and a subjectAltName
 * with the hostname and every SAN.  A host name longer than a CN holds
 * (64) is left out of the subject, which may then be empty (the
 * subjectAltName is then critical).  req->days and req->usage are unused.
 */
X509_REQ *x509gen_request(EVP_PKEY *key, const struct cert_request *req,
    const char *subject, struct err *err);
/* Parse a "/type=value/..." DN (backslash escapes the next character). */
X509_NAME *x509gen_parse_dn(const char *dn, struct err *err);

int x509gen_key_is_rsa(const EVP_PKEY *key);
/* "RSA 2048", "EC P-256", "ED25519" */
const char *x509gen_describe_key(const EVP_PKEY *key, char *buf, size_t size);
/* SHA-256 of the DER SubjectPublicKeyInfo (the TLSA 3 1 1 digest). */
int x509gen_pubkey_sha256(const EVP_PKEY *key, unsigned char digest[32],
    struct err *err);
/* Lower-case hex of a digest; buf must hold 2 * len + 1 bytes. */
void x509gen_hex(const unsigned char *digest, size_t len, char *buf);

#endif
