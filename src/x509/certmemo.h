/*
 * certmemo.h: each certificate of a command decoded once.
 *
 * verify's content checks decode the certificates of a key file, and its
 * read test then loads the same bytes as qmail does; both go through
 * here, so the second decode of the same DER is the first one's object
 * (OpenSSL 3.0 builds a public key decoder for every certificate it
 * decodes: issue 26).
 */
#ifndef QP_X509_CERTMEMO_H
#define QP_X509_CERTMEMO_H

#include <openssl/bio.h>
#include <openssl/x509.h>

/*
 * The next certificate from bio, as PEM_read_bio_X509_AUX (aux 1: also
 * a TRUSTED CERTIFICATE block, and its trust settings) or
 * PEM_read_bio_X509 (aux 0) reads it: the same blocks skipped or taken,
 * the same result and the same errors on OpenSSL's queue.  Only the
 * decoding of DER already decoded here whole is not done again.  Free
 * the result with X509_free().
 */
X509 *certmemo_read_pem(BIO *bio, int aux);

/* Forget every certificate (at exit, for leak checkers). */
void certmemo_cleanup(void);

#endif
