/*
 * fuzz_importkey.c: the file given to install --key: PEM or DER, PKCS#1,
 * PKCS#8, SEC1, encrypted ones decrypted with a fixed password, through
 * import_decode_key() (OSSL_DECODER under it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "fuzz.h"
#include "x509/import.h"
#include "x509/passin.h"

/* What the last call that failed recorded (not looked at). */
static struct err err;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passin p;
	EVP_PKEY *key = NULL;

	fuzz_begin();
	memset(&p, 0, sizeof(p));
	snprintf(p.shown, sizeof(p.shown), "pass:...");
	snprintf(p.spec, sizeof(p.spec), "pass");
	if (passin_set(&p, FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), &err) == 0 &&
	    import_decode_key(data, size, &p, "key.pem", "--key", &key,
	    &err) == 0 &&
	    key == NULL)
		abort();	/* success must give a key */
	EVP_PKEY_free(key);
	key = NULL;
	/* Without --passin an encrypted key must be refused, not prompted. */
	(void)import_decode_key(data, size, NULL, "key.pem", "--key", &key,
	    &err);
	EVP_PKEY_free(key);
	passin_free(&p);
	fuzz_end();
	return 0;
}
