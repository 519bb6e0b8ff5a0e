/*
 * decodechild.c: the import decoders in a sandboxed child; see
 * decodechild.h.
 *
 * The child's answer (inside the sandbox frame):
 *
 *	u32 ANSWER_PASSWORD_WANTED		the stand-in password was asked for
 *	u32 ANSWER_DECODED
 *	    bytes key PEM ("" when none), str key type, bytes key sha256
 *	    u32 n, then n times: bytes certificate PEM, bytes sha256,
 *	        str subject, i64 notBefore, i64 notAfter
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/sandbox.h"
#include "base/wire.h"
#include "x509/chain.h"
#include "x509/decodechild.h"
#include "x509/import.h"
#include "x509/keydecode.h"
#include "x509gen.h"

#define ANSWER_DECODED		0
#define ANSWER_PASSWORD_WANTED	1
/* What the stand-in source reads: a variable the child has unset. */
#define STANDIN_VAR		"QP_SANDBOX_PASSWORD_WANTED"
/* Decoding is bounded by kdflimit.c; this is for a decoder that hangs. */
#define DECODE_TIMEOUT		600
#define MAX_CERTS		100000
/* A certificate takes at least this much of an answer: its PEM lines, a
 * digest, the lengths and dates. */
#define MIN_CERT_BYTES		100

static const char key_begin[] = "-----BEGIN PRIVATE KEY-----\n";
static const char cert_begin[] = "-----BEGIN CERTIFICATE-----\n";

struct task {
	const struct decodechild_input	*in;
	struct passin			*passin;
	int				 standin;
};

/* --- facts, computed the same way on both sides -------------------------- */

static int64_t
epoch_seconds(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return INT64_MIN;
	return (int64_t)timegm(&tm);
}

static int
cert_facts(X509 *cert, struct decodechild_cert *f)
{
	unsigned int n = 0;

	memset(f, 0, sizeof(*f));
	if (!X509_digest(cert, EVP_sha256(), f->sha256, &n) || n != 32)
		return -1;
	chain_subject(cert, f->subject, sizeof(f->subject));
	f->not_before = epoch_seconds(X509_get0_notBefore(cert));
	f->not_after = epoch_seconds(X509_get0_notAfter(cert));
	return 0;
}

static int
key_facts(const EVP_PKEY *key, struct decodechild_facts *f, struct err *err)
{
	f->has_key = 1;
	x509gen_describe_key(key, f->key_type, sizeof(f->key_type));
	return x509gen_pubkey_sha256(key, f->key_sha256, err);
}

/* --- the child ----------------------------------------------------------- */

static int
decode_here(const struct task *t, EVP_PKEY **key, STACK_OF(X509) *certs,
    struct err *err)
{
	const struct decodechild_input *in = t->in;

	switch (in->kind) {
	case DECODE_KEY:
		return import_decode_key(in->data, in->len, t->passin,
		    in->shown, in->opt, key, err);
	case DECODE_CERTS:
		return import_decode_certs(in->data, in->len, in->shown,
		    in->opt, certs, err);
	case DECODE_PKCS12:
		return import_decode_pkcs12(in->data, in->len, t->passin,
		    in->shown, key, certs, err);
	}
	return err_set(err, EX_SOFTWARE, "unknown kind of input %d",
	    (int)in->kind);
}

/* The PEM that bio holds, as one string of the answer. */
static int
put_bio(struct wire *out, BIO *bio)
{
	char *pem;
	long n;

	if ((n = BIO_get_mem_data(bio, &pem)) <= 0)
		return -1;
	return wire_put_bytes(out, pem, (size_t)n);
}

/* The key as unencrypted PKCS#8 PEM, through OpenSSL's secure memory
 * (cleansed when freed). */
static int
put_key(struct wire *out, EVP_PKEY *key, struct err *err)
{
	struct decodechild_facts f;
	BIO *bio = NULL;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (key == NULL)
		return wire_put_bytes(out, "", 0) == -1 ||
		    wire_put_str(out, "") == -1 ||
		    wire_put_bytes(out, "", 0) == -1 ? -1 : 0;
	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) ||
	    key_facts(key, &f, err) == -1)
		err_set_ssl(err, EX_SOFTWARE, "cannot encode the decoded key");
	else if (put_bio(out, bio) == -1 ||
	    wire_put_str(out, f.key_type) == -1 ||
	    wire_put_bytes(out, f.key_sha256, 32) == -1)
		err_set(err, EX_SOFTWARE, "the decoded key does not fit the "
		    "answer");
	else
		rc = 0;
	BIO_free(bio);
	return rc;
}

static int
put_cert(struct wire *out, X509 *cert, struct err *err)
{
	struct decodechild_cert f;
	BIO *bio = NULL;
	int rc = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509(bio, cert) || cert_facts(cert, &f) == -1)
		err_set_ssl(err, EX_SOFTWARE, "cannot encode a decoded "
		    "certificate");
	else if (put_bio(out, bio) == -1 ||
	    wire_put_bytes(out, f.sha256, 32) == -1 ||
	    wire_put_str(out, f.subject) == -1 ||
	    wire_put_i64(out, f.not_before) == -1 ||
	    wire_put_i64(out, f.not_after) == -1)
		err_set(err, EX_SOFTWARE, "the decoded certificates do not fit "
		    "the answer");
	else
		rc = 0;
	BIO_free(bio);
	return rc;
}

static int
child_decode(void *arg, struct wire *out, struct err *err)
{
	const struct task *t = arg;
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *key = NULL;
	int i, rc = -1;

	if (t->standin)
		(void)unsetenv(STANDIN_VAR);
	if ((certs = sk_X509_new_null()) == NULL) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	if (decode_here(t, &key, certs, err) == -1) {
		/* The decoder asked the stand-in source: the parent loads
		 * the real one and asks again. */
		if (t->standin && strstr(err->text, STANDIN_VAR) != NULL)
			rc = wire_put_u32(out, ANSWER_PASSWORD_WANTED);
		goto out;
	}
	if (wire_put_u32(out, ANSWER_DECODED) == -1 ||
	    put_key(out, key, err) == -1 ||
	    wire_put_u32(out, (uint32_t)sk_X509_num(certs)) == -1)
		goto out;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (put_cert(out, sk_X509_value(certs, i), err) == -1)
			goto out;
	rc = 0;
out:
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* --- the parent ---------------------------------------------------------- */

/*
 * One PEM block, the key (is_key) or a certificate, and nothing else: the
 * object, or NULL.
 */
static void *
canonical(const unsigned char *pem, size_t len, int is_key)
{
	const char *begin = is_key ? key_begin : cert_begin;
	void *obj;
	BIO *bio;

	if (len < strlen(begin) || len > INT32_MAX ||
	    memcmp(pem, begin, strlen(begin)) != 0 ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	if (is_key)
		obj = PEM_read_bio_PrivateKey(bio, NULL,
		    keydecode_no_password, NULL);
	else
		obj = PEM_read_bio_X509(bio, NULL, keydecode_no_password, NULL);
	if (obj != NULL && BIO_ctrl_pending(bio) != 0) {
		if (is_key)
			EVP_PKEY_free(obj);
		else
			X509_free(obj);
		obj = NULL;
	}
	BIO_free(bio);
	return obj;
}

/* The key of the answer, decoded and checked against its facts. */
static int
take_key(struct wire *w, EVP_PKEY **key, struct decodechild_facts *f)
{
	struct decodechild_facts mine;
	const unsigned char *pem, *sha;
	struct err scratch;
	size_t len, shalen;

	memset(&mine, 0, sizeof(mine));
	if (wire_get_bytes(w, &pem, &len) == -1 ||
	    wire_get_str(w, f->key_type, sizeof(f->key_type)) == -1 ||
	    wire_get_bytes(w, &sha, &shalen) == -1)
		return -1;
	if (len == 0)
		return shalen == 0 && f->key_type[0] == '\0' ? 0 : -1;
	/* A key where none was asked for does not hold together either. */
	if (key == NULL || shalen != 32 ||
	    (*key = canonical(pem, len, 1)) == NULL ||
	    key_facts(*key, &mine, &scratch) == -1)
		return -1;
	f->has_key = 1;
	memcpy(f->key_sha256, sha, 32);
	return memcmp(mine.key_sha256, sha, 32) == 0 &&
	    strcmp(mine.key_type, f->key_type) == 0 ? 0 : -1;
}

static int
take_cert(struct wire *w, STACK_OF(X509) *certs, struct decodechild_cert *f)
{
	struct decodechild_cert mine;
	const unsigned char *pem, *sha;
	size_t len, shalen;
	X509 *cert;

	if (wire_get_bytes(w, &pem, &len) == -1 ||
	    wire_get_bytes(w, &sha, &shalen) == -1 || shalen != 32 ||
	    wire_get_str(w, f->subject, sizeof(f->subject)) == -1 ||
	    wire_get_i64(w, &f->not_before) == -1 ||
	    wire_get_i64(w, &f->not_after) == -1)
		return -1;
	memcpy(f->sha256, sha, 32);
	if ((cert = canonical(pem, len, 0)) == NULL)
		return -1;
	if (cert_facts(cert, &mine) == -1 || memcmp(mine.sha256, sha, 32) ||
	    strcmp(mine.subject, f->subject) ||
	    mine.not_before != f->not_before ||
	    mine.not_after != f->not_after || !sk_X509_push(certs, cert)) {
		X509_free(cert);
		return -1;
	}
	return 0;
}

/*
 * The answer: 1 for "password wanted", 0 with the objects and facts, -1
 * (nothing kept) when it does not hold together.  As from the decoders
 * in-process, a success has a key when one was asked for (key) and a
 * certificate at least when certificates were (certs).
 */
static int
take_answer(struct wire *w, EVP_PKEY **key, STACK_OF(X509) *certs,
    struct decodechild_facts *f)
{
	uint32_t kind, n, i;
	int base = certs ? sk_X509_num(certs) : 0;

	if (wire_get_bounded(w, ANSWER_PASSWORD_WANTED, &kind) == -1)
		return -1;
	if (kind == ANSWER_PASSWORD_WANTED)
		return wire_end(w) == -1 ? -1 : 1;
	if (take_key(w, key, f) == -1 || (key != NULL && !f->has_key) ||
	    wire_get_bounded(w, MAX_CERTS, &n) == -1 ||
	    (n > 0 && certs == NULL) || (n == 0 && certs != NULL) ||
	    n > (w->len - w->pos) / MIN_CERT_BYTES)
		goto bad;
	if (n > 0 && (f->certs = calloc(n, sizeof(*f->certs))) == NULL)
		goto bad;
	for (i = 0; i < n; i++, f->ncerts++)
		if (take_cert(w, certs, &f->certs[i]) == -1)
			goto bad;
	if (wire_end(w) == 0)
		return 0;
bad:
	while (certs != NULL && sk_X509_num(certs) > base)
		X509_free(sk_X509_pop(certs));
	if (key != NULL) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	decodechild_facts_free(f);
	return -1;
}

static const char *
task_what(const struct decodechild_input *in, char *buf, size_t size)
{
	snprintf(buf, size, "%s (%s)", in->shown,
	    in->kind == DECODE_PKCS12 ? "--pkcs12" : in->opt);
	return buf;
}

/* One child: 1 password wanted, 0 decoded, -1 with a message. */
static int
run_child(const struct task *t, EVP_PKEY **key, STACK_OF(X509) *certs,
    struct decodechild_facts *f, struct err *err)
{
	struct sandbox_job job;
	struct wire answer;
	char what[4200];
	size_t max;
	int rc;

	/* PEM is 4/3 of DER and more; facts take a few hundred bytes. */
	max = t->in->len > (SIZE_MAX - (1 << 20)) / 4 ? SIZE_MAX :
	    t->in->len * 4 + (1 << 20);
	memset(&job, 0, sizeof(job));
	job.what = task_what(t->in, what, sizeof(what));
	job.kind = SANDBOX_DECODE;
	job.timeout = DECODE_TIMEOUT;
	job.max_answer = max;
	job.run = child_decode;
	job.arg = (void *)t;
	job.selftest = t->in->selftest;
	wire_init(&answer, max);
	if (sandbox_run(&job, &answer, err) == -1)
		return -1;
	rc = take_answer(&answer, key, certs, f);
	wire_free(&answer);
	if (rc == -1)
		return err_set(err, EX_SOFTWARE, "%s: the answer of the "
		    "sandboxed decoder does not hold together; this is a bug "
		    "in qmail-pem, please report it", what);
	return rc;
}

int
decodechild_run(const struct decodechild_input *in, EVP_PKEY **key,
    STACK_OF(X509) *certs, struct decodechild_facts *facts, struct err *err)
{
	struct decodechild_facts scratch;
	struct passin standin;
	struct task t = { in, in->passin, 0 };
	int rc;

	if (facts == NULL)
		facts = &scratch;
	memset(facts, 0, sizeof(*facts));
	if (key != NULL)
		*key = NULL;
	if (in->passin != NULL && !in->passin->loaded) {
		memset(&standin, 0, sizeof(standin));
		snprintf(standin.spec, sizeof(standin.spec), "env");
		snprintf(standin.shown, sizeof(standin.shown), "env:%s",
		    STANDIN_VAR);
		standin.arg = STANDIN_VAR;
		t.passin = &standin;
		t.standin = 1;
		if ((rc = run_child(&t, key, certs, facts, err)) != 1)
			goto out;
		/* Read the source only now, as the decoder would have. */
		if (passin_load(in->passin, err) == -1) {
			rc = -1;
			goto out;
		}
		t.passin = in->passin;
		t.standin = 0;
	}
	if ((rc = run_child(&t, key, certs, facts, err)) == 1)
		rc = err_set(err, EX_SOFTWARE, "%s: the sandboxed decoder "
		    "asked for a password it has", in->shown);
out:
	if (facts == &scratch)
		decodechild_facts_free(facts);
	return rc;
}

void
decodechild_facts_free(struct decodechild_facts *facts)
{
	free(facts->certs);
	memset(facts, 0, sizeof(*facts));
}

int
decodechild_key(const unsigned char *data, size_t len, struct passin *passin,
    const char *shown, const char *opt, EVP_PKEY **key, struct err *err)
{
	struct decodechild_input in = { DECODE_KEY, data, len, passin, shown,
	    opt, SANDBOX_SELFTEST_NONE };

	return decodechild_run(&in, key, NULL, NULL, err);
}

int
decodechild_certs(const unsigned char *data, size_t len, const char *shown,
    const char *opt, STACK_OF(X509) *certs, struct err *err)
{
	struct decodechild_input in = { DECODE_CERTS, data, len, NULL, shown,
	    opt, SANDBOX_SELFTEST_NONE };

	return decodechild_run(&in, NULL, certs, NULL, err);
}

int
decodechild_pkcs12(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, EVP_PKEY **key,
    STACK_OF(X509) *certs, struct err *err)
{
	struct decodechild_input in = { DECODE_PKCS12, data, len, passin,
	    shown, "--pkcs12", SANDBOX_SELFTEST_NONE };

	return decodechild_run(&in, key, certs, NULL, err);
}
