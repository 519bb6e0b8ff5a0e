/*
 * fuzz_pkcs12.c: the file given to install --pkcs12, decrypted with a
 * fixed password, through import_decode_pkcs12() (PKCS12_parse under it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

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
	STACK_OF(X509) *certs;
	EVP_PKEY *key = NULL;

	fuzz_begin();
	memset(&p, 0, sizeof(p));
	snprintf(p.shown, sizeof(p.shown), "pass:...");
	snprintf(p.spec, sizeof(p.spec), "pass");
	if ((certs = sk_X509_new_null()) == NULL)
		return 0;
	if (passin_set(&p, FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), &err) == 0)
		(void)import_decode_pkcs12(data, size, &p, "bundle.p12", &key,
		    certs, &err);
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	passin_free(&p);
	fuzz_end();
	return 0;
}
