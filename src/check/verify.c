/*
 * verify.c: the content checks of one key file's bytes, shared by verify
 * and rotate.
 *
 * Everything is judged the way the TLS patches of qmail-smtpd and
 * qmail-remote load the file: SSL_CTX_use_certificate_chain_file() takes
 * the first certificate as the leaf and sends the rest as they come, and
 * SSL_CTX_use_PrivateKey_file() takes the first private key, which must
 * match that leaf.  Parsing is pemfile_parse()'s and ordering chain_build()'s;
 * this file only turns their findings into named checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "base/text.h"
#include "check/loadcheck.h"
#include "check/renew.h"
#include "check/verify.h"
#include "x509/chain.h"
#include "x509/pemfile.h"
#include "x509gen.h"

/* The content checks, in report order; skipped together when the file
 * cannot be parsed. */
static const char *const content_checks[] = {
	"parses", "single-key", "garbage", "key-matches", "chain-order",
	"chain-duplicates", "chain-root", "chain-sent", "not-yet-valid", "expiry",
	"key-strength", "rsa-key", "signature-algorithm", "leaf-ca", "eku",
	"hostname"
};
#define NCONTENT (sizeof(content_checks) / sizeof(content_checks[0]))

void
verify_skip_content(struct file_report *r, const char *from,
    const char *why)
{
	size_t i = 0;

	if (from != NULL)
		while (i < NCONTENT && strcmp(content_checks[i], from) != 0)
			i++;
	for (; i < NCONTENT; i++)
		verify_add(r, content_checks[i], CHECK_SKIPPED, "%s", why);
}

static void
serial_text(X509 *cert, char *buf, size_t size)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(buf, size, "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
}

static void
sans_text(X509 *cert, char *buf, size_t size)
{
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	size_t used = 0;
	char ip[64];
	int i;

	buf[0] = '\0';
	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const unsigned char *p;
		int n;
		gn = sk_GENERAL_NAME_value(names, i);
		if (gn->type == GEN_DNS) {
			p = ASN1_STRING_get0_data(gn->d.dNSName);
			n = ASN1_STRING_length(gn->d.dNSName);
		} else if (gn->type == GEN_IPADD) {
			char *s = OPENSSL_buf2hexstr(
			    ASN1_STRING_get0_data(gn->d.iPAddress),
			    ASN1_STRING_length(gn->d.iPAddress));
			snprintf(ip, sizeof(ip), "IP:%s", s ? s : "");
			OPENSSL_free(s);
			p = (const unsigned char *)ip;
			n = (int)strlen(ip);
		} else
			continue;
		if (memchr(p, '\0', (size_t)n) != NULL || used + (size_t)n + 2
		    >= size)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%.*s",
		    used ? "," : "", n, (const char *)p);
	}
	GENERAL_NAMES_free(names);
	ERR_clear_error();
}

static int
asn1_to_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return 0;
}

/*
 * SHA-256 of the DER SubjectPublicKeyInfo, as x509gen_pubkey_sha256() and
 * tlsa compute it, but from the encoding the certificate already holds:
 * re-encoding the EVP_PKEY goes through OpenSSL 3's encoder lookup, which
 * costs more than the rest of a verify run.
 */
static void
spki_sha256(X509 *cert, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	int len;

	hex[0] = '\0';
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(),
	    NULL) && mdlen == 32)
		x509gen_hex(md, 32, hex);
	OPENSSL_free(der);
}

void
verify_describe_cert(X509 *leaf, time_t now, struct file_report *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_PKEY *pub = X509_get0_pubkey(leaf);

	r->have_cert = 1;
	if (asn1_to_time(X509_get0_notBefore(leaf), &r->not_before) == -1)
		r->not_before = 0;
	if (asn1_to_time(X509_get0_notAfter(leaf), &r->not_after) == -1)
		r->not_after = 0;
	r->days_left = difftime(r->not_after, now) / 86400.0;
	chain_name(X509_get_subject_name(leaf), r->subject, sizeof(r->subject));
	chain_name(X509_get_issuer_name(leaf), r->issuer, sizeof(r->issuer));
	serial_text(leaf, r->serial, sizeof(r->serial));
	sans_text(leaf, r->sans, sizeof(r->sans));
	if (pub != NULL) {
		snprintf(r->key_type, sizeof(r->key_type), "%s",
		    EVP_PKEY_get0_type_name(pub) ?
		    EVP_PKEY_get0_type_name(pub) : "unknown");
		r->key_bits = EVP_PKEY_get_bits(pub);
	}
	spki_sha256(leaf, r->pubkey_sha256);
	if (X509_digest(leaf, EVP_sha256(), md, &mdlen) && mdlen == 32)
		x509gen_hex(md, 32, r->cert_sha256);
	ERR_clear_error();
}

static void
check_parses(const struct pem_bundle *b, const char *install,
    struct file_report *r)
{
	char why[600] = "";

	if (b->nblocks == 0)
		snprintf(why, sizeof(why), "no PEM block at all: this is not a "
		    "key and certificate file; install a new one with %s "
		    "--new-key", install);
	else if (b->key == NULL && b->encrypted_keys > 0)
		snprintf(why, sizeof(why), "the private key is encrypted and "
		    "qmail cannot ask for a password: import it with %s --key "
		    "FILE --passin ...", install);
	else if (b->key == NULL && b->bad_keys > 0)
		snprintf(why, sizeof(why), "the private key is damaged and "
		    "cannot be decoded: restore it from a backup or install a "
		    "new one with %s --new-key", install);
	else if (b->key == NULL)
		snprintf(why, sizeof(why), "no private key: qmail needs the key "
		    "and the certificate in one file; import them with %s "
		    "--key FILE --cert FILE", install);
	else if (sk_X509_num(b->certs) > 0 && (b->bad_certs > 0 ||
	    b->truncated > 0))
		snprintf(why, sizeof(why), "a certificate or key block is "
		    "damaged or cut short, so the TLS library stops loading "
		    "the chain there: replace the file with a complete copy");
	if (why[0])
		verify_add(r, "parses", CHECK_CRITICAL, "%s", why);
	else if (sk_X509_num(b->certs) == 0)
		verify_add(r, "parses", CHECK_CRITICAL, "%s: qmail needs the "
		    "certificate after the key; import it with %s --key FILE "
		    "--cert FILE", b->bad_certs ? "the certificate is damaged "
		    "and cannot be decoded" : "no certificate", install);
	else
		verify_add(r, "parses", CHECK_OK, "one private key and %d "
		    "certificate%s decoded", sk_X509_num(b->certs),
		    sk_X509_num(b->certs) == 1 ? "" : "s");
}

static void
check_single_key(const struct pem_bundle *b, struct file_report *r)
{
	if (b->nkeys > 1)
		verify_add(r, "single-key", CHECK_WARNING, "the file holds %d "
		    "private keys; qmail loads the first and the others are "
		    "exposed for nothing: keep only the key of the certificate",
		    b->nkeys);
	else if (b->encrypted_keys > 0)
		verify_add(r, "single-key", CHECK_CRITICAL, "the private key "
		    "is encrypted; qmail needs it unencrypted");
	else
		verify_add(r, "single-key", CHECK_OK, "one private key");
}

static void
check_garbage(const struct pem_bundle *b, const char *install,
    struct file_report *r)
{
	if (b->garbage > 0 && b->other_blocks > 0)
		verify_add(r, "garbage", CHECK_WARNING, "text outside the PEM "
		    "blocks and a %s block that qmail does not use: %s "
		    "rewrites the file cleanly", b->other_type, install);
	else if (b->garbage > 0)
		verify_add(r, "garbage", CHECK_WARNING, "%d line%s of text "
		    "outside the PEM blocks: %s rewrites the file cleanly",
		    b->garbage, b->garbage == 1 ? "" : "s", install);
	else if (b->other_blocks > 0)
		verify_add(r, "garbage", CHECK_WARNING, "a %s block that qmail "
		    "does not use: %s rewrites the file cleanly",
		    b->other_type, install);
	else
		verify_add(r, "garbage", CHECK_OK, "nothing but the key and "
		    "the certificates");
}

static void
check_chain(const struct pem_bundle *b, int leaf, const char *install,
    struct file_report *r)
{
	struct chain_result cr;
	struct err why = { 0 };
	int ncerts = sk_X509_num(b->certs);

	if (leaf > 0)
		verify_add(r, "chain-order", CHECK_CRITICAL, "the first "
		    "certificate is not the key's certificate (it is number "
		    "%d): qmail would send the wrong certificate or refuse the "
		    "key; %s puts the leaf first", leaf + 1, install);
	if (chain_build(b->key, b->certs, r->file, &cr, &why) == -1) {
		if (leaf == 0)
			verify_add(r, "chain-order", CHECK_WARNING, "%s",
			    why.text);
		verify_add(r, "chain-duplicates", CHECK_SKIPPED, "the chain "
		    "could not be ordered");
		verify_add(r, "chain-root", CHECK_SKIPPED, "the chain could "
		    "not be ordered");
		return;
	}
	if (leaf == 0 && (cr.reordered || b->key_after_cert))
		verify_add(r, "chain-order", CHECK_WARNING, "%s: %s writes "
		    "the key first, then the leaf and each issuer in order",
		    cr.reordered ? "the certificates are not in order from "
		    "the leaf up to the root" : "the key comes after a "
		    "certificate", install);
	else if (leaf == 0)
		verify_add(r, "chain-order", CHECK_OK, "key first, then %d "
		    "certificate%s from the leaf up", ncerts, ncerts == 1 ?
		    "" : "s");
	verify_add_if(r, "chain-duplicates", cr.duplicates > 0, CHECK_WARNING,
	    "no certificate twice", "%d certificate%s appear%s twice and "
	    "would be sent twice: %s drops the copies", cr.duplicates,
	    cr.duplicates == 1 ? "" : "s", cr.duplicates == 1 ? "s" : "",
	    install);
	verify_add_if(r, "chain-root", cr.dropped_roots > 0, CHECK_WARNING,
	    "no root certificate in the chain", "a self-signed root "
	    "certificate is in the chain; clients must have it already and "
	    "it only costs bytes in every handshake: %s leaves it out",
	    install);
	chain_free(&cr);
}

static void
check_validity(const struct verify_opts *o, time_t now, struct file_report *r)
{
	char date[64], how[300];
	long days = verify_days(r);

	renew_how(r->subject, r->issuer, o->dir, how, sizeof(how));
	text_date(r->not_before, date, sizeof(date));
	if (r->not_before > now)
		verify_add(r, "not-yet-valid", CHECK_CRITICAL, "not valid "
		    "before %s: clients refuse it until then (is the clock "
		    "right?)", date);
	else
		verify_add(r, "not-yet-valid", CHECK_OK, "valid since %s",
		    date);
	text_date(r->not_after, date, sizeof(date));
	if (r->not_after <= now)
		verify_add(r, "expiry", CHECK_CRITICAL, "expired %ld day%s "
		    "ago (%s): renew it now %s", -days, -days == 1 ? "" : "s",
		    date, how);
	else if (r->days_left < o->crit_days)
		verify_add(r, "expiry", CHECK_CRITICAL, "expires in %ld "
		    "day%s (%s): renew it now %s", days, days == 1 ? "" : "s",
		    date, how);
	else if (r->days_left < o->warn_days)
		verify_add(r, "expiry", CHECK_WARNING, "expires in %ld day%s "
		    "(%s): renew it soon %s", days, days == 1 ? "" : "s", date,
		    how);
	else
		verify_add(r, "expiry", CHECK_OK, "expires in %ld days (%s)",
		    days, date);
}

_Static_assert((int)LOADCHECK_WARNING == CHECK_WARNING && (int)
    LOADCHECK_CRITICAL == CHECK_CRITICAL && (int)LOADCHECK_SKIPPED ==
    CHECK_SKIPPED, "loadcheck's levels are check statuses");

static void
check_key(EVP_PKEY *key, const struct verify_opts *o, const char *install,
    struct file_report *r)
{
	enum loadcheck_level level;
	char msg[sizeof(r->checks[0].message)];
	char desc[64];
	int bits = EVP_PKEY_get_bits(key);
	int secbits = EVP_PKEY_get_security_bits(key);

	x509gen_describe_key(key, desc, sizeof(desc));
	if (((EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS") ||
	    EVP_PKEY_is_a(key, "DSA")) && bits < 2048) ||
	    (secbits > 0 && secbits < 112))
		verify_add(r, "key-strength", CHECK_CRITICAL, "%s is too weak: "
		    "OpenSSL 3 at Debian's default security level refuses to "
		    "load it and clients refuse it; make a new key with "
		    "%s --new-key", desc, install);
	else
		verify_add(r, "key-strength", CHECK_OK, "%s", desc);
	level = loadcheck_rsa_key(x509gen_key_is_rsa(key), desc, r->file,
	    o->loads, msg, sizeof(msg));
	verify_add(r, "rsa-key", (enum check_status)level, "%s", msg);
	ERR_clear_error();
}

/* The worst signature digest in the chain the server sends. */
static void
check_signatures(const STACK_OF(X509) *certs, const char *install,
    struct file_report *r)
{
	int i, mdnid, pknid, worst = CHECK_OK, weak_nid = NID_undef;
	int self_signed = 0;
	X509 *cert;

	for (i = 0; i < sk_X509_num(certs); i++) {
		cert = sk_X509_value(certs, i);
		if (!X509_get_signature_info(cert, &mdnid, &pknid, NULL, NULL))
			continue;
		if (mdnid == NID_md5 || mdnid == NID_md4 || mdnid == NID_md2 ||
		    mdnid == NID_md5_sha1) {
			worst = CHECK_CRITICAL;
			weak_nid = mdnid;
		} else if (mdnid == NID_sha1 && worst != CHECK_CRITICAL) {
			self_signed = chain_is_self_signed(cert);
			/* The signature of a self-signed certificate is never
			 * checked by anyone: only its key matters. */
			if (!self_signed || worst == CHECK_OK) {
				worst = self_signed ? CHECK_WARNING :
				    CHECK_CRITICAL;
				weak_nid = mdnid;
			}
		}
	}
	ERR_clear_error();
	if (worst == CHECK_CRITICAL)
		verify_add(r, "signature-algorithm", CHECK_CRITICAL, "a "
		    "certificate is signed with %s: clients and OpenSSL 3 "
		    "refuse it; get a certificate signed with SHA-256",
		    OBJ_nid2sn(weak_nid));
	else if (worst == CHECK_WARNING)
		verify_add(r, "signature-algorithm", CHECK_WARNING, "the "
		    "self-signed certificate is signed with %s; make a new "
		    "one with %s --new-key", OBJ_nid2sn(weak_nid), install);
	else
		verify_add(r, "signature-algorithm", CHECK_OK, "no MD5 or "
		    "SHA-1 signature");
}

static void
check_leaf_use(X509 *leaf, const struct verify_opts *o, const char *install,
    struct file_report *r)
{
	uint32_t xku;
	int want_server = (o->usage & USAGE_SERVER) != 0;

	verify_add_if(r, "leaf-ca", X509_check_ca(leaf) != 0 &&
	    (X509_get_extension_flags(leaf) & EXFLAG_CA), CHECK_WARNING,
	    "not a CA certificate", "the certificate is a CA certificate "
	    "(basicConstraints CA:TRUE); some clients refuse it as a "
	    "server's: make a new one with %s --new-key", install);
	if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE))
		verify_add(r, "eku", CHECK_OK, "no extended key usage: any "
		    "use allowed");
	else if ((xku = X509_get_extended_key_usage(leaf)),
	    (xku & (want_server ? XKU_SSL_SERVER : XKU_SSL_CLIENT)) != 0)
		verify_add(r, "eku", CHECK_OK, "extended key usage includes "
		    "%s", want_server ? "serverAuth" : "clientAuth");
	else
		verify_add(r, "eku", want_server ? CHECK_CRITICAL :
		    CHECK_WARNING, "the extended key usage lacks %s, so %s "
		    "that check it refuse the certificate: get one with %s",
		    want_server ? "serverAuth" : "clientAuth", want_server ?
		    "mail clients and servers" : "servers",
		    want_server ? "serverAuth" : "clientAuth");
	ERR_clear_error();
}

static void
check_hostname(X509 *leaf, const struct verify_opts *o, const char *install,
    struct file_report *r)
{
	int want_server = (o->usage & USAGE_SERVER) != 0;

	if (o->hostname == NULL)
		verify_add(r, "hostname", CHECK_SKIPPED, "no host name to "
		    "check: %s", o->no_hostname_why ? o->no_hostname_why :
		    "control/me does not exist; pass --hostname");
	else if (X509_check_host(leaf, o->hostname, 0, 0, NULL) == 1)
		verify_add(r, "hostname", CHECK_OK, "covers %s", o->hostname);
	else
		verify_add(r, "hostname", want_server ? CHECK_CRITICAL :
		    CHECK_WARNING, "does not cover %s (names: %s): clients "
		    "that check the name refuse it; get a certificate for %s "
		    "or make one with %s --new-key --hostname %s", o->hostname,
		    r->sans[0] ? r->sans : r->subject, o->hostname,
		    install, o->hostname);
	ERR_clear_error();
}

int
verify_content(const char *data, size_t len, const struct verify_opts *o,
    struct file_report *r, struct err *err)
{
	struct pem_bundle b;
	time_t now = o->now ? o->now : time(NULL);
	enum loadcheck_level level;
	char msg[sizeof(r->checks[0].message)];
	const char *install = o->install ? o->install : "qmail-pem install";
	X509 *leaf;
	int li;

	if (pemfile_parse(data, len, &b, err) == -1)
		return -1;
	check_parses(&b, install, r);
	if (b.key == NULL || sk_X509_num(b.certs) == 0) {
		if (sk_X509_num(b.certs) > 0)
			verify_describe_cert(sk_X509_value(b.certs, 0), now, r);
		verify_skip_content(r, "single-key", "not checked: the file "
		    "has no usable key and certificate");
		goto out;
	}
	check_single_key(&b, r);
	check_garbage(&b, install, r);
	if ((li = pemfile_key_cert_index(&b)) == -1) {
		verify_add(r, "key-matches", CHECK_CRITICAL, "the private key "
		    "matches none of the certificates: qmail would fail "
		    "STARTTLS; install the certificate of this key");
		leaf = sk_X509_value(b.certs, 0);
		verify_add(r, "chain-order", CHECK_SKIPPED, "no certificate "
		    "of the key");
		verify_add(r, "chain-duplicates", CHECK_SKIPPED, "no "
		    "certificate of the key");
		verify_add(r, "chain-root", CHECK_SKIPPED, "no certificate of "
		    "the key");
	} else {
		leaf = sk_X509_value(b.certs, li);
		verify_add(r, "key-matches", CHECK_OK, "the private key "
		    "matches the certificate");
		check_chain(&b, li, install, r);
	}
	level = loadcheck_chain_sent(sk_X509_num(b.certs), o->loads, msg);
	verify_add(r, "chain-sent", (enum check_status)level, "%s", msg);
	verify_describe_cert(leaf, now, r);
	check_validity(o, now, r);
	check_key(b.key, o, install, r);
	check_signatures(b.certs, install, r);
	check_leaf_use(leaf, o, install, r);
	check_hostname(leaf, o, install, r);
out:
	pemfile_free(&b);
	return 0;
}
