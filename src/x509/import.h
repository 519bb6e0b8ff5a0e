/*
 * import.h: keys and certificates from outside the control directory.
 *
 * Reads what the administrator names (--key, --cert, --chain, --pkcs12,
 * a certbot lineage), following symlinks but only to regular files, and
 * decodes it from memory with OpenSSL (OSSL_STORE for keys, PEM/DER
 * certificate readers, PKCS12_parse).  Then checks that the pieces make
 * one chain for one key, leaf first, valid now.  Writes nothing.
 */
#ifndef QP_IMPORT_H
#define QP_IMPORT_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "perms.h"
#include "x509/chain.h"
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

struct import_result {
	EVP_PKEY		*key;		/* NULL: --cert without --key */
	STACK_OF(X509)		*certs;		/* every certificate read */
	char			 key_file[4096];	/* for messages */
	char			 cert_files[4096];
	struct chain_result	 chain;		/* set by import_finish() */
	char			 note[512];	/* what was imported */
};

/* Was any import option given? */
int import_requested(const struct import_src *src);

/* Read and decode the inputs; a certbot lineage defaults to
 * $RENEWED_LINEAGE.  r->key stays NULL when only certificates are given. */
int import_read(struct import_src *src, struct import_result *r,
    struct err *err);

/*
 * With r->key set (from the input or found by import_find_key()): check
 * that a certificate matches the key, order the chain leaf first (roots
 * dropped, named in r->note), refuse a chain that does not link up and,
 * unless force, a certificate that is not valid now.
 */
int import_finish(struct import_result *r, int force, struct err *err);

/*
 * --cert without --key: the key whose public key is the certificate's,
 * from the pending key of `qmail-pem csr --new-key' first, then from
 * srv_key (the key in servercert.pem, NULL if none is usable).  Sets
 * *pending when the pending key was taken.  No match is an error naming
 * every key tried.
 */
int import_find_key(const struct perms_dir *dir, const char *pending_name,
    EVP_PKEY *srv_key, const char *srv_problem, struct import_result *r,
    int *pending, struct err *err);

void import_free(struct import_result *r);

/*
 * The decoders, on memory, for the command and for fuzz targets.  shown
 * and opt name the input in messages ("key.pem", "--key").  passin may be
 * NULL (an encrypted input is then refused, asking for --passin).
 */
int import_decode_key(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, const char *opt,
    EVP_PKEY **key, struct err *err);
/* Appends to certs. */
int import_decode_certs(const unsigned char *data, size_t len,
    const char *shown, const char *opt, STACK_OF(X509) *certs, struct err *err);
/* Sets *key and appends every certificate to certs. */
int import_decode_pkcs12(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, EVP_PKEY **key,
    STACK_OF(X509) *certs, struct err *err);

#endif
