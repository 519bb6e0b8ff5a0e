/*
 * newcert.h: new keys and self-signed certificates, as key files.
 *
 * What install and rotate make when there is no key and certificate to
 * keep or import: a key of the type asked for (DEFAULT_KEY_TYPE) and a
 * self-signed certificate for the host name (--hostname, else
 * control/me) and the --san names, serialized in the layout qmail reads.
 */
#ifndef QP_NEWCERT_H
#define QP_NEWCERT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "perms.h"
#include "x509gen.h"

/* Settings for newly made keys and certificates. */
struct newcert_opts {
	const char	*hostname;	/* NULL: sni, else read DIR/me */
	const char	*sni;		/* --sni NAME: the default host */
	const char	*sans[X509GEN_MAX_SANS];
	size_t		 nsans;
	enum key_type	 key_type;	/* DEFAULT_KEY_TYPE */
	int		 key_type_given;
	int		 days;		/* DEFAULT_DAYS */
};

/* The host name for new certificates: --hostname, else --sni's NAME,
 * else the first line of DIR/me; none is an error (EX_CONFIG). */
int newcert_hostname(const struct perms_dir *dir, const struct newcert_opts *o,
    char *buf, size_t size, struct err *err);

/* A new key and self-signed certificate, serialized for a control file;
 * note says what it is ("rsa2048 key, self-signed for HOST, 365 days,
 * serverAuth"). */
int newcert_make(const struct newcert_opts *o, const char *hostname,
    int usage, char **content, size_t *len, char *note, size_t notesize,
    struct err *err);

/* A new self-signed certificate for key (kept), serialized with it. */
int newcert_resign(EVP_PKEY *key, const struct cert_request *req,
    char **content, size_t *len, char *note, size_t notesize,
    struct err *err);

/* Warn once when a key type is not RSA. */
void newcert_warn_non_rsa(enum key_type type);

#endif
