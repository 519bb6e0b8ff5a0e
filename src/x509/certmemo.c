/*
 * certmemo.c: each certificate of a command decoded once.
 *
 * PEM_read_bio_X509 is PEM_bytes_read_bio (find the block, check its
 * type, base64) and then d2i_X509 on the DER; PEM_read_bio_X509_AUX the
 * same with d2i_X509_AUX and the TRUSTED CERTIFICATE type.  This does
 * those two steps itself and keeps what d2i gave for DER that is one
 * certificate to the last byte, without trust settings: the same bytes
 * again decode to an equal object under either call, so that object is
 * handed out again (one more reference).  DER that did not decode is decoded again each
 * time, so its errors are OpenSSL's, fresh.  Certificates are public:
 * nothing here needs cleansing.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "x509/certmemo.h"
#include "x509/keydecode.h"

#define MEMO_MAX	16

static struct memo {
	unsigned char	*der;
	long		 len;
	X509		*cert;
} memo[MEMO_MAX];

static X509 *
find(const unsigned char *der, long len)
{
	size_t i;

	for (i = 0; i < MEMO_MAX && memo[i].cert != NULL; i++)
		if (memo[i].len == len && memcmp(memo[i].der, der,
		    (size_t)len) == 0) {
			X509_up_ref(memo[i].cert);
			return memo[i].cert;
		}
	return NULL;
}

/* Keep cert for der when there is room; a full memo only costs time. */
static void
keep(const unsigned char *der, long len, X509 *cert)
{
	size_t i;

	for (i = 0; i < MEMO_MAX && memo[i].cert != NULL; i++)
		;
	if (i == MEMO_MAX || (memo[i].der = OPENSSL_memdup(der, (size_t)len))
	    == NULL)
		return;
	X509_up_ref(cert);
	memo[i].len = len;
	memo[i].cert = cert;
}

X509 *
certmemo_read_pem(BIO *bio, int aux)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long len;
	X509 *cert;

	if (!PEM_bytes_read_bio(&der, &len, NULL, aux ? PEM_STRING_X509_TRUSTED
	    : PEM_STRING_X509, bio, keydecode_no_password, NULL))
		return NULL;
	if ((cert = find(der, len)) == NULL) {
		p = der;
		cert = aux ? d2i_X509_AUX(NULL, &p, len) :
		    d2i_X509(NULL, &p, len);
		if (cert == NULL)	/* as PEM_ASN1_read_bio says it */
			ERR_raise(ERR_LIB_PEM, ERR_R_ASN1_LIB);
		else if (p == der + len && !X509_trusted(cert))
			keep(der, len, cert);
	}
	OPENSSL_free(der);
	return cert;
}

void
certmemo_cleanup(void)
{
	size_t i;

	for (i = 0; i < MEMO_MAX; i++) {
		X509_free(memo[i].cert);
		OPENSSL_free(memo[i].der);
		memset(&memo[i], 0, sizeof(memo[i]));
	}
}
