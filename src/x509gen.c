/*
 * x509gen.c: private keys and self-signed certificates.
 *
 * Certificates follow what mail servers and their peers expect: X.509 v3,
 * random positive 128-bit serial, SHA-256 (or the pure Ed25519 signature),
 * CN and subjectAltName for every name, CA:FALSE, and an extended key
 * usage for the direction the certificate serves.  A host name longer
 * than a CN holds (64 characters; DNS allows 253) is in subjectAltName
 * only, with an empty subject and the extension marked critical (RFC
 * 5280 4.2.1.6): a CN cut short would name another host.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "x509gen.h"

static const struct {
	const char	*name;
	enum key_type	 type;
} key_types[] = {
	{ "rsa2048", KEY_RSA2048 }, { "rsa3072", KEY_RSA3072 },
	{ "rsa4096", KEY_RSA4096 }, { "ec-p256", KEY_EC_P256 },
	{ "ec-p384", KEY_EC_P384 }, { "ed25519", KEY_ED25519 },
};

int
x509gen_parse_key_type(const char *name, enum key_type *type, struct err *err)
{
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (strcmp(name, key_types[i].name) == 0) {
			*type = key_types[i].type;
			return 0;
		}
	}
	return err_set(err, EX_USAGE, "unknown key type '%s': use rsa2048, "
	    "rsa3072, rsa4096, ec-p256, ec-p384 or ed25519", name);
}

const char *
x509gen_key_type_name(enum key_type type)
{
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (key_types[i].type == type)
			return key_types[i].name;
	return "?";
}

int
x509gen_key_type_is_rsa(enum key_type type)
{
	return type == KEY_RSA2048 || type == KEY_RSA3072 ||
	    type == KEY_RSA4096;
}

int
x509gen_valid_dns_name(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len == 0 || len > 253 || name[0] == '.' || name[len - 1] == '.')
		return 0;
	if (strncmp(name, "*.", 2) == 0)
		name += 2, len -= 2;
	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0 || name[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

EVP_PKEY *
x509gen_new_key(enum key_type type, struct err *err)
{
	EVP_PKEY *key = NULL;

	switch (type) {
	case KEY_RSA2048:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KEY_RSA3072:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case KEY_RSA4096:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	case KEY_EC_P256:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_EC_P384:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KEY_ED25519:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	}
	if (key == NULL)
		err_set_ssl(err, EX_SOFTWARE, "cannot generate a %s key",
		    x509gen_key_type_name(type));
	return key;
}

static int
add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value,
    struct err *err)
{
	X509_EXTENSION *ext;
	int ok;

	ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (ext == NULL)
		return err_set_ssl(err, EX_SOFTWARE, "cannot build the %s "
		    "extension", OBJ_nid2sn(nid));
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : err_set_ssl(err, EX_SOFTWARE, "cannot add the %s "
	    "extension", OBJ_nid2sn(nid));
}

static int
set_random_serial(X509 *cert, struct err *err)
{
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn = BN_new();
	int rc = -1;

	/* 127 random bits below a set top bit: positive, never zero. */
	if (bn == NULL || !BN_rand(bn, 128, BN_RAND_TOP_ONE,
	    BN_RAND_BOTTOM_ANY))
		goto out;
	if (!BN_clear_bit(bn, 127) || !BN_set_bit(bn, 126))
		goto out;
	if ((serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !X509_set_serialNumber(cert, serial))
		goto out;
	rc = 0;
out:
	if (rc == -1)
		err_set_ssl(err, EX_SOFTWARE, "cannot make a serial number");
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}

/* RFC 5280's ub-common-name. */
#define CN_MAX	64

static int
fits_cn(const char *hostname)
{
	return strlen(hostname) <= CN_MAX;
}

/* "DNS:a,DNS:b" for the subjectAltName; critical when the subject is
 * empty. */
static int
san_list(const struct cert_request *req, int critical, char *buf,
    size_t size, struct err *err)
{
	size_t i, used;

	snprintf(buf, size, "%sDNS:%s", critical ? "critical," : "",
	    req->hostname);
	for (i = 0; i < req->nsans; i++) {
		if (strcmp(req->sans[i], req->hostname) == 0)
			continue;
		used = strlen(buf);
		if (used + strlen(req->sans[i]) + 6 >= size)
			return err_set(err, EX_USAGE, "too many --san names");
		snprintf(buf + used, size - used, ",DNS:%s", req->sans[i]);
	}
	return 0;
}

/* SHA-256, or NULL for Ed25519 and Ed448, which sign without a separate
 * digest. */
static const EVP_MD *
signing_digest(EVP_PKEY *key)
{
	if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
		return NULL;
	return EVP_sha256();
}

/* The host name and every SAN are DNS names qmail-pem accepts. */
static int
valid_names(const struct cert_request *req, struct err *err)
{
	size_t i;

	if (!x509gen_valid_dns_name(req->hostname))
		return err_set(err, EX_DATAERR, "'%s' is not a valid host name "
		    "for a certificate: fix it in control/me or pass "
		    "--hostname", req->hostname);
	for (i = 0; i < req->nsans; i++)
		if (!x509gen_valid_dns_name(req->sans[i]))
			return err_set(err, EX_USAGE, "--san '%s' is not a "
			    "valid DNS name", req->sans[i]);
	return 0;
}

/* The v3 extensions of a self-signed certificate for req: CA:FALSE, the
 * key usage of key's type, the EKU of req->usage, the names. */
static int
add_extensions(X509 *cert, EVP_PKEY *key, const struct cert_request *req,
    const char *sans, struct err *err)
{
	X509V3_CTX ctx;
	char eku[64];

	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	snprintf(eku, sizeof(eku), "%s%s%s",
	    (req->usage & USAGE_SERVER) ? "serverAuth" : "",
	    (req->usage & USAGE_SERVER) && (req->usage & USAGE_CLIENT) ? "," : "",
	    (req->usage & USAGE_CLIENT) ? "clientAuth" : "");
	if (add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE",
	    err) ||
	    add_ext(cert, &ctx, NID_key_usage, x509gen_key_is_rsa(key) ?
	    "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature", err) ||
	    add_ext(cert, &ctx, NID_ext_key_usage, eku, err) ||
	    add_ext(cert, &ctx, NID_subject_alt_name, sans, err) ||
	    add_ext(cert, &ctx, NID_subject_key_identifier, "hash", err) ||
	    add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always",
	    err))
		return -1;
	return 0;
}

/* An OpenSSL call failed while the what ("certificate", "request") for
 * req was built: -1, with OpenSSL's reason in err. */
static int
build_failed(struct err *err, const char *what,
    const struct cert_request *req)
{
	return err_set_ssl(err, EX_SOFTWARE, "cannot build the %s for %s",
	    what, req->hostname);
}

/* The fields, extensions and signature of the new certificate cert (NULL:
 * X509_new() failed). */
static int
fill_cert(X509 *cert, EVP_PKEY *key, const struct cert_request *req,
    const char *sans, struct err *err)
{
	X509_NAME *name;
	int ok;

	if (cert == NULL || !X509_set_version(cert, X509_VERSION_3))
		return build_failed(err, "certificate", req);
	if (set_random_serial(cert, err) == -1)
		return -1;
	if ((name = X509_NAME_new()) == NULL)
		return build_failed(err, "certificate", req);
	ok = (!fits_cn(req->hostname) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)req->hostname, -1, -1, 0)) &&
	    X509_set_subject_name(cert, name) &&
	    X509_set_issuer_name(cert, name);
	X509_NAME_free(name);
	if (!ok ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -5 * 60) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), req->days, 0, NULL)
	    == NULL || !X509_set_pubkey(cert, key))
		return build_failed(err, "certificate", req);
	if (add_extensions(cert, key, req, sans, err) == -1)
		return -1;
	if (X509_sign(cert, key, signing_digest(key)) <= 0)
		return build_failed(err, "certificate", req);
	return 0;
}

X509 *
x509gen_self_signed(EVP_PKEY *key, const struct cert_request *req,
    struct err *err)
{
	X509 *cert;
	char sans[8192];

	if (valid_names(req, err) == -1)
		return NULL;
	if (req->days < 1 || req->days > 36500) {
		err_set(err, EX_USAGE, "--days must be between 1 and 36500");
		return NULL;
	}
	if (san_list(req, !fits_cn(req->hostname), sans, sizeof(sans),
	    err) == -1)
		return NULL;
	cert = X509_new();
	if (fill_cert(cert, key, req, sans, err) == -1) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Why OpenSSL would not take type=value in a DN. */
static void
bad_attribute(const char *type, const char *value, struct err *err)
{
	const ASN1_STRING_TABLE *limits;
	int nid = OBJ_txt2nid(type);

	ERR_clear_error();
	if (nid == NID_undef) {
		err_set(err, EX_USAGE, "--subject: unknown attribute '%s' (use "
		    "C, ST, L, O, OU, CN ...)", type);
		return;
	}
	limits = ASN1_STRING_TABLE_get(nid);
	if (limits != NULL && limits->maxsize > 0 &&
	    strlen(value) > (size_t)limits->maxsize)
		err_set(err, EX_USAGE, "--subject: the %s value is %zu "
		    "characters long; a %s holds at most %ld (a longer host "
		    "name goes in subjectAltName only: leave it out of "
		    "--subject)", type, strlen(value), type, limits->maxsize);
	else
		err_set(err, EX_USAGE, "--subject: %s cannot hold '%s'%s", type,
		    value, limits != NULL && limits->minsize > 1 ? " (too "
		    "short)" : "");
}

X509_NAME *
x509gen_parse_dn(const char *dn, struct err *err)
{
	X509_NAME *name = NULL;
	char buf[1024], *type, *value;
	const char *p = dn;
	size_t n;

	if (*p != '/') {
		err_set(err, EX_USAGE, "--subject '%s' must start with / (as "
		    "in /O=Example/CN=mail.example.com)", dn);
		return NULL;
	}
	if ((name = X509_NAME_new()) == NULL) {
		err_set_ssl(err, EX_OSERR, "out of memory");
		return NULL;
	}
	while (*p == '/') {
		p++;
		for (n = 0; *p != '\0' && *p != '/'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 >= sizeof(buf))
				goto bad;
			buf[n++] = *p;
		}
		buf[n] = '\0';
		if (n == 0 && *p == '\0')
			break;	/* a trailing slash */
		type = buf;
		if ((value = strchr(buf, '=')) == NULL || value == type ||
		    value[1] == '\0')
			goto bad;
		*value++ = '\0';
		if (!X509_NAME_add_entry_by_txt(name, type, MBSTRING_UTF8,
		    (const unsigned char *)value, -1, -1, 0)) {
			bad_attribute(type, value, err);
			X509_NAME_free(name);
			return NULL;
		}
	}
	if (X509_NAME_entry_count(name) > 0)
		return name;
bad:
	err_set(err, EX_USAGE, "--subject '%s' is not of the form "
	    "/type=value/type=value (for example "
	    "/O=Example/CN=mail.example.com)", dn);
	X509_NAME_free(name);
	return NULL;
}

static int
request_subject(X509_REQ *csr, const struct cert_request *req,
    const char *subject, struct err *err)
{
	X509_NAME *name;
	int ok;

	name = subject ? x509gen_parse_dn(subject, err) : X509_NAME_new();
	if (name == NULL)
		return subject ? -1 : err_set_ssl(err, EX_OSERR,
		    "out of memory");
	ok = (X509_NAME_get_index_by_NID(name, NID_commonName, -1) >= 0 ||
	    !fits_cn(req->hostname) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)req->hostname, -1, -1, 0)) &&
	    X509_REQ_set_subject_name(csr, name);
	X509_NAME_free(name);
	return ok ? 0 : err_set_ssl(err, EX_SOFTWARE,
	    "cannot set the subject of "
	    "the request");
}

/* The subject, names, key and signature of the new request csr (NULL:
 * X509_REQ_new() failed). */
static int
fill_request(X509_REQ *csr, EVP_PKEY *key, const struct cert_request *req,
    const char *subject, struct err *err)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *ext;
	char sans[8192];
	int ok;

	if (valid_names(req, err) == -1)
		return -1;
	if (csr == NULL || !X509_REQ_set_version(csr, X509_REQ_VERSION_1))
		return build_failed(err, "request", req);
	if (request_subject(csr, req, subject, err) == -1 ||
	    san_list(req, X509_NAME_entry_count(X509_REQ_get_subject_name(csr))
	    == 0, sans, sizeof(sans), err) == -1)
		return -1;
	if (!X509_REQ_set_pubkey(csr, key) ||
	    (ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    sans)) == NULL)
		return build_failed(err, "request", req);
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    !sk_X509_EXTENSION_push(exts, ext)) {
		X509_EXTENSION_free(ext);
		sk_X509_EXTENSION_free(exts);
		return build_failed(err, "request", req);
	}
	ok = X509_REQ_add_extensions(csr, exts) &&
	    X509_REQ_sign(csr, key, signing_digest(key)) > 0;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ok ? 0 : build_failed(err, "request", req);
}

X509_REQ *
x509gen_request(EVP_PKEY *key, const struct cert_request *req,
    const char *subject, struct err *err)
{
	X509_REQ *csr = X509_REQ_new();

	if (fill_request(csr, key, req, subject, err) == -1) {
		X509_REQ_free(csr);
		return NULL;
	}
	return csr;
}

int
x509gen_key_is_rsa(const EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "RSA");
}

const char *
x509gen_describe_key(const EVP_PKEY *key, char *buf, size_t size)
{
	char group[64];

	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS") ||
	    EVP_PKEY_is_a(key, "DSA"))
		snprintf(buf, size, "%s %d", EVP_PKEY_get0_type_name(key),
		    EVP_PKEY_get_bits(key));
	else if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL))
		snprintf(buf, size, "EC %s", strcmp(group, "prime256v1") == 0 ?
		    "P-256" : strcmp(group, "secp384r1") == 0 ? "P-384" :
		    strcmp(group, "secp521r1") == 0 ? "P-521" : group);
	else
		snprintf(buf, size, "%s", EVP_PKEY_get0_type_name(key) ?
		    EVP_PKEY_get0_type_name(key) : "unknown");
	return buf;
}

int
x509gen_pubkey_sha256(const EVP_PKEY *key, unsigned char digest[32],
    struct err *err)
{
	unsigned char *der = NULL;
	unsigned int dlen = 0;
	int len, ok;

	len = i2d_PUBKEY((EVP_PKEY *)key, &der);
	if (len <= 0)
		return err_set_ssl(err, EX_SOFTWARE, "cannot encode a public "
		    "key");
	ok = EVP_Digest(der, (size_t)len, digest, &dlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return ok ? 0 : err_set_ssl(err, EX_SOFTWARE,
	    "cannot hash a public key");
}

void
x509gen_hex(const unsigned char *digest, size_t len, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		buf[2 * i] = hex[digest[i] >> 4];
		buf[2 * i + 1] = hex[digest[i] & 15];
	}
	buf[2 * len] = '\0';
}
