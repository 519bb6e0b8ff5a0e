/*
 * import.c: reading keys and certificates the administrator names.
 *
 * Every input is read whole into memory first (perms_read_path: links
 * followed, regular files only, bounded), then decoded by OpenSSL: keys
 * through OSSL_STORE, which knows PKCS#1, PKCS#8, SEC1, encrypted PKCS#8
 * and legacy encrypted PEM as well as DER; certificates through the PEM
 * block reader of pemfile.c or d2i_X509; PKCS#12 through PKCS12_parse
 * after PKCS12_verify_mac, so that a wrong password is told apart from a
 * file that is not PKCS#12.  Before any password is tried, kdflimit.c
 * bounds what the input asks to derive (iteration counts, scrypt's cost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509v3.h>

#include "decodechild.h"	/* issue 22 */
#include "import.h"
#include "kdflimit.h"
#include "msg.h"
#include "pemfile.h"
#include "x509gen.h"

#define MAX_OBJECTS	1000	/* objects looked at in one input */

static const char passin_hint[] = "give its password with --passin env:VAR, "
    "file:PATH or fd:N";

int
import_requested(const struct import_src *src)
{
	return src->key || src->cert || src->nchain || src->pkcs12 ||
	    src->from_certbot;
}

static int
is_pkcs12(const unsigned char *data, size_t len)
{
	const unsigned char *p = data;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	int yes = p12 != NULL && p == data + len;

	PKCS12_free(p12);
	ERR_clear_error();
	return yes;
}

static int
is_pem(const unsigned char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ", 11) != NULL;
}

/* What an OSSL_STORE found in one input. */
struct store_count {
	int	keys, certs, pubkeys, others, errors;
};

static void
count_object(OSSL_STORE_INFO *info, struct store_count *c, EVP_PKEY **key)
{
	switch (OSSL_STORE_INFO_get_type(info)) {
	case OSSL_STORE_INFO_PKEY:
		if (c->keys++ == 0)
			*key = OSSL_STORE_INFO_get1_PKEY(info);
		break;
	case OSSL_STORE_INFO_CERT:
		c->certs++;
		break;
	case OSSL_STORE_INFO_PUBKEY:
		c->pubkeys++;
		break;
	default:
		c->others++;
		break;
	}
}

/* Run OSSL_STORE over the bytes, with the password callback. */
static int
store_scan(const unsigned char *data, size_t len, struct passin_use *use,
    struct store_count *c, EVP_PKEY **key)
{
	OSSL_STORE_CTX *store = NULL;
	OSSL_STORE_INFO *info;
	UI_METHOD *ui = NULL;
	BIO *bio = NULL;
	int i, rc = -1;

	memset(c, 0, sizeof(*c));
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (ui = UI_UTIL_wrap_read_pem_callback(passin_pem_cb, 0)) == NULL) {
		msg_fail_ssl(EX_OSERR, "out of memory");
		goto out;
	}
	if ((store = OSSL_STORE_attach(bio, "file", NULL, NULL, ui, use, NULL,
	    NULL, NULL)) == NULL) {
		msg_fail_ssl(EX_SOFTWARE, "OpenSSL cannot open a store on "
		    "memory");
		goto out;
	}
	for (i = 0; i < MAX_OBJECTS && !OSSL_STORE_eof(store); i++) {
		if ((info = OSSL_STORE_load(store)) == NULL) {
			if (OSSL_STORE_error(store))
				c->errors++;
			continue;
		}
		count_object(info, c, key);
		OSSL_STORE_INFO_free(info);
	}
	rc = 0;
out:
	OSSL_STORE_close(store);
	UI_destroy_method(ui);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
import_decode_key(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, const char *opt,
    EVP_PKEY **key)
{
	struct passin_use use = { passin, 0, 0 };
	struct store_count c;
	char label[4200];

	*key = NULL;
	if (is_pkcs12(data, len))
		return msg_fail(EX_DATAERR, "%s (%s) is a PKCS#12 file, not a "
		    "key: import it with --pkcs12 %s", shown, opt, shown);
	snprintf(label, sizeof(label), "%s (%s)", shown, opt);
	if (kdflimit_keys(data, len, label) == -1 ||
	    store_scan(data, len, &use, &c, key) == -1)
		return -1;
	if (use.failed) {		/* the password source failed */
		EVP_PKEY_free(*key);
		*key = NULL;
		return -1;
	}
	if (c.keys > 1) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return msg_fail(EX_DATAERR, "%s (%s) holds %d private keys: "
		    "give a file with only the key of the certificate", shown,
		    opt, c.keys);
	}
	if (c.keys == 1)
		return 0;
	if (use.asked && passin == NULL)
		return msg_fail(EX_DATAERR, "%s (%s) is encrypted: %s (qmail "
		    "cannot ask for it, so the key is written unencrypted)",
		    shown, opt, passin_hint);
	if (use.asked)
		return msg_fail(EX_DATAERR, "%s (%s): the password from "
		    "--passin %s does not decrypt it: give the right password",
		    shown, opt, passin->shown);
	if (c.certs > 0)
		return msg_fail(EX_DATAERR, "%s (%s) holds a certificate, not "
		    "a private key: give it with --cert and the key with --key",
		    shown, opt);
	if (c.pubkeys > 0)
		return msg_fail(EX_DATAERR, "%s (%s) holds a public key, not "
		    "the private key: give the private key file", shown, opt);
	return msg_fail(EX_DATAERR, "%s (%s) is not a private key in PEM or "
	    "DER form: give the key file", shown, opt);
}

/* A certificate file that holds none: say what it holds instead. */
static int
no_certificate(const struct pem_bundle *b, const char *shown, const char *opt)
{
	if (b->nkeys > 0)
		return msg_fail(EX_DATAERR, "%s (%s) holds a private key, not "
		    "a certificate: give it with --key and the certificate "
		    "with --cert", shown, opt);
	if (b->bad_certs > 0)
		return msg_fail(EX_DATAERR, "%s (%s): the certificate is "
		    "damaged and cannot be decoded: get a new copy from the CA",
		    shown, opt);
	if (b->other_blocks > 0 &&
	    strstr(b->other_type, "CERTIFICATE REQUEST") != NULL)
		return msg_fail(EX_DATAERR, "%s (%s) holds a certificate "
		    "request, not a certificate: send it to the CA and give "
		    "the certificate it returns", shown, opt);
	if (b->other_blocks > 0)
		return msg_fail(EX_DATAERR, "%s (%s) holds %s, not a "
		    "certificate", shown, opt, b->other_type);
	return msg_fail(EX_DATAERR, "%s (%s) holds no certificate", shown, opt);
}

static int
decode_pem_certs(const unsigned char *data, size_t len, const char *shown,
    const char *opt, STACK_OF(X509) *certs)
{
	struct pem_bundle b;
	int i, rc = -1;

	if (pemfile_parse((const char *)data, len, &b) == -1)
		return -1;
	if (sk_X509_num(b.certs) == 0) {
		no_certificate(&b, shown, opt);
		goto out;
	}
	if (b.bad_certs > 0 || b.truncated > 0) {
		msg_fail(EX_DATAERR, "%s (%s): a certificate block is damaged "
		    "or cut short: get a complete copy", shown, opt);
		goto out;
	}
	if (b.nkeys > 0)
		msg_warn("%s (%s) also holds a private key; it is not used "
		    "(the key comes from %s)", shown, opt, "--key, --pkcs12 "
		    "or the control directory");
	for (i = 0; i < sk_X509_num(b.certs); i++) {
		X509 *cert = sk_X509_value(b.certs, i);
		if (!sk_X509_push(certs, cert)) {
			msg_fail(EX_OSERR, "out of memory");
			goto out;
		}
		X509_up_ref(cert);
	}
	rc = 0;
out:
	pemfile_free(&b);
	return rc;
}

int
import_decode_certs(const unsigned char *data, size_t len, const char *shown,
    const char *opt, STACK_OF(X509) *certs)
{
	const unsigned char *p = data;
	EVP_PKEY *key;
	X509 *cert;

	if (is_pem(data, len))
		return decode_pem_certs(data, len, shown, opt, certs);
	if (is_pkcs12(data, len))
		return msg_fail(EX_DATAERR, "%s (%s) is a PKCS#12 file: import "
		    "it with --pkcs12 %s", shown, opt, shown);
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert != NULL && p == data + len) {
		if (sk_X509_push(certs, cert))
			return 0;
		X509_free(cert);
		return msg_fail(EX_OSERR, "out of memory");
	}
	X509_free(cert);
	p = data;
	key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	ERR_clear_error();
	if (key != NULL) {
		EVP_PKEY_free(key);
		return msg_fail(EX_DATAERR, "%s (%s) holds a private key, not "
		    "a certificate: give it with --key and the certificate "
		    "with --cert", shown, opt);
	}
	return msg_fail(EX_DATAERR, "%s (%s) is not a certificate in PEM or "
	    "DER form: give the certificate file from the CA", shown, opt);
}

/* Check the MAC with the password (or "" and none): returns the password
 * to use, or NULL with a message. */
static const char *
pkcs12_password(PKCS12 *p12, struct passin *passin, const char *shown)
{
	if (passin != NULL && passin_load(passin) == -1)
		return NULL;
	if (!PKCS12_mac_present(p12))
		return passin ? passin->pass : "";
	if (passin != NULL) {
		if (PKCS12_verify_mac(p12, passin->pass, (int)passin->len))
			return passin->pass;
		/* An empty password is encoded two ways. */
		if (passin->len == 0 && PKCS12_verify_mac(p12, NULL, 0))
			return "";
		msg_fail(EX_DATAERR, "%s (--pkcs12): the password from "
		    "--passin %s is wrong (the integrity check failed): give "
		    "the right password", shown, passin->shown);
		return NULL;
	}
	if (PKCS12_verify_mac(p12, "", 0) || PKCS12_verify_mac(p12, NULL, 0))
		return "";
	msg_fail(EX_DATAERR, "%s (--pkcs12) is protected by a password: %s",
	    shown, passin_hint);
	return NULL;
}

int
import_decode_pkcs12(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, EVP_PKEY **key,
    STACK_OF(X509) *certs)
{
	const unsigned char *p = data;
	STACK_OF(X509) *ca = NULL;
	PKCS12 *p12 = NULL;
	X509 *cert = NULL;
	const char *pass;
	char label[4200];
	int rc = -1;

	*key = NULL;
	snprintf(label, sizeof(label), "%s (--pkcs12)", shown);
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (p12 == NULL || p != data + len) {
		msg_fail(EX_DATAERR, "%s (--pkcs12) is not a PKCS#12 file%s",
		    shown, is_pem(data, len) ? ": it is PEM; give the key with "
		    "--key and the certificates with --cert" : "");
		goto out;
	}
	if (kdflimit_pkcs12_mac(p12, label) == -1 ||
	    (pass = pkcs12_password(p12, passin, shown)) == NULL ||
	    kdflimit_pkcs12_contents(p12, pass, label) == -1)
		goto out;
	if (!PKCS12_parse(p12, pass, key, &cert, &ca)) {
		msg_fail_ssl(EX_DATAERR, "%s (--pkcs12) cannot be decrypted "
		    "(an old RC2 or 3DES file?): export it again with openssl "
		    "pkcs12 -export, or give --key and --cert", shown);
		goto out;
	}
	if (*key == NULL) {
		msg_fail(EX_DATAERR, "%s (--pkcs12) holds no private key: "
		    "export it with the key", shown);
		goto out;
	}
	if (cert == NULL && sk_X509_num(ca) == 0) {
		msg_fail(EX_DATAERR, "%s (--pkcs12) holds no certificate: "
		    "export it with the certificate", shown);
		goto out;
	}
	if (cert != NULL) {
		if (!sk_X509_push(certs, cert)) {
			msg_fail(EX_OSERR, "out of memory");
			goto out;
		}
		cert = NULL;
	}
	while (sk_X509_num(ca) > 0) {
		X509 *c = sk_X509_shift(ca);
		if (!sk_X509_push(certs, c)) {
			X509_free(c);
			msg_fail(EX_OSERR, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc == -1) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	ERR_clear_error();
	return rc;
}

/* Read one input file and decode it with the decoder for its option. */
enum input_kind { IN_KEY, IN_CERTS, IN_PKCS12 };

static int
read_input(const char *path, const char *opt, enum input_kind kind,
    struct import_src *src, struct import_result *r)
{
	char *data = NULL, why[1024];
	size_t len = 0;
	int rc;

	if (perms_read_path(path, &data, &len) == -1) {
		snprintf(why, sizeof(why), "%s", msg_error());
		return msg_fail(msg_status(), "%s: %s", opt, why);
	}
	/* Issue 22: decoded in a sandboxed child (decodechild.h), never in
	 * this process; same results and messages as import_decode_*. */
	switch (kind) {
	case IN_KEY:
		rc = decodechild_key((unsigned char *)data, len, src->passin,
		    path, opt, &r->key);
		break;
	case IN_CERTS:
		rc = decodechild_certs((unsigned char *)data, len, path, opt,
		    r->certs);
		break;
	default:
		rc = decodechild_pkcs12((unsigned char *)data, len,
		    src->passin, path, &r->key, r->certs);
		break;
	}
	perms_free_secret(data, len);
	return rc;
}

static void
add_name(char *buf, size_t size, const char *name)
{
	size_t used = strlen(buf);

	snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
}

int
import_read(struct import_src *src, struct import_result *r)
{
	char key[4096], chain[4096];
	const char *lineage;
	size_t i;

	memset(r, 0, sizeof(*r));
	if ((r->certs = sk_X509_new_null()) == NULL)
		return msg_fail(EX_OSERR, "out of memory");
	if (src->from_certbot) {
		lineage = src->lineage ? src->lineage :
		    getenv("RENEWED_LINEAGE");
		if (lineage == NULL || *lineage == '\0')
			return msg_fail(EX_USAGE, "--from-certbot: name the "
			    "lineage directory (/etc/letsencrypt/live/NAME) or "
			    "run as certbot's --deploy-hook, which sets "
			    "RENEWED_LINEAGE");
		snprintf(key, sizeof(key), "%s/privkey.pem", lineage);
		snprintf(chain, sizeof(chain), "%s/fullchain.pem", lineage);
		if (read_input(key, "--from-certbot", IN_KEY, src, r) == -1 ||
		    read_input(chain, "--from-certbot", IN_CERTS, src, r) == -1)
			return -1;
		snprintf(r->key_file, sizeof(r->key_file), "%s", key);
		snprintf(r->cert_files, sizeof(r->cert_files), "%s", chain);
	}
	if (src->pkcs12) {
		if (read_input(src->pkcs12, "--pkcs12", IN_PKCS12, src, r) == -1)
			return -1;
		snprintf(r->key_file, sizeof(r->key_file), "%s", src->pkcs12);
		add_name(r->cert_files, sizeof(r->cert_files), src->pkcs12);
	}
	if (src->key) {
		if (read_input(src->key, "--key", IN_KEY, src, r) == -1)
			return -1;
		snprintf(r->key_file, sizeof(r->key_file), "%s", src->key);
	}
	if (src->cert) {
		if (read_input(src->cert, "--cert", IN_CERTS, src, r) == -1)
			return -1;
		add_name(r->cert_files, sizeof(r->cert_files), src->cert);
	}
	for (i = 0; i < src->nchain; i++) {
		if (read_input(src->chain[i], "--chain", IN_CERTS, src, r)
		    == -1)
			return -1;
		add_name(r->cert_files, sizeof(r->cert_files), src->chain[i]);
	}
	return 0;
}

static int
key_matches(X509 *cert, EVP_PKEY *key)
{
	int eq = EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;

	ERR_clear_error();
	return eq;
}

/* First 16 hex digits of the SHA-256 of a public key, for messages. */
static const char *
short_digest(const EVP_PKEY *key, char *buf, size_t size)
{
	unsigned char d[32];
	char hex[65];

	if (key == NULL || x509gen_pubkey_sha256(key, d) == -1) {
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

/*
 * Intermediates were given but none issued the leaf: the chain has a gap
 * (or the certificates are for another leaf).  chain_build() would call
 * them strangers; say what is missing instead.
 */
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
check_leaf_issuer(const struct import_result *r, X509 *leaf)
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
	return msg_fail(EX_DATAERR, "%s: the chain does not link up: none of "
	    "the other certificates issued \"%s\" (its issuer is \"%s\"): add "
	    "that intermediate certificate with --chain, or leave out the "
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
    char *note, size_t notesize)
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
		return msg_fail(EX_DATAERR, "%s: %s: get a current certificate "
		    "(or pass --force to install it anyway)", files, what);
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
import_finish(struct import_result *r, int force)
{
	char subj[256], issuer[256], until[64], kd[32], cd[32];
	X509 *leaf = NULL;
	size_t used;
	int i, n;

	for (i = 0; i < sk_X509_num(r->certs) && leaf == NULL; i++)
		if (key_matches(sk_X509_value(r->certs, i), r->key))
			leaf = sk_X509_value(r->certs, i);
	if (leaf == NULL)
		return msg_fail(EX_DATAERR, "%s: no certificate matches the "
		    "key from %s (public key sha256 %s..., certificate's %s...):"
		    " give the certificate issued for this key", r->cert_files,
		    r->key_file, short_digest(r->key, kd, sizeof(kd)),
		    short_digest(X509_get0_pubkey(sk_X509_value(r->certs, 0)),
		    cd, sizeof(cd)));
	if (check_leaf_issuer(r, leaf) == -1)
		return -1;
	if (chain_build(r->key, r->certs, r->cert_files, &r->chain) == -1)
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
				return msg_fail(EX_DATAERR, "%s: \"%s\" was "
				    "issued by \"%s\", which was not given, "
				    "not by the root certificate \"%s\": add "
				    "the intermediate with --chain (the CA's "
				    "chain file)", r->cert_files, top, above,
				    chain_subject(c, subj, sizeof(subj)));
			return msg_fail(EX_DATAERR, "%s: the root certificate "
			    "\"%s\" does not belong to the chain of the key's "
			    "certificate (its top, \"%s\", was issued by "
			    "\"%s\"): remove it", r->cert_files,
			    chain_subject(c, subj, sizeof(subj)), top, above);
		}
		used = strlen(r->note);
		snprintf(r->note + used, sizeof(r->note) - used, "; dropped "
		    "the root certificate \"%s\" (clients have it)",
		    chain_subject(c, subj, sizeof(subj)));
	}
	for (i = 0; i < sk_X509_num(r->chain.chain); i++)
		if (check_validity(sk_X509_value(r->chain.chain, i), i == 0,
		    force, r->cert_files, r->note, sizeof(r->note)) == -1)
			return -1;
	if (n == 0 && !chain_is_self_signed(leaf) && r->chain.dropped_roots == 0)
		msg_warn("%s: only the certificate itself was given, no "
		    "intermediate: if the CA issues from an intermediate, "
		    "clients cannot verify it; add the CA's chain file with "
		    "--chain", r->cert_files);
	return 0;
}

/* The pending key, if there is one: *key NULL when absent. */
static int
read_pending(const struct perms_dir *dir, const char *name, EVP_PKEY **key,
    int *exists)
{
	struct pem_bundle b;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	*key = NULL;
	if ((rc = perms_stat(dir, name, &st)) == -1)
		return -1;
	if ((*exists = rc) == 0)
		return 0;
	if (perms_read_file(dir, name, &data, &len, &st) == -1)
		return -1;
	rc = pemfile_parse(data, len, &b);
	perms_free_secret(data, len);
	if (rc == -1)
		return -1;
	if (b.key == NULL || b.nkeys != 1) {
		pemfile_free(&b);
		return msg_fail(EX_DATAERR, "%s/%s holds no usable private key:"
		    " remove it (qmail-pem csr --new-key makes a new one)",
		    dir->path, name);
	}
	*key = b.key;
	b.key = NULL;
	pemfile_free(&b);
	return 0;
}

static int
matches_some_cert(const struct import_result *r, EVP_PKEY *key)
{
	int i;

	for (i = 0; key != NULL && i < sk_X509_num(r->certs); i++)
		if (key_matches(sk_X509_value(r->certs, i), key))
			return 1;
	return 0;
}

int
import_find_key(const struct perms_dir *dir, const char *pending_name,
    EVP_PKEY *srv_key, const char *srv_problem, struct import_result *r,
    int *pending)
{
	char subj[256], cd[32], pd[32], sd[32], tried_p[512], tried_s[512];
	EVP_PKEY *pkey = NULL;
	int exists = 0;

	*pending = 0;
	if (read_pending(dir, pending_name, &pkey, &exists) == -1)
		return -1;
	if (matches_some_cert(r, pkey)) {
		r->key = pkey;
		*pending = 1;
		snprintf(r->key_file, sizeof(r->key_file), "%s/%s", dir->path,
		    pending_name);
		return 0;
	}
	if (matches_some_cert(r, srv_key)) {
		EVP_PKEY_free(pkey);
		if (!EVP_PKEY_up_ref(srv_key))
			return msg_fail(EX_OSERR, "out of memory");
		r->key = srv_key;
		snprintf(r->key_file, sizeof(r->key_file), "%s/servercert.pem",
		    dir->path);
		return 0;
	}
	snprintf(tried_p, sizeof(tried_p), "%s/%s (%s%s%s)", dir->path,
	    pending_name, exists ? "public key sha256 " : "absent",
	    exists ? short_digest(pkey, pd, sizeof(pd)) : "",
	    exists ? "..." : "");
	if (srv_key != NULL)
		snprintf(tried_s, sizeof(tried_s), "%s/servercert.pem (public "
		    "key sha256 %s...)", dir->path,
		    short_digest(srv_key, sd, sizeof(sd)));
	else
		snprintf(tried_s, sizeof(tried_s), "%s/servercert.pem (%s)",
		    dir->path, srv_problem ? srv_problem : "absent");
	EVP_PKEY_free(pkey);
	return msg_fail(EX_DATAERR, "%s: no key for this certificate "
	    "(\"%s\", public key sha256 %s...); tried %s and %s: give its key "
	    "with --key, or make a request from this server's key with "
	    "qmail-pem csr", r->cert_files,
	    chain_subject(sk_X509_value(r->certs, 0), subj, sizeof(subj)),
	    short_digest(X509_get0_pubkey(sk_X509_value(r->certs, 0)), cd,
	    sizeof(cd)), tried_p, tried_s);
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
