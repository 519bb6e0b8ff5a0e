/*
 * import.c: decoding keys and certificates the administrator names.
 *
 * Every input comes in as bytes (ops/importfiles.c reads it whole; the
 * fuzz targets feed it), decoded by OpenSSL: keys
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

#include "base/err.h"
#include "base/msg.h"
#include "x509/import.h"
#include "x509/kdflimit.h"
#include "x509/pemfile.h"

#define MAX_OBJECTS	1000	/* objects looked at in one input */

static const char passin_hint[] = "give its password with --passin env:VAR, "
    "file:PATH or fd:N";

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
    struct store_count *c, EVP_PKEY **key, struct err *err)
{
	OSSL_STORE_CTX *store = NULL;
	OSSL_STORE_INFO *info;
	UI_METHOD *ui = NULL;
	BIO *bio = NULL;
	int i, rc = -1;

	memset(c, 0, sizeof(*c));
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (ui = UI_UTIL_wrap_read_pem_callback(passin_pem_cb, 0)) == NULL) {
		err_set_ssl(err, EX_OSERR, "out of memory");
		goto out;
	}
	if ((store = OSSL_STORE_attach(bio, "file", NULL, NULL, ui, use, NULL,
	    NULL, NULL)) == NULL) {
		err_set_ssl(err, EX_SOFTWARE, "OpenSSL cannot open a store on "
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
    EVP_PKEY **key, struct err *err)
{
	struct passin_use use = { passin, 0, 0, err };
	struct store_count c;
	char label[4200];

	*key = NULL;
	if (is_pkcs12(data, len))
		return err_set(err, EX_DATAERR, "%s (%s) is a PKCS#12 file, "
		    "not a key: import it with --pkcs12 %s", shown, opt, shown);
	snprintf(label, sizeof(label), "%s (%s)", shown, opt);
	if (kdflimit_keys(data, len, label, err) == -1 ||
	    store_scan(data, len, &use, &c, key, err) == -1)
		return -1;
	if (use.failed) {		/* the password source failed */
		EVP_PKEY_free(*key);
		*key = NULL;
		return -1;
	}
	if (c.keys > 1) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return err_set(err, EX_DATAERR, "%s (%s) holds %d private "
		    "keys: give a file with only the key of the certificate",
		    shown, opt, c.keys);
	}
	if (c.keys == 1)
		return 0;
	if (use.asked && passin == NULL)
		return err_set(err, EX_DATAERR, "%s (%s) is encrypted: %s "
		    "(qmail cannot ask for it, so the key is written "
		    "unencrypted)", shown, opt, passin_hint);
	if (use.asked)
		return err_set(err, EX_DATAERR, "%s (%s): the password from "
		    "--passin %s does not decrypt it: give the right password",
		    shown, opt, passin->shown);
	if (c.certs > 0)
		return err_set(err, EX_DATAERR, "%s (%s) holds a certificate, "
		    "not a private key: give it with --cert and the key with "
		    "--key", shown, opt);
	if (c.pubkeys > 0)
		return err_set(err, EX_DATAERR, "%s (%s) holds a public key, "
		    "not the private key: give the private key file", shown,
		    opt);
	return err_set(err, EX_DATAERR, "%s (%s) is not a private key in PEM "
	    "or DER form: give the key file", shown, opt);
}

/* A certificate file that holds none: say what it holds instead. */
static int
no_certificate(const struct pem_bundle *b, const char *shown, const char *opt,
    struct err *err)
{
	if (b->nkeys > 0)
		return err_set(err, EX_DATAERR, "%s (%s) holds a private key, "
		    "not a certificate: give it with --key and the certificate "
		    "with --cert", shown, opt);
	if (b->bad_certs > 0)
		return err_set(err, EX_DATAERR, "%s (%s): the certificate is "
		    "damaged and cannot be decoded: get a new copy from the CA",
		    shown, opt);
	if (b->other_blocks > 0 &&
	    strstr(b->other_type, "CERTIFICATE REQUEST") != NULL)
		return err_set(err, EX_DATAERR, "%s (%s) holds a certificate "
		    "request, not a certificate: send it to the CA and give "
		    "the certificate it returns", shown, opt);
	if (b->other_blocks > 0)
		return err_set(err, EX_DATAERR, "%s (%s) holds %s, not a "
		    "certificate", shown, opt, b->other_type);
	return err_set(err, EX_DATAERR, "%s (%s) holds no certificate", shown,
	    opt);
}

static int
decode_pem_certs(const unsigned char *data, size_t len, const char *shown,
    const char *opt, STACK_OF(X509) *certs, struct err *err)
{
	struct pem_bundle b;
	int i, rc = -1;

	if (pemfile_parse((const char *)data, len, &b, err) == -1)
		return -1;
	if (sk_X509_num(b.certs) == 0) {
		no_certificate(&b, shown, opt, err);
		goto out;
	}
	if (b.bad_certs > 0 || b.truncated > 0) {
		err_set(err, EX_DATAERR, "%s (%s): a certificate block is "
		    "damaged or cut short: get a complete copy", shown, opt);
		goto out;
	}
	if (b.nkeys > 0)
		msg_warn("%s (%s) also holds a private key; it is not used "
		    "(the key comes from %s)", shown, opt, "--key, --pkcs12 "
		    "or the control directory");
	for (i = 0; i < sk_X509_num(b.certs); i++) {
		X509 *cert = sk_X509_value(b.certs, i);
		if (!sk_X509_push(certs, cert)) {
			err_set(err, EX_OSERR, "out of memory");
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
    const char *opt, STACK_OF(X509) *certs, struct err *err)
{
	const unsigned char *p = data;
	EVP_PKEY *key;
	X509 *cert;

	if (is_pem(data, len))
		return decode_pem_certs(data, len, shown, opt, certs, err);
	if (is_pkcs12(data, len))
		return err_set(err, EX_DATAERR, "%s (%s) is a PKCS#12 file: "
		    "import it with --pkcs12 %s", shown, opt, shown);
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert != NULL && p == data + len) {
		if (sk_X509_push(certs, cert))
			return 0;
		X509_free(cert);
		return err_set(err, EX_OSERR, "out of memory");
	}
	X509_free(cert);
	p = data;
	key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	ERR_clear_error();
	if (key != NULL) {
		EVP_PKEY_free(key);
		return err_set(err, EX_DATAERR, "%s (%s) holds a private key, "
		    "not a certificate: give it with --key and the certificate "
		    "with --cert", shown, opt);
	}
	return err_set(err, EX_DATAERR, "%s (%s) is not a certificate in PEM "
	    "or DER form: give the certificate file from the CA", shown, opt);
}

/* Check the MAC with the password (or "" and none): returns the password
 * to use, or NULL with a message. */
static const char *
pkcs12_password(PKCS12 *p12, struct passin *passin, const char *shown,
    struct err *err)
{
	if (passin != NULL && passin_load(passin, err) == -1)
		return NULL;
	if (!PKCS12_mac_present(p12))
		return passin ? passin->pass : "";
	if (passin != NULL) {
		if (PKCS12_verify_mac(p12, passin->pass, (int)passin->len))
			return passin->pass;
		/* An empty password is encoded two ways. */
		if (passin->len == 0 && PKCS12_verify_mac(p12, NULL, 0))
			return "";
		err_set(err, EX_DATAERR, "%s (--pkcs12): the password from "
		    "--passin %s is wrong (the integrity check failed): give "
		    "the right password", shown, passin->shown);
		return NULL;
	}
	if (PKCS12_verify_mac(p12, "", 0) || PKCS12_verify_mac(p12, NULL, 0))
		return "";
	err_set(err, EX_DATAERR, "%s (--pkcs12) is protected by a password: %s",
	    shown, passin_hint);
	return NULL;
}

int
import_decode_pkcs12(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, EVP_PKEY **key,
    STACK_OF(X509) *certs, struct err *err)
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
		err_set(err, EX_DATAERR,
		    "%s (--pkcs12) is not a PKCS#12 file%s",
		    shown, is_pem(data, len) ? ": it is PEM; give the key with "
		    "--key and the certificates with --cert" : "");
		goto out;
	}
	if (kdflimit_pkcs12_mac(p12, label, err) == -1 ||
	    (pass = pkcs12_password(p12, passin, shown, err)) == NULL ||
	    kdflimit_pkcs12_contents(p12, pass, label, err) == -1)
		goto out;
	if (!PKCS12_parse(p12, pass, key, &cert, &ca)) {
		err_set_ssl(err, EX_DATAERR, "%s (--pkcs12) cannot be "
		    "decrypted (an old RC2 or 3DES file?): export it again "
		    "with openssl pkcs12 -export, or give --key and --cert",
		    shown);
		goto out;
	}
	if (*key == NULL) {
		err_set(err, EX_DATAERR, "%s (--pkcs12) holds no private key: "
		    "export it with the key", shown);
		goto out;
	}
	if (cert == NULL && sk_X509_num(ca) == 0) {
		err_set(err, EX_DATAERR, "%s (--pkcs12) holds no certificate: "
		    "export it with the certificate", shown);
		goto out;
	}
	if (cert != NULL) {
		if (!sk_X509_push(certs, cert)) {
			err_set(err, EX_OSERR, "out of memory");
			goto out;
		}
		cert = NULL;
	}
	while (sk_X509_num(ca) > 0) {
		X509 *c = sk_X509_shift(ca);
		if (!sk_X509_push(certs, c)) {
			X509_free(c);
			err_set(err, EX_OSERR, "out of memory");
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
