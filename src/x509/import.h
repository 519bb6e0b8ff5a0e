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
#include "x509/passin.h"

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
