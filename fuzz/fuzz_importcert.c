/*
 * fuzz_importcert.c: the files given to install --cert and --chain (PEM
 * with any number of certificates, or one DER certificate), through
 * import_decode_certs().
 */
#include <stdlib.h>

#include <openssl/x509.h>

#include "base/err.h"
#include "fuzz.h"
#include "x509/import.h"

/* What the last call that failed recorded (not looked at). */
static struct err err;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs;

	fuzz_begin();
	if ((certs = sk_X509_new_null()) == NULL)
		return 0;
	if (import_decode_certs(data, size, "cert.pem", "--cert", certs,
	    &err) == 0 &&
	    sk_X509_num(certs) == 0)
		abort();	/* success must give a certificate */
	sk_X509_pop_free(certs, X509_free);
	fuzz_end();
	return 0;
}
