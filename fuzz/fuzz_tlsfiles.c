/*
 * fuzz_tlsfiles.c: the bytes of qmail's other TLS files (issue 23),
 * through verify's content checks of each: clientca.pem and
 * tlshosts/HOST.pem (tlscontent_cas), clientcrl.pem against the CAs the
 * same bytes hold (tlscontent_crl), dh*.pem, rsa*.pem, tlsclients, a
 * cipher list as qmail builds it from a control file (and, when short,
 * what it leaves in effect), and the first line as a tlshosts/ host name.
 *
 * Besides crashes, leaks and undefined behaviour, it aborts when a check
 * is missing from a report, or when the cipher string is longer than its
 * input: what the administrator sees must always say something.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "check/ciphers.h"
#include "check/tlscontent.h"
#include "check/tlstext.h"
#include "fuzz.h"

static void
need(const struct file_report *r, const char *check)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].name, check) == 0)
			return;
	abort();
}

static void
cas_and_crl(const char *data, size_t size, struct file_report *r)
{
	STACK_OF(X509) *cas = NULL;

	memset(r, 0, sizeof(*r));
	tlscontent_cas(data, size, TLSCONTENT_CLIENTCA, NULL, FUZZ_NOW, r,
	    &cas);
	need(r, "parses");
	need(r, "private-key");
	memset(r, 0, sizeof(*r));
	tlscontent_crl(data, size, cas, " (none)", FUZZ_NOW, r);
	need(r, "parses");
	sk_X509_pop_free(cas, X509_free);
	memset(r, 0, sizeof(*r));
	tlscontent_cas(data, size, TLSCONTENT_TLSHOST, "mx.example.com",
	    FUZZ_NOW, r, NULL);
	need(r, "parses");
}

static void
text(const char *data, size_t size, struct file_report *r)
{
	struct ciphers_key key = { "RSA", 2048 };
	struct ciphers_verdict v;
	struct err err = { 0 };
	char list[CIPHERS_MAX], host[256];
	size_t n;

	memset(r, 0, sizeof(*r));
	tlstext_tlsclients(data, size, r);
	need(r, "addresses");
	if ((n = ciphers_from_control(data, size, list, sizeof(list))) > size)
		abort();
	/* an SSL object per input is slow: short lists only */
	if (n < 256 &&
	    ciphers_judge(list, CIPHERS_SERVER, &key, &v, &err) == 0 &&
	    (v.text[0] == '\0' || v.weak[0] == '\0'))
		abort();
	for (n = 0; n < size && n + 1 < sizeof(host) && data[n] != '\n' &&
	    data[n] != '\0'; n++)
		host[n] = data[n];
	host[n] = '\0';
	memset(r, 0, sizeof(*r));
	tlstext_host_name(host, r);
	need(r, "host-name");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct file_report *r;

	fuzz_begin();
	if ((r = malloc(sizeof(*r))) == NULL)
		return 0;
	cas_and_crl((const char *)data, size, r);
	fuzz_end();
	memset(r, 0, sizeof(*r));
	tlscontent_dh((const char *)data, size, r);
	need(r, "dh-bits");
	memset(r, 0, sizeof(*r));
	tlscontent_rsa((const char *)data, size, r);
	need(r, "parses");
	fuzz_end();
	text((const char *)data, size, r);
	free(r);
	fuzz_end();
	return 0;
}
