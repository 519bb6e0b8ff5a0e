/*
 * keydecode.h: one PEM private key block decoded with a decoder context
 * built once per key type and process.
 */
#ifndef QP_X509_KEYDECODE_H
#define QP_X509_KEYDECODE_H

#include <stddef.h>

#include <openssl/evp.h>

/* Decode the unencrypted private key in the PEM block [pem, pem + len)
 * whose BEGIN line names type ("RSA PRIVATE KEY", "EC PRIVATE KEY",
 * "PRIVATE KEY", ...).  Never prompts.  NULL if it does not decode, with
 * OpenSSL's reasons on its error queue. */
EVP_PKEY *keydecode_pem(const char *pem, size_t len, const char *type);

/* The first private key in a PEM file's bytes, as PEM_read_bio_PrivateKey
 * finds it (the first block whose type ends in "PRIVATE KEY"), decoded
 * as keydecode_pem does; NULL with OpenSSL's reasons if there is none or
 * it does not decode. */
EVP_PKEY *keydecode_first(const char *data, size_t len);

/* An OpenSSL pem_password_cb that refuses (returns -1): given to every
 * PEM read so that OpenSSL never prompts on the terminal; an encrypted
 * key simply fails to decode. */
int keydecode_no_password(char *buf, int size, int rwflag, void *u);

/* Free the cached decoder contexts (at exit, for leak checkers). */
void keydecode_cleanup(void);

#endif
