/*
 * kdflimit.h: bounds on what a password-protected input may make us
 * compute before the password is even tried.
 *
 * An encrypted key or a PKCS#12 file names its own key-derivation cost:
 * PBKDF2 or PKCS#12 iteration counts up to 2^31-1 and more, scrypt's N, r
 * and p.  A 2.5 KB file can so ask for hours of CPU.  These functions read
 * the parameters (never deriving anything, except that the encrypted parts
 * of a PKCS#12 file whose own parameters passed are decrypted to look at
 * the keys inside) and refuse what exceeds the limits, with a message that
 * names the parameter and the input.  Never opens a file.  Each returns 0
 * or -1 with a message (EX_DATAERR); `shown' names the input in messages
 * ("key.pem (--key)").
 */
#ifndef QP_KDFLIMIT_H
#define QP_KDFLIMIT_H

#include <stddef.h>

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "base/err.h"

/* Real files use at most a few hundred thousand iterations. */
#define KDFLIMIT_MAX_ITERATIONS	10000000
/* OpenSSL's own scrypt memory limit (SCRYPT_MAX_MEM): a key that needs
 * more cannot be decrypted by it anyway. */
#define KDFLIMIT_SCRYPT_MAX_MEM	(32 * 1024 * 1024)
#define KDFLIMIT_SCRYPT_MAX_P	16

/* The parameters of one password-based encryption algorithm (PBES1,
 * PKCS#12 PBE, PBES2 with PBKDF2 or scrypt); `what' says what it
 * protects ("the key", "the certificates"). */
int kdflimit_algor(const X509_ALGOR *alg, const char *shown,
    const char *what, struct err *err);

/* Every encrypted PKCS#8 key (EncryptedPrivateKeyInfo) in PEM or DER
 * bytes, wherever a decoder would find one. */
int kdflimit_keys(const unsigned char *data, size_t len, const char *shown,
    struct err *err);

/* A PKCS#12 file's MAC iteration count. */
int kdflimit_pkcs12_mac(const PKCS12 *p12, const char *shown, struct err *err);

/* Every encrypted part and every shrouded key of a PKCS#12 file whose MAC
 * was checked with pass ("" for none), as PKCS12_parse() would use it. */
int kdflimit_pkcs12_contents(PKCS12 *p12, const char *pass,
    const char *shown, struct err *err);

#endif
