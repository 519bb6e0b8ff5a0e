/*
 * tlsa.h: qmail-pem tlsa, the DANE records of the server key, and the
 * records rotate prints for a staged or committed key.
 */
#ifndef QP_TLSA_H
#define QP_TLSA_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "ops/common.h"
#include "perms.h"

#define TLSA_RECORD_MAX		384

/* "_25._tcp.HOST. IN TLSA 3 1 1 <sha256 of the SubjectPublicKeyInfo>" */
int tlsa_record(const EVP_PKEY *key, const char *host, char *buf,
    size_t size, struct err *err);

/* The mail host of the TLSA records: --hostname, else DIR/me, else the CN
 * of the server certificate (leaf may be NULL). */
int tlsa_hostname(const struct perms_dir *dir, const char *given, X509 *leaf,
    char *buf, size_t size, struct err *err);

struct tlsa_opts {
	struct common_opts	 c;		/* -d, --hostname */
	int			 staged;	/* --staged */
};

/* Print the records of servercert.pem (and, --staged, of
 * servercert.pem.next). */
int tlsa_run(struct tlsa_opts *o, struct err *err);

#endif
