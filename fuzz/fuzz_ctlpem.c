/*
 * fuzz_ctlpem.c: the bytes of servercert.pem or clientcert.pem, through
 * what install, verify and rotate do with them: pemfile_parse(), the
 * usability check, chain_build() and the layout check (ctlfile.c's path),
 * pemfile_serialize(), and verify's content checks.
 *
 * Besides crashes, leaks and undefined behaviour, it aborts when what
 * install would write does not read back as the same usable key and chain
 * in qmail-pem's own layout: a second install would then not report
 * "unchanged", or would refuse the file the first one wrote.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/secret.h"
#include "check/verify.h"
#include "fuzz.h"
#include "x509/chain.h"
#include "x509/pemfile.h"
#include "x509gen.h"

/* What the last call that failed recorded (not looked at). */
static struct err err;

static void
check_round_trip(EVP_PKEY *key, STACK_OF(X509) *chain)
{
	struct pem_bundle b;
	struct chain_result again;
	char *out = NULL;
	size_t len = 0;
	int i;

	memset(&b, 0, sizeof(b));
	memset(&again, 0, sizeof(again));
	if (pemfile_serialize(key, chain, &out, &len, &err) == -1)
		return;		/* out of memory, or a key OpenSSL cannot write */
	if (pemfile_parse(out, len, &b, &err) == -1)
		goto out;
	if (pemfile_check_usable(&b, "written", &err) == -1 ||
	    chain_build(b.key, b.certs, "written", &again, &err) == -1)
		abort();	/* install would refuse what it wrote */
	if (EVP_PKEY_eq(key, b.key) != 1 ||
	    sk_X509_num(again.chain) != sk_X509_num(chain))
		abort();	/* not the same key or chain */
	for (i = 0; i < sk_X509_num(chain); i++)
		if (X509_cmp(sk_X509_value(chain, i),
		    sk_X509_value(again.chain, i)) != 0)
			abort();
	if (pemfile_needs_rewrite(&b, again.chain))
		abort();	/* the next run would rewrite it again */
out:
	chain_free(&again);
	pemfile_free(&b);
	secret_free(out, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pem_bundle b;
	struct chain_result chain;
	struct verify_opts vo;
	struct file_report *r;

	fuzz_begin();
	memset(&b, 0, sizeof(b));
	memset(&chain, 0, sizeof(chain));
	if (pemfile_parse((const char *)data, size, &b, &err) == 0 &&
	    pemfile_check_usable(&b, "servercert.pem", &err) == 0 &&
	    chain_build(b.key, b.certs, "servercert.pem", &chain, &err) == 0) {
		(void)pemfile_needs_rewrite(&b, chain.chain);
		check_round_trip(b.key, chain.chain);
	}
	chain_free(&chain);
	pemfile_free(&b);
	fuzz_end();

	memset(&vo, 0, sizeof(vo));
	vo.hostname = "mail.example.com";
	vo.warn_days = 30;
	vo.crit_days = 7;
	vo.usage = USAGE_SERVER;
	vo.now = FUZZ_NOW;
	if ((r = calloc(1, sizeof(*r))) != NULL) {
		r->file = "servercert.pem";
		(void)verify_content((const char *)data, size, &vo, r, &err);
		free(r);
	}
	fuzz_end();
	return 0;
}
