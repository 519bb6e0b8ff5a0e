/*
 * secret.h: buffers that hold key material or a password.
 *
 * One kind of buffer for every secret qmail-pem holds outside an OpenSSL
 * object: the bytes of a key file read from disk, a key file about to be
 * written, a password.  They come from OpenSSL's secure heap when one is
 * set up (else the ordinary heap) and are cleansed when freed.  A buffer
 * always has room for len + 1 bytes, so that it can end in a NUL.
 */
#ifndef QP_SECRET_H
#define QP_SECRET_H

#include <stddef.h>

#include "base/err.h"

/* len + 1 bytes, uninitialized; NULL with a message when out of memory. */
char *secret_alloc(size_t len, struct err *err);
/* A NUL-terminated copy of data[0..len). */
char *secret_copy(const void *data, size_t len, struct err *err);
/* Cleanse len + 1 bytes and free (NULL is ignored). */
void secret_free(char *data, size_t len);

#endif
