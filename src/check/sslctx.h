/*
 * sslctx.h: the one SSL_CTX of a command, for the checks that ask libssl
 * what qmail's TLS patch would get (the read test, the cipher lists).
 */
#ifndef QP_CHECK_SSLCTX_H
#define QP_CHECK_SSLCTX_H

#include <openssl/ssl.h>

/* TLS_method(), the system's configuration applied, never prompting for
 * a password; made on the first call, kept for the command (the caller
 * does not free it).  NULL with OpenSSL's reasons on its error queue when
 * libssl cannot make one. */
SSL_CTX *sslctx_shared(void);

#endif
