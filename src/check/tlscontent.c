/*
 * tlscontent.c: the content checks of qmail's other TLS files (see
 * tlscontent.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "check/tlscontent.h"
#include "x509/chain.h"
#include "x509/keydecode.h"

#define MAX_ISSUER_STEPS	16	/* longest chain followed in a file */

/* The bytes as a read-only BIO (files are at most READFILE_MAX). */
static BIO *
mem_bio(const char *data, size_t len)
{
	return len > INT_MAX ? NULL : BIO_new_mem_buf(data, (int)len);
}

/* OpenSSL's reason for the last failure, for a message. */
static const char *
ssl_reason(void)
{
	const char *why = ERR_reason_error_string(ERR_peek_last_error());

	return why ? why : "not PEM";
}

static const char *
day_text(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

/* Any PEM private key block, however encoded or encrypted. */
static int
has_private_key(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *line, *nl;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line = p;
		if ((size_t)(nl - line) > 16 &&
		    memcmp(line, "-----BEGIN ", 11) == 0 &&
		    memmem(line, (size_t)(nl - line), "PRIVATE KEY-----",
		    16) != NULL)
			return 1;
		if (nl == end)
			break;
	}
	return 0;
}

/* Does cert lead, through certificates of the file, to a self-signed
 * root in it, as OpenSSL needs of a trust store without partial chains? */
static int
reaches_root(X509 *cert, const STACK_OF(X509) *certs)
{
	int i, step;
	X509 *up;

	for (step = 0; step < MAX_ISSUER_STEPS; step++) {
		if (chain_is_self_signed(cert))
			return 1;
		for (i = 0, up = NULL; i < sk_X509_num(certs) && up == NULL;
		    i++)
			if (sk_X509_value(certs, i) != cert &&
			    X509_check_issued(sk_X509_value(certs, i), cert) ==
			    X509_V_OK)
				up = sk_X509_value(certs, i);
		if (up == NULL)
			return 0;
		cert = up;
	}
	return 0;
}

static void
check_roots(const STACK_OF(X509) *certs, enum tlscontent_cas_use use,
    const char *host, struct file_report *r)
{
	char subj[200];
	int i, n = sk_X509_num(certs), lost = 0;
	X509 *first = NULL;

	for (i = 0; i < n; i++)
		if (!reaches_root(sk_X509_value(certs, i), certs) && lost++ == 0)
			first = sk_X509_value(certs, i);
	ERR_clear_error();
	if (lost == 0) {
		verify_add(r, "ca-root", CHECK_OK, "each certificate leads to "
		    "a self-signed root in the file");
		return;
	}
	chain_subject(first, subj, sizeof(subj));
	if (lost == n)
		verify_add(r, "ca-root", use == TLSCONTENT_TLSHOST ?
		    CHECK_CRITICAL : CHECK_WARNING, "no certificate in it "
		    "leads to a self-signed root in the file (such as %s): "
		    "OpenSSL trusts a chain only up to a root, and %s sets no "
		    "partial-chain flag, so %s; add the root CA", subj,
		    use == TLSCONTENT_TLSHOST ? "qmail-remote" : "qmail-smtpd",
		    use == TLSCONTENT_TLSHOST ? "no certificate of the host "
		    "verifies and its mail is deferred, then bounced" :
		    "no client certificate verifies");
	else
		verify_add(r, "ca-root", CHECK_WARNING, "%d of %d certificates "
		    "lead to no self-signed root in the file (such as %s): "
		    "chains through them do not verify; add their root CA",
		    lost, n, subj);
	(void)host;
}

static void
check_expiry(const STACK_OF(X509) *certs, enum tlscontent_cas_use use,
    const char *host, time_t now, struct file_report *r)
{
	char subj[200], day[32], soonest_day[32] = "";
	int i, n = sk_X509_num(certs), bad = 0;
	X509 *first = NULL, *x, *soonest = NULL;
	const ASN1_TIME *na;

	for (i = 0; i < n; i++) {
		x = sk_X509_value(certs, i);
		na = X509_get0_notAfter(x);
		if (X509_cmp_time(na, &now) <= 0 ||
		    X509_cmp_time(X509_get0_notBefore(x), &now) > 0) {
			if (bad++ == 0)
				first = x;
			continue;
		}
		if (soonest == NULL || ASN1_TIME_compare(na,
		    X509_get0_notAfter(soonest)) < 0)
			soonest = x;
	}
	ERR_clear_error();
	if (bad == 0) {
		chain_subject(soonest, subj, sizeof(subj));
		verify_add(r, "ca-expiry", CHECK_OK, "%d certificate%s, all "
		    "valid; the first to expire is %s, on %s", n, n == 1 ? "" :
		    "s", subj, day_text(X509_get0_notAfter(soonest),
		    soonest_day, sizeof(soonest_day)));
		return;
	}
	chain_subject(first, subj, sizeof(subj));
	day_text(X509_get0_notAfter(first), day, sizeof(day));
	if (use == TLSCONTENT_CLIENTCA)
		verify_add(r, "ca-expiry", CHECK_WARNING, "%d of %d CA "
		    "certificates expired or not yet valid (such as %s, valid "
		    "until %s): client certificates they issued no longer "
		    "verify", bad, n, subj, day);
	else if (bad == n)
		verify_add(r, "ca-expiry", CHECK_CRITICAL, "every CA "
		    "certificate in it expired or is not yet valid (such as "
		    "%s, valid until %s): qmail-remote cannot verify %s, so "
		    "mail to it is deferred and then bounced", subj, day, host);
	else
		verify_add(r, "ca-expiry", CHECK_WARNING, "%d of %d CA "
		    "certificates expired or not yet valid (such as %s, valid "
		    "until %s): %s verifies only through the others", bad, n,
		    subj, day, host);
}

void
tlscontent_cas(const char *data, size_t len, enum tlscontent_cas_use use,
    const char *host, time_t now, struct file_report *r, STACK_OF(X509) **cas)
{
	STACK_OF(X509_INFO) *inf = NULL;
	STACK_OF(X509) *certs = NULL;
	X509_INFO *it;
	BIO *bio = NULL;
	int i, crls = 0;
	const char *fails = use == TLSCONTENT_TLSHOST ? "qmail-remote cannot "
	    "load it (\"TLS unable to load\"): mail to the host is deferred, "
	    "then bounced" : "qmail-smtpd trusts no client CA: no client "
	    "certificate verifies";

	if (cas != NULL)
		*cas = NULL;
	verify_add(r, "private-key", has_private_key(data, len) ?
	    CHECK_CRITICAL : CHECK_OK, "%s", has_private_key(data, len) ?
	    "holds a private key: every reader of this public file has it; "
	    "remove it, and replace the key if others could read the file" :
	    "no private key");
	if ((bio = mem_bio(data, len)) == NULL ||
	    (certs = sk_X509_new_null()) == NULL) {
		verify_add(r, "parses", CHECK_UNKNOWN, "out of memory");
		goto out;
	}
	/* X509_load_cert_crl_file passes "" as the password: no prompt */
	if ((inf = PEM_X509_INFO_read_bio(bio, NULL, NULL, (void *)"")) ==
	    NULL) {
		verify_add(r, "parses", CHECK_CRITICAL, "OpenSSL refuses the "
		    "whole file (%s): %s", ssl_reason(), fails);
		goto out;
	}
	for (i = 0; i < sk_X509_INFO_num(inf); i++) {
		it = sk_X509_INFO_value(inf, i);
		crls += it->crl != NULL;
		if (it->x509 != NULL && sk_X509_push(certs, it->x509) > 0)
			X509_up_ref(it->x509);
	}
	if (sk_X509_num(certs) == 0) {
		verify_add(r, "parses", CHECK_CRITICAL, "no certificate in it%s: "
		    "%s", crls ? " (only CRLs)" : "", fails);
		goto out;
	}
	verify_add(r, "parses", CHECK_OK, "%d certificate%s%s",
	    sk_X509_num(certs), sk_X509_num(certs) == 1 ? "" : "s",
	    crls ? " and CRLs" : "");
	check_roots(certs, use, host, r);
	check_expiry(certs, use, host, now, r);
	if (cas != NULL) {
		*cas = certs;
		certs = NULL;
	}
out:
	ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	sk_X509_INFO_pop_free(inf, X509_INFO_free);
	BIO_free(bio);
}

/* --- clientcrl.pem ---------------------------------------------------- */

/* X509_load_crl_file(PEM): the CRLs read, and what it returns: their
 * count, or 0 when a block fails (the ones before it are in the store,
 * but qmail-smtpd then turns no checking on). */
static int
load_crls(const char *data, size_t len, STACK_OF(X509_CRL) *crls,
    char *why, size_t size)
{
	X509_CRL *crl;
	BIO *bio;
	int count = 0;

	snprintf(why, size, "out of memory");
	if ((bio = mem_bio(data, len)) == NULL)
		return 0;
	for (;;) {
		if ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL,
		    (void *)"")) == NULL) {
			if (ERR_GET_REASON(ERR_peek_last_error()) ==
			    PEM_R_NO_START_LINE && count > 0)
				break;
			snprintf(why, size, "%s", count ? ssl_reason() :
			    ERR_GET_REASON(ERR_peek_last_error()) ==
			    PEM_R_NO_START_LINE ? "no CRL in it" :
			    ssl_reason());
			count = 0;
			break;
		}
		if (sk_X509_CRL_push(crls, crl) <= 0) {
			X509_CRL_free(crl);
			count = 0;
			break;
		}
		count++;
	}
	ERR_clear_error();
	BIO_free(bio);
	return count;
}

static void
check_next_update(const STACK_OF(X509_CRL) *crls, int on, time_t now,
    struct file_report *r)
{
	const ASN1_TIME *last, *next, *soonest = NULL;
	char day[32];
	int i;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		last = X509_CRL_get0_lastUpdate(sk_X509_CRL_value(crls, i));
		next = X509_CRL_get0_nextUpdate(sk_X509_CRL_value(crls, i));
		if (last != NULL && X509_cmp_time(last, &now) > 0) {
			verify_add(r, "crl-next-update", on ? CHECK_CRITICAL :
			    CHECK_WARNING, "the CRL is not valid before %s%s",
			    day_text(last, day, sizeof(day)), on ? ": OpenSSL "
			    "rejects every client certificate until then (CRL "
			    "is not yet valid)" : "");
			return;
		}
		if (next != NULL && X509_cmp_time(next, &now) <= 0) {
			verify_add(r, "crl-next-update", on ? CHECK_CRITICAL :
			    CHECK_WARNING, "the CRL's next update was due on "
			    "%s%s; fetch a current CRL from the CA",
			    day_text(next, day, sizeof(day)), on ? ": OpenSSL "
			    "rejects every client certificate (CRL has expired)" :
			    " (not in effect: see crl-count)");
			return;
		}
		if (next != NULL && (soonest == NULL ||
		    ASN1_TIME_compare(next, soonest) < 0))
			soonest = next;
	}
	ERR_clear_error();
	if (soonest != NULL)
		verify_add(r, "crl-next-update", CHECK_OK, "current; next "
		    "update due on %s", day_text(soonest, day, sizeof(day)));
	else
		verify_add(r, "crl-next-update", CHECK_OK, "current (no next "
		    "update set)");
}

/* The CA of cas that signed crl, or NULL. */
static X509 *
crl_signer(X509_CRL *crl, const STACK_OF(X509) *cas)
{
	X509 *ca;
	EVP_PKEY *pub;
	int i;

	for (i = 0; cas != NULL && i < sk_X509_num(cas); i++) {
		ca = sk_X509_value(cas, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_subject_name(ca)) != 0 ||
		    (pub = X509_get0_pubkey(ca)) == NULL)
			continue;
		if (X509_CRL_verify(crl, pub) == 1) {
			ERR_clear_error();
			return ca;
		}
	}
	ERR_clear_error();
	return NULL;
}

/* The one CRL in effect: with X509_V_FLAG_CRL_CHECK_ALL every CA on a
 * client's chain needs a CRL, and there is only this one. */
static void
check_coverage(X509 *signer, const STACK_OF(X509) *cas, struct file_report *r)
{
	char subj[200], other[200] = "";
	int i, others = 0;

	chain_subject(signer, subj, sizeof(subj));
	if (!chain_is_self_signed(signer)) {
		ERR_clear_error();
		verify_add(r, "crl-coverage", CHECK_WARNING, "its issuer %s is "
		    "not a root: qmail-smtpd checks the whole chain "
		    "(X509_V_FLAG_CRL_CHECK_ALL), so the CA above it needs a "
		    "CRL too, and qmail loads one CRL only: every client "
		    "certificate is rejected (unable to get certificate CRL)",
		    subj);
		return;
	}
	for (i = 0; i < sk_X509_num(cas); i++) {
		if (X509_cmp(sk_X509_value(cas, i), signer) == 0)
			continue;
		if (others++ == 0)
			chain_subject(sk_X509_value(cas, i), other,
			    sizeof(other));
	}
	ERR_clear_error();
	if (others == 0)
		verify_add(r, "crl-coverage", CHECK_OK, "covers the only CA "
		    "in clientca.pem, %s", subj);
	else
		verify_add(r, "crl-coverage", CHECK_WARNING, "only client "
		    "certificates issued directly by %s can pass: qmail-smtpd "
		    "checks the whole chain (X509_V_FLAG_CRL_CHECK_ALL) and "
		    "loads one CRL only, so certificates from the %d other CA%s "
		    "in clientca.pem (such as %s) are rejected (unable to get "
		    "certificate CRL)", subj, others, others == 1 ? "" : "s",
		    other);
}

void
tlscontent_crl(const char *data, size_t len, const STACK_OF(X509) *cas,
    const char *why_no_cas, time_t now, struct file_report *r)
{
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	char why[200], issuer[200];
	X509 *signer = NULL;
	int n, i;

	if (crls == NULL) {
		verify_add(r, "parses", CHECK_UNKNOWN, "out of memory");
		return;
	}
	if ((n = load_crls(data, len, crls, why, sizeof(why))) == 0) {
		verify_add(r, "parses", CHECK_WARNING, "qmail-smtpd loads no "
		    "CRL from it (%s) and so checks no client certificate "
		    "against one: a revoked certificate is accepted", why);
		goto out;
	}
	verify_add(r, "parses", CHECK_OK, "%d CRL%s", n, n == 1 ? "" : "s");
	verify_add_if(r, "crl-count", n > 1, CHECK_WARNING, "one CRL: "
	    "qmail-smtpd checks client certificates against it", "%d CRLs: "
	    "qmail-smtpd turns CRL checking on only when X509_load_crl_file "
	    "returns 1, so it checks none, and a revoked client certificate "
	    "is accepted", n);
	check_next_update(crls, n == 1, now, r);
	for (i = 0; i < n; i++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, i);
		if ((signer = crl_signer(crl, cas)) != NULL)
			continue;
		if (chain_name(X509_CRL_get_issuer(crl), issuer,
		    sizeof(issuer))[0] == '\0')
			snprintf(issuer, sizeof(issuer), "(an empty name)");
		verify_add(r, "crl-issuer", CHECK_WARNING, "issued by %s, and "
		    "%s%s: with CRL checking on, OpenSSL finds no CRL for the "
		    "CA of a client certificate and rejects it; fetch the CRL "
		    "of your client CA", issuer, cas ? "no CA in clientca.pem "
		    "signed it" : "clientca.pem has no CA", cas ? "" :
		    why_no_cas);
		goto out;
	}
	chain_subject(signer, issuer, sizeof(issuer));
	verify_add(r, "crl-issuer", CHECK_OK, "signed by %s in clientca.pem%s",
	    issuer, n > 1 ? " (and the others by theirs)" : "");
	if (n == 1)
		check_coverage(signer, cas, r);
out:
	ERR_clear_error();
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
}

/* --- dh*.pem, rsa*.pem ------------------------------------------------- */

void
tlscontent_dh(const char *data, size_t len, struct file_report *r)
{
	EVP_PKEY *params = NULL;
	BIO *bio = mem_bio(data, len);
	int bits;

	if (bio != NULL)
		params = PEM_read_bio_Parameters(bio, NULL);
	if (params == NULL || (!EVP_PKEY_is_a(params, "DH") &&
	    !EVP_PKEY_is_a(params, "DHX"))) {
		verify_add(r, "parses", CHECK_WARNING, "no DH parameters in it "
		    "(%s): qmail-smtpd gets none from this file",
		    params ? "other parameters" : ssl_reason());
		verify_add(r, "dh-bits", CHECK_SKIPPED, "not checked: no DH "
		    "parameters");
		goto out;
	}
	bits = EVP_PKEY_get_bits(params);
	verify_add(r, "parses", CHECK_OK, "DH parameters");
	if (bits < 2048)
		verify_add(r, "dh-bits", CHECK_WARNING, "%d-bit DH parameters: "
		    "too small since Logjam (2048 at least); make new ones "
		    "with openssl dhparam 2048, or remove the file if "
		    "qmail-smtpd does not use it", bits);
	else
		verify_add(r, "dh-bits", CHECK_OK, "%d-bit DH parameters", bits);
out:
	ERR_clear_error();
	EVP_PKEY_free(params);
	BIO_free(bio);
}

void
tlscontent_rsa(const char *data, size_t len, struct file_report *r)
{
	EVP_PKEY *key = NULL;
	BIO *bio = mem_bio(data, len);

	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL,
		    keydecode_no_password, NULL);
	if (key == NULL || !EVP_PKEY_is_a(key, "RSA"))
		verify_add(r, "parses", CHECK_WARNING, "no RSA private key in "
		    "it (%s): qmail-smtpd gets no temporary key from this file",
		    key ? EVP_PKEY_get0_type_name(key) : ssl_reason());
	else
		verify_add(r, "parses", CHECK_OK, "an RSA %d-bit private key",
		    EVP_PKEY_get_bits(key));
	ERR_clear_error();
	EVP_PKEY_free(key);
	BIO_free(bio);
}
