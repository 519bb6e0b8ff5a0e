/* chain.c: leaf-first ordering of a certificate chain. */
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "x509/chain.h"

const char *
chain_name(const X509_NAME *name, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	buf[0] = '\0';
	if (bio != NULL && X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0)
		snprintf(buf, size, "%.*s", (int)n, p);
	BIO_free(bio);
	return buf;
}

const char *
chain_subject(X509 *cert, char *buf, size_t size)
{
	if (chain_name(X509_get_subject_name(cert), buf, size)[0] == '\0')
		snprintf(buf, size, "(empty subject)");
	return buf;
}

int
chain_is_self_signed(X509 *cert)
{
	int rc = X509_self_signed(cert, 1);

	ERR_clear_error();
	return rc == 1;
}

int
chain_issued_by(X509 *issuer, X509 *subject)
{
	int rc = X509_check_issued(issuer, subject) == X509_V_OK;

	ERR_clear_error();
	return rc;
}

/* Mark the copies of a certificate as used (they are left out); returns
 * the index of the first copy of leaf. */
static int
mark_duplicates(const STACK_OF(X509) *certs, char *used, int leaf,
    struct chain_result *r)
{
	int n = sk_X509_num(certs), i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i && !used[i]; j++)
			if (!used[j] && X509_cmp(sk_X509_value(certs, i),
			    sk_X509_value(certs, j)) == 0) {
				used[i] = 1;
				r->duplicates++;
			}
	if (used[leaf]) {	/* keep the first copy of the leaf */
		for (j = 0; j < leaf; j++)
			if (X509_cmp(sk_X509_value(certs, j),
			    sk_X509_value(certs, leaf)) == 0)
				leaf = j;
	}
	return leaf;
}

static int
push(struct chain_result *r, X509 *cert, struct err *err)
{
	X509_up_ref(cert);
	if (sk_X509_push(r->chain, cert))
		return 0;
	X509_free(cert);
	return err_set(err, EX_OSERR, "out of memory");
}

/* Whether a certificate is left that could issue the current one. */
static int
any_left(const char *used, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!used[i])
			return 1;
	return 0;
}

/*
 * From the leaf up, each issuer that was given; a self-signed root at the
 * top is dropped.  Whether a certificate is self-signed is asked only
 * while others are left: the test checks its signature, and a file with
 * one self-signed certificate (what install makes) would pay a signature
 * check that changes nothing (issue 26).
 */
static int
walk_up(const STACK_OF(X509) *certs, char *used, int cur,
    struct chain_result *r, struct err *err)
{
	int n = sk_X509_num(certs), i, found;

	used[cur] = 1;
	if (push(r, sk_X509_value(certs, cur), err) == -1)
		return -1;
	while (any_left(used, n) &&
	    !chain_is_self_signed(sk_X509_value(certs, cur))) {
		found = -1;
		for (i = 0; i < n && found == -1; i++)
			if (!used[i] && chain_issued_by(sk_X509_value(certs, i),
			    sk_X509_value(certs, cur)))
				found = i;
		if (found == -1)
			break;
		used[found] = 1;
		cur = found;
		if (chain_is_self_signed(sk_X509_value(certs, cur))) {
			r->dropped_roots++;
			break;
		}
		if (push(r, sk_X509_value(certs, cur), err) == -1)
			return -1;
	}
	return 0;
}

/* Anything left over is a root we can drop, or a stranger (an error). */
static int
check_left(const STACK_OF(X509) *certs, const char *used, const char *shown,
    struct chain_result *r, struct err *err)
{
	char subj[256];
	int n = sk_X509_num(certs), i;

	for (i = 0; i < n; i++) {
		if (used[i])
			continue;
		if (chain_is_self_signed(sk_X509_value(certs, i)) &&
		    X509_check_ca(sk_X509_value(certs, i))) {
			r->dropped_roots++;
			continue;
		}
		return err_set(err, EX_DATAERR, "%s: the certificate \"%s\" "
		    "does not belong to the chain of the key's certificate: "
		    "remove it", shown, chain_subject(sk_X509_value(certs, i),
		    subj, sizeof(subj)));
	}
	return 0;
}

int
chain_build(EVP_PKEY *key, const STACK_OF(X509) *certs, const char *shown,
    struct chain_result *r, struct err *err)
{
	int n = sk_X509_num(certs), i, j, leaf = -1;
	char *used = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (n == 0)
		return err_set(err, EX_DATAERR, "%s: no certificate found",
		    shown);
	if ((used = OPENSSL_zalloc((size_t)n)) == NULL ||
	    (r->chain = sk_X509_new_null()) == NULL) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	for (i = 0; i < n && leaf == -1; i++)
		if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, i)), key)
		    == 1)
			leaf = i;
	ERR_clear_error();
	if (leaf == -1) {
		err_set(err, EX_DATAERR, "%s: no certificate matches the "
		    "private key: install the certificate that belongs to this "
		    "key", shown);
		goto out;
	}
	leaf = mark_duplicates(certs, used, leaf, r);
	if (walk_up(certs, used, leaf, r, err) == -1 ||
	    check_left(certs, used, shown, r, err) == -1)
		goto out;
	/* Reordered: the input, minus dropped ones, differs from the chain. */
	for (i = 0, j = 0; i < n; i++) {
		if (j < sk_X509_num(r->chain) &&
		    sk_X509_value(certs, i) == sk_X509_value(r->chain, j))
			j++;
		else if (j < sk_X509_num(r->chain))
			r->reordered = 1;
	}
	rc = 0;
out:
	OPENSSL_free(used);
	if (rc == -1)
		chain_free(r);
	return rc;
}

void
chain_free(struct chain_result *r)
{
	sk_X509_pop_free(r->chain, X509_free);
	r->chain = NULL;
}
