/*
 * importfiles.h: what the administrator imports, from the command line
 * to decoded keys and certificates (x509/import.h, x509/importchain.h).
 */
#ifndef QP_IMPORTFILES_H
#define QP_IMPORTFILES_H

#include <stddef.h>
#include <openssl/evp.h>

#include "base/err.h"
#include "perms.h"
#include "x509/importchain.h"
#include "x509/passin.h"

#define IMPORT_MAX_CHAIN	8

/* What to import, from the command line. */
struct import_src {
	const char	*key;			/* --key FILE */
	const char	*cert;			/* --cert FILE */
	const char	*chain[IMPORT_MAX_CHAIN];	/* --chain FILE ... */
	size_t		 nchain;
	const char	*pkcs12;		/* --pkcs12 FILE */
	int		 from_certbot;		/* --from-certbot */
	const char	*lineage;		/* its directory, if given */
	struct passin	*passin;		/* NULL: no --passin */
	int		 force;			/* --force: install expired */
};

/* Was any import option given? */
int import_requested(const struct import_src *src);

/* Read and decode the inputs; a certbot lineage defaults to
 * $RENEWED_LINEAGE.  r->key stays NULL when only certificates are given. */
int import_read(struct import_src *src, struct import_result *r,
    struct err *err);

/*
 * --cert without --key: the key whose public key is the certificate's,
 * from the pending key of `qmail-pem csr --new-key' first, then from
 * srv_key (the key in servercert.pem, NULL if none is usable).  Sets
 * *pending when the pending key was taken.  No match is an error naming
 * every key tried, and csr, the command that makes a request
 * ("qmail-pem csr -d DIR").
 */
int import_find_key(const struct perms_dir *dir, const char *pending_name,
    const char *csr, EVP_PKEY *srv_key, const char *srv_problem,
    struct import_result *r, int *pending, struct err *err);

#endif
