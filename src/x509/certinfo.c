/* certinfo.c: names and key type of a certificate. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "x509/certinfo.h"

/* Copy an ASN.1 string that must be a valid DNS name; 0 if it is. */
static int
dns_name(const ASN1_STRING *s, char *buf, size_t size)
{
	int len = ASN1_STRING_length(s);
	const unsigned char *p = ASN1_STRING_get0_data(s);

	if (len <= 0 || (size_t)len >= size || memchr(p, '\0', (size_t)len))
		return -1;
	memcpy(buf, p, (size_t)len);
	buf[len] = '\0';
	return x509gen_valid_dns_name(buf) ? 0 : -1;
}

static int
known(const struct cert_names *n, const char *name)
{
	size_t i;

	if (strcmp(n->host, name) == 0)
		return 1;
	for (i = 0; i < n->nsans; i++)
		if (strcmp(n->sans[i], name) == 0)
			return 1;
	return 0;
}

int
certinfo_names(X509 *cert, struct cert_names *n)
{
	GENERAL_NAMES *gens;
	const X509_NAME *subject = X509_get_subject_name(cert);
	X509_NAME_ENTRY *cn;
	char buf[256];
	int i, pos;

	memset(n, 0, sizeof(*n));
	pos = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
	if (pos >= 0 && (cn = X509_NAME_get_entry(subject, pos)) != NULL)
		(void)dns_name(X509_NAME_ENTRY_get_data(cn), n->host,
		    sizeof(n->host));
	if (n->host[0] != '\0' && !x509gen_valid_dns_name(n->host))
		n->host[0] = '\0';
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS ||
		    dns_name(g->d.dNSName, buf, sizeof(buf)) == -1)
			continue;
		if (n->host[0] == '\0') {
			snprintf(n->host, sizeof(n->host), "%s", buf);
			continue;
		}
		if (known(n, buf) || n->nsans >= X509GEN_MAX_SANS)
			continue;
		snprintf(n->sans[n->nsans], sizeof(n->sans[0]), "%s", buf);
		n->sanp[n->nsans] = n->sans[n->nsans];
		n->nsans++;
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return n->host[0] ? 0 : -1;
}

enum key_type
certinfo_key_type(const EVP_PKEY *key)
{
	char group[64];
	int bits;

	if (EVP_PKEY_is_a(key, "RSA")) {
		bits = EVP_PKEY_get_bits(key);
		return bits > 3072 ? KEY_RSA4096 : bits > 2048 ? KEY_RSA3072 :
		    KEY_RSA2048;
	}
	if (EVP_PKEY_is_a(key, "ED25519"))
		return KEY_ED25519;
	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL)) {
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			return KEY_EC_P256;
		if (strcmp(group, "secp384r1") == 0 ||
		    strcmp(group, "P-384") == 0)
			return KEY_EC_P384;
	}
	ERR_clear_error();
	return KEY_RSA2048;
}
