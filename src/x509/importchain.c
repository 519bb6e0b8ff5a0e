/*
 * importchain.c: do the pieces of an import make one chain for one key,
 * leaf first, valid now?  Never opens a file.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/msg.h"
#include "x509/importchain.h"
#include "x509gen.h"

int
import_key_matches(X509 *cert, EVP_PKEY *key)
{
	int eq = EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;

	ERR_clear_error();
	return eq;
}

/* First 16 hex digits of the SHA-256 of a public key, for messages. */
const char *
import_short_digest(const EVP_PKEY *key, char *buf, size_t size)
{
	unsigned char d[32];
	char hex[65];
	struct err ignored = { 0 };

	if (key == NULL || x509gen_pubkey_sha256(key, d, &ignored) == -1) {
		snprintf(buf, size, "?");
		return buf;
	}
	x509gen_hex(d, sizeof(d), hex);
	snprintf(buf, size, "%.16s", hex);
	return buf;
}

static int
self_signed_root(X509 *cert)
{
	return chain_is_self_signed(cert) && X509_check_ca(cert);
}

/* "CN=..., O=..." of a certificate's issuer, for messages. */
static const char *
issuer_name(X509 *cert, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	snprintf(buf, size, "?");
	if (bio != NULL && X509_NAME_print_ex(bio, X509_get_issuer_name(cert),
	    0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0)
		snprintf(buf, size, "%.*s", (int)n, p);
	BIO_free(bio);
	return buf;
}

/*
 * Intermediates were given but none issued the leaf: the chain has a gap
 * (or the certificates are for another leaf).  chain_build() would call
 * them strangers; say what is missing instead.
 */
static int
check_leaf_issuer(const struct import_result *r, X509 *leaf, struct err *err)
{
	char subj[256], issuer[256];
	int i, others = 0, issued = 0;

	if (chain_is_self_signed(leaf))
		return 0;
	for (i = 0; i < sk_X509_num(r->certs); i++) {
		X509 *c = sk_X509_value(r->certs, i);
		if (X509_cmp(c, leaf) == 0)
			continue;
		if (X509_check_issued(c, leaf) == X509_V_OK)
			issued = 1;
		else if (!self_signed_root(c))
			others++;
	}
	ERR_clear_error();
	if (issued || others == 0)
		return 0;
	return err_set(err, EX_DATAERR, "%s: the chain does not link up: none "
	    "of the other certificates issued \"%s\" (its issuer is \"%s\"): "
	    "add that intermediate certificate with --chain, or leave out the "
	    "ones that do not belong", r->cert_files,
	    chain_subject(leaf, subj, sizeof(subj)),
	    issuer_name(leaf, issuer, sizeof(issuer)));
}

static const char *
format_time(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "(unreadable date)");
	return buf;
}

/* Refuse (or with force, warn about) a certificate not valid now. */
static int
check_validity(X509 *cert, int leaf, int force, const char *files,
    char *note, size_t notesize, struct err *err)
{
	char subj[256], when[64], what[512];
	const ASN1_TIME *nb = X509_get0_notBefore(cert);
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	size_t used;

	chain_subject(cert, subj, sizeof(subj));
	if (X509_cmp_current_time(na) < 0)
		snprintf(what, sizeof(what), "the %scertificate \"%s\" "
		    "expired on %s", leaf ? "" : "intermediate ", subj,
		    format_time(na, when, sizeof(when)));
	else if (X509_cmp_current_time(nb) > 0)
		snprintf(what, sizeof(what), "the %scertificate \"%s\" is not "
		    "valid before %s", leaf ? "" : "intermediate ", subj,
		    format_time(nb, when, sizeof(when)));
	else
		return 0;
	if (!force)
		return err_set(err, EX_DATAERR, "%s: %s: get a current "
		    "certificate (or pass --force to install it anyway)", files,
		    what);
	msg_warn("%s: %s; installing it anyway because of --force", files,
	    what);
	used = strlen(note);
	snprintf(note + used, notesize - used, "; NOT VALID NOW (--force)");
	return 0;
}

/* Is certs[i] a copy of an earlier one? */
static int
seen_before(const STACK_OF(X509) *certs, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (X509_cmp(sk_X509_value(certs, j), sk_X509_value(certs, i))
		    == 0)
			return 1;
	return 0;
}

int
import_finish(struct import_result *r, int force, struct err *err)
{
	char subj[256], issuer[256], until[64], kd[32], cd[32];
	X509 *leaf = NULL;
	size_t used;
	int i, n;

	for (i = 0; i < sk_X509_num(r->certs) && leaf == NULL; i++)
		if (import_key_matches(sk_X509_value(r->certs, i), r->key))
			leaf = sk_X509_value(r->certs, i);
	if (leaf == NULL)
		return err_set(err, EX_DATAERR, "%s: no certificate matches "
		    "the key from %s (public key sha256 %s..., certificate's "
		    "%s...): give the certificate issued for this key",
		    r->cert_files, r->key_file,
		    import_short_digest(r->key, kd, sizeof(kd)),
		    import_short_digest(X509_get0_pubkey(sk_X509_value(r->certs,
		    0)), cd, sizeof(cd)));
	if (check_leaf_issuer(r, leaf, err) == -1)
		return -1;
	if (chain_build(r->key, r->certs, r->cert_files, &r->chain, err) == -1)
		return -1;
	leaf = sk_X509_value(r->chain.chain, 0);
	n = sk_X509_num(r->chain.chain) - 1;
	chain_subject(leaf, subj, sizeof(subj));
	issuer_name(leaf, issuer, sizeof(issuer));
	snprintf(r->note, sizeof(r->note), "imported \"%s\"%s%s%s, valid "
	    "until %s, %d intermediate%s", subj,
	    chain_is_self_signed(leaf) ? " (self-signed)" : ", issued by \"",
	    chain_is_self_signed(leaf) ? "" : issuer,
	    chain_is_self_signed(leaf) ? "" : "\"",
	    format_time(X509_get0_notAfter(leaf), until, sizeof(until)), n,
	    n == 1 ? "" : "s");
	for (i = 0; i < sk_X509_num(r->certs); i++) {
		X509 *c = sk_X509_value(r->certs, i);
		if (X509_cmp(c, leaf) == 0 || !self_signed_root(c) ||
		    seen_before(r->certs, i))
			continue;
		/* chain_build() drops any root; one that did not issue the
		 * top of the chain does not belong to it. */
		if (X509_check_issued(c, sk_X509_value(r->chain.chain, n)) !=
		    X509_V_OK) {
			char top[256], above[256];
			ERR_clear_error();
			chain_subject(sk_X509_value(r->chain.chain, n), top,
			    sizeof(top));
			issuer_name(sk_X509_value(r->chain.chain, n), above,
			    sizeof(above));
			if (n == 0)	/* a leaf and a root: a gap between */
				return err_set(err, EX_DATAERR, "%s: \"%s\" "
				    "was issued by \"%s\", which was not "
				    "given, not by the root certificate "
				    "\"%s\": add the intermediate with --chain "
				    "(the CA's chain file)", r->cert_files, top,
				    above,
				    chain_subject(c, subj, sizeof(subj)));
			return err_set(err, EX_DATAERR, "%s: the root "
			    "certificate \"%s\" does not belong to the chain "
			    "of the key's certificate (its top, \"%s\", was "
			    "issued by \"%s\"): remove it", r->cert_files,
			    chain_subject(c, subj, sizeof(subj)), top, above);
		}
		used = strlen(r->note);
		snprintf(r->note + used, sizeof(r->note) - used, "; dropped "
		    "the root certificate \"%s\" (clients have it)",
		    chain_subject(c, subj, sizeof(subj)));
	}
	for (i = 0; i < sk_X509_num(r->chain.chain); i++)
		if (check_validity(sk_X509_value(r->chain.chain, i), i == 0,
		    force, r->cert_files, r->note, sizeof(r->note), err) == -1)
			return -1;
	if (n == 0 && !chain_is_self_signed(leaf) && r->chain.dropped_roots == 0)
		msg_warn("%s: only the certificate itself was given, no "
		    "intermediate: if the CA issues from an intermediate, "
		    "clients cannot verify it; add the CA's chain file with "
		    "--chain", r->cert_files);
	return 0;
}

void
import_free(struct import_result *r)
{
	EVP_PKEY_free(r->key);
	r->key = NULL;
	sk_X509_pop_free(r->certs, X509_free);
	r->certs = NULL;
	chain_free(&r->chain);
}
