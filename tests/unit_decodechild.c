/*
 * unit_decodechild.c: the import decoders in a sandboxed child give what
 * they give in-process: the same status, message and OpenSSL reasons on
 * failure, the same warnings on stderr, the same key and certificates on
 * success, and a --passin source read in the same cases.
 *
 * Every input the fuzz targets start from (fuzz/corpus/importkey,
 * importcert, pkcs12 and their regressions: PEM, DER, PKCS#1, PKCS#8,
 * SEC1, encrypted ones, PKCS#12 with and without MAC, key-derivation costs
 * far over the limits) and every third-party sample (tests/data/
 * pem-samples, many broken on purpose) goes through each decoder it may
 * meet, with no --passin, the right password, a wrong one and a source
 * that cannot be read.  Under valgrind (every fork copies memcheck's
 * shadow memory, and the children run without their filter) a few inputs
 * only, one of each shape: what memcheck looks for there is the
 * wrapper's own memory handling, the same for every input.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/sandbox.h"
#include "x509/decodechild.h"
#include "x509/import.h"
#include "x509/passin.h"

#define PASSWORD	"fuzz"		/* fuzz/fuzz.h's FUZZ_PASSWORD */

/* What one decoding gave, in this process or in the child. */
struct outcome {
	int		 rc, status;
	char		 error[1024], ssl[1024];
	char		 stderr_text[4096];
	char		*key_pem;	/* the private key, PKCS#8 PEM */
	char		*certs_pem;	/* every certificate, PEM */
	int		 passin_loaded;
};

enum pass_kind { PASS_NONE, PASS_RIGHT, PASS_WRONG, PASS_UNREADABLE };

static char *
pem_of(EVP_PKEY *key, STACK_OF(X509) *certs)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;
	int i;

	assert_non_null(bio);
	if (key != NULL)
		assert_true(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
		    NULL, NULL));
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		assert_true(PEM_write_bio_X509(bio, sk_X509_value(certs, i)));
	n = BIO_get_mem_data(bio, &p);
	assert_non_null(out = strndup(n > 0 ? p : "", n > 0 ? (size_t)n : 0));
	BIO_free(bio);
	return out;
}

static void
make_passin(struct passin *p, enum pass_kind kind)
{
	struct err err;

	memset(p, 0, sizeof(*p));
	switch (kind) {
	case PASS_RIGHT:
		assert_int_equal(passin_parse("pass:" PASSWORD, p, &err), 0);
		break;
	case PASS_WRONG:
		assert_int_equal(passin_parse("env:QP_UNIT_WRONG_PW", p,
		    &err), 0);
		break;
	case PASS_UNREADABLE:
		assert_int_equal(passin_parse("env:QP_UNIT_NO_SUCH_VAR", p,
		    &err), 0);
		break;
	case PASS_NONE:
		break;
	}
}

/* Decode data as kind, in this process (child 0) or in the sandbox. */
static void
decode(const unsigned char *data, size_t len, enum decodechild_kind kind,
    enum pass_kind pk, int child, struct outcome *o)
{
	char path[] = "/tmp/unit_decodechild.XXXXXX";
	STACK_OF(X509) *certs = sk_X509_new_null();
	struct passin p, *pp = pk == PASS_NONE ? NULL : &p;
	EVP_PKEY *key = NULL;
	struct err err;
	int fd, saved;
	ssize_t n;

	memset(o, 0, sizeof(*o));
	assert_non_null(certs);
	make_passin(&p, pk);
	err_clear(&err);
	/* Warnings go to stderr: catch them. */
	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	if (!child) {
		switch (kind) {
		case DECODE_KEY:
			o->rc = import_decode_key(data, len, pp, "in.pem",
			    "--key", &key, &err);
			break;
		case DECODE_CERTS:
			o->rc = import_decode_certs(data, len, "in.pem",
			    "--cert", certs, &err);
			break;
		case DECODE_PKCS12:
			o->rc = import_decode_pkcs12(data, len, pp, "in.pem",
			    &key, certs, &err);
			break;
		}
	} else {
		switch (kind) {
		case DECODE_KEY:
			o->rc = decodechild_key(data, len, pp, "in.pem",
			    "--key", &key, &err);
			break;
		case DECODE_CERTS:
			o->rc = decodechild_certs(data, len, "in.pem", "--cert",
			    certs, &err);
			break;
		case DECODE_PKCS12:
			o->rc = decodechild_pkcs12(data, len, pp, "in.pem",
			    &key, certs, &err);
			break;
		}
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, o->stderr_text, sizeof(o->stderr_text) - 1, 0);
	o->stderr_text[n > 0 ? n : 0] = '\0';
	close(fd);
	if (o->rc == -1) {
		o->status = err_status(&err);
		snprintf(o->error, sizeof(o->error), "%s", err.text);
		snprintf(o->ssl, sizeof(o->ssl), "%s", err.ssl);
	}
	o->key_pem = pem_of(key, NULL);
	o->certs_pem = pem_of(NULL, certs);
	o->passin_loaded = pp != NULL && p.loaded;
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	passin_free(&p);
	ERR_clear_error();
}

static void
outcome_free(struct outcome *o)
{
	free(o->key_pem);
	free(o->certs_pem);
}

static const char *const kind_names[] = { "key", "certs", "pkcs12" };
static const char *const pass_names[] = { "no --passin", "right password",
    "wrong password", "unreadable --passin" };

/* The same outcome both ways; returns whether it decoded. */
static int
same_both_ways(const char *name, const unsigned char *data, size_t len,
    enum decodechild_kind kind, enum pass_kind pk)
{
	struct outcome here, there;
	int ok;

	decode(data, len, kind, pk, 0, &here);
	decode(data, len, kind, pk, 1, &there);
	if (here.rc != there.rc || here.status != there.status ||
	    strcmp(here.error, there.error) != 0 ||
	    strcmp(here.ssl, there.ssl) != 0 ||
	    strcmp(here.stderr_text, there.stderr_text) != 0 ||
	    strcmp(here.key_pem, there.key_pem) != 0 ||
	    strcmp(here.certs_pem, there.certs_pem) != 0 ||
	    here.passin_loaded != there.passin_loaded)
		fail_msg("%s as %s with %s:\n  in-process: %d %d \"%s\" "
		    "(OpenSSL: %s) stderr \"%s\" key %zu certs %zu loaded %d\n"
		    "  sandboxed:  %d %d \"%s\" (OpenSSL: %s) stderr \"%s\" "
		    "key %zu certs %zu loaded %d", name, kind_names[kind],
		    pass_names[pk], here.rc, here.status, here.error, here.ssl,
		    here.stderr_text, strlen(here.key_pem),
		    strlen(here.certs_pem), here.passin_loaded, there.rc,
		    there.status, there.error, there.ssl, there.stderr_text,
		    strlen(there.key_pem), strlen(there.certs_pem),
		    there.passin_loaded);
	ok = here.rc == 0;
	outcome_free(&here);
	outcome_free(&there);
	return ok;
}

/* The inputs of a valgrind run: an encrypted key, a DER key, a chain, a
 * certificate file with a key (a warning), PKCS#12 files that decode and
 * that do not, a sample with a key and a chain. */
static const char *const valgrind_inputs[] = {
	"pkcs8-encrypted.pem", "pkcs1.der", "chain.pem", "with-key.pem",
	"modern.p12", "wrong-password.p12", "sample-03.pem",
};

static int
wanted(const char *name)
{
	size_t i;

	if (getenv("QP_VALGRIND") == NULL)
		return 1;
	for (i = 0; i < sizeof(valgrind_inputs) / sizeof(valgrind_inputs[0]);
	    i++)
		if (strcmp(name, valgrind_inputs[i]) == 0)
			return 1;
	return 0;
}

static unsigned char *
read_whole(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *data;
	int fd;

	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(data = malloc((size_t)st.st_size + 1));
	assert_int_equal(read(fd, data, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return data;
}

/* Every file of dir (under QP_SRCDIR) through the decoders of kinds. */
static int
each_input(const char *dir, const unsigned *kinds, size_t nkinds)
{
	char path[4096], name[4400];
	struct dirent **list;
	unsigned char *data;
	size_t len, k;
	int i, n, decoded = 0;
	enum pass_kind pk;

	snprintf(path, sizeof(path), "%s/%s", getenv("QP_SRCDIR"), dir);
	n = scandir(path, &list, NULL, alphasort);
	if (n == -1 && errno == ENOENT)
		return 0;	/* fuzz/regressions/<target> may not exist */
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] == '.' || !wanted(list[i]->d_name) ||
		    strcmp(list[i]->d_name, "SOURCES.md") == 0)
			continue;
		snprintf(name, sizeof(name), "%s/%s", path, list[i]->d_name);
		data = read_whole(name, &len);
		for (k = 0; k < nkinds; k++)
			for (pk = PASS_NONE; pk <= PASS_UNREADABLE; pk++) {
				if (kinds[k] == DECODE_CERTS && pk != PASS_NONE)
					break;	/* no password for certs */
				decoded += same_both_ways(name, data, len,
				    kinds[k], pk);
			}
		free(data);
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return decoded;
}

static int
setup(void **state)
{
	(void)state;
	if (getenv("QP_SRCDIR") == NULL)
		return -1;
	setenv("QP_UNIT_WRONG_PW", "not the password", 1);
	unsetenv("QP_UNIT_NO_SUCH_VAR");
	msg_set_verbosity(MSG_NORMAL);
	return 0;
}

static void
test_keys(void **state)
{
	static const unsigned kinds[] = { DECODE_KEY, DECODE_PKCS12,
	    DECODE_CERTS };
	(void)state;

	/* Some inputs decode, or the comparison shows little. */
	assert_true(each_input("fuzz/corpus/importkey", kinds, 3) > 0);
	(void)each_input("fuzz/regressions/importkey", kinds, 2);
}

static void
test_certs(void **state)
{
	static const unsigned kinds[] = { DECODE_CERTS, DECODE_KEY };
	(void)state;

	assert_true(each_input("fuzz/corpus/importcert", kinds, 2) > 0);
}

static void
test_pkcs12(void **state)
{
	static const unsigned kinds[] = { DECODE_PKCS12, DECODE_KEY,
	    DECODE_CERTS };
	(void)state;

	assert_true(each_input("fuzz/corpus/pkcs12", kinds, 3) > 0);
	(void)each_input("fuzz/regressions/pkcs12", kinds, 1);
}

static void
test_samples(void **state)
{
	static const unsigned kinds[] = { DECODE_CERTS, DECODE_KEY };
	(void)state;

	assert_true(each_input("tests/data/pem-samples", kinds, 2) > 0);
}

/* A decoding child dies at a system call its filter does not allow. */
static void
test_forbidden_syscall(void **state)
{
	static const unsigned char pem[] = "not a key";
	struct decodechild_input in = { DECODE_KEY, pem, sizeof(pem) - 1,
	    NULL, "key.pem", "--key", SANDBOX_SELFTEST_FORBIDDEN };
	EVP_PKEY *key = NULL;
	struct err err;
	(void)state;

	err_clear(&err);
	assert_int_equal(decodechild_run(&in, &key, NULL, NULL, &err), -1);
	assert_null(key);
	if (sandbox_filter_active())
		assert_string_equal(err.text, "key.pem (--key): the "
		    "sandboxed child was killed by SIGSYS: it made a system "
		    "call its seccomp filter does not allow (the kernel log "
		    "names it: audit type=1326 ... syscall=N); this is a bug "
		    "in qmail-pem, please report it");
	else
		assert_string_equal(err.text, "the forbidden system call "
		    "openat was not stopped (no filter under valgrind)");
	assert_int_equal(err_status(&err), 70);	/* EX_SOFTWARE */
}

/* The facts come back with the objects, in input order. */
static void
test_facts(void **state)
{
	char path[4096];
	struct decodechild_facts f;
	struct decodechild_input in = { DECODE_PKCS12, NULL, 0, NULL,
	    "modern.p12", "--pkcs12", SANDBOX_SELFTEST_NONE };
	STACK_OF(X509) *certs = sk_X509_new_null();
	struct passin p;
	unsigned char *data, sha[32];
	unsigned int n;
	EVP_PKEY *key = NULL;
	struct err err;
	int i;
	(void)state;

	snprintf(path, sizeof(path), "%s/fuzz/corpus/pkcs12/modern.p12",
	    getenv("QP_SRCDIR"));
	data = read_whole(path, &in.len);
	in.data = data;
	make_passin(&p, PASS_RIGHT);
	in.passin = &p;
	err_clear(&err);
	if (decodechild_run(&in, &key, certs, &f, &err) == -1)
		fail_msg("%s", err.text);
	assert_true(p.loaded);
	assert_true(f.has_key);
	assert_string_equal(f.key_type, "RSA 1024");
	assert_int_equal(f.ncerts, sk_X509_num(certs));
	assert_true(f.ncerts > 0);
	for (i = 0; i < f.ncerts; i++) {
		assert_true(X509_digest(sk_X509_value(certs, i), EVP_sha256(),
		    sha, &n));
		assert_memory_equal(sha, f.certs[i].sha256, 32);
		assert_true(f.certs[i].not_after > f.certs[i].not_before);
		assert_true(f.certs[i].subject[0] != '\0');
	}
	decodechild_facts_free(&f);
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	passin_free(&p);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_syscall),
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_certs),
		cmocka_unit_test(test_pkcs12),
		cmocka_unit_test(test_samples),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
