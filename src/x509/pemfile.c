/*
 * pemfile.c: combined key + certificate chain PEM files.
 *
 * Splitting into blocks is done here so that text between blocks and the
 * order of blocks can be reported; decoding each block is OpenSSL's.
 */
#include <string.h>
#include <sysexits.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "base/err.h"
#include "base/secret.h"
#include "x509/certmemo.h"
#include "x509/keydecode.h"
#include "x509/pemfile.h"

static const char begin_tag[] = "-----BEGIN ";
static const char end_tag[] = "-----END ";

static int
is_key_type(const char *type)
{
	size_t n = strlen(type);

	return n >= 11 && strcmp(type + n - 11, "PRIVATE KEY") == 0;
}

static int
is_cert_type(const char *type)
{
	return strcmp(type, "CERTIFICATE") == 0 ||
	    strcmp(type, "X509 CERTIFICATE") == 0 ||
	    strcmp(type, "TRUSTED CERTIFICATE") == 0;
}

/* Next line [*p, eol) of the buffer; returns pointer past the newline. */
static const char *
next_line(const char *p, const char *end, const char **eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*eol = nl ? nl : end;
	return nl ? nl + 1 : end;
}

static int
blank(const char *p, const char *eol)
{
	for (; p < eol; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

/* "-----BEGIN TYPE-----" -> TYPE; returns 0 if the line is not one. */
static int
tag_type(const char *p, const char *eol, const char *tag, char *type,
    size_t size)
{
	size_t taglen = strlen(tag), n;
	const char *q;

	while (eol > p && (eol[-1] == '\r' || eol[-1] == ' '))
		eol--;
	if ((size_t)(eol - p) < taglen + 5 || memcmp(p, tag, taglen) != 0 ||
	    memcmp(eol - 5, "-----", 5) != 0)
		return 0;
	q = p + taglen;
	n = (size_t)(eol - 5 - q);
	if (n == 0 || n >= size || memchr(q, '\0', n) != NULL)
		return 0;
	memcpy(type, q, n);
	type[n] = '\0';
	return 1;
}

static void
decode_block(const char *start, size_t len, const char *type,
    struct pem_bundle *b)
{
	BIO *bio = BIO_new_mem_buf(start, (int)len);
	EVP_PKEY *key;
	X509 *cert;

	if (bio == NULL)
		return;
	if (is_key_type(type)) {
		b->nkeys++;
		if (strcmp(type, "ENCRYPTED PRIVATE KEY") == 0 ||
		    memmem(start, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL) {
			b->encrypted_keys++;
		} else if ((key = keydecode_pem(start, len, type)) == NULL) {
			b->bad_keys++;
		} else if (b->key == NULL) {
			b->key = key;
			if (sk_X509_num(b->certs) > 0)
				b->key_after_cert = 1;
		} else {
			EVP_PKEY_free(key);
		}
	} else if (is_cert_type(type)) {
		cert = certmemo_read_pem(bio,
		    strcmp(type, "TRUSTED CERTIFICATE") == 0);
		if (cert == NULL)
			b->bad_certs++;
		else if (!sk_X509_push(b->certs, cert))
			X509_free(cert);
	} else {
		if (b->other_blocks++ == 0)
			snprintf(b->other_type, sizeof(b->other_type), "%s",
			    type);
	}
	BIO_free(bio);
	ERR_clear_error();
}

int
pemfile_parse(const char *data, size_t len, struct pem_bundle *b,
    struct err *err)
{
	const char *p = data, *end = data + len, *eol, *next, *start;
	char type[64], etype[64];

	memset(b, 0, sizeof(*b));
	if ((b->certs = sk_X509_new_null()) == NULL)
		return err_set_ssl(err, EX_OSERR, "out of memory");
	while (p < end) {
		next = next_line(p, end, &eol);
		if (!tag_type(p, eol, begin_tag, type, sizeof(type))) {
			if (!blank(p, eol))
				b->garbage++;
			p = next;
			continue;
		}
		b->nblocks++;
		start = p;
		for (p = next; p < end; p = next) {
			next = next_line(p, end, &eol);
			if (tag_type(p, eol, end_tag, etype, sizeof(etype)))
				break;
			if (tag_type(p, eol, begin_tag, etype, sizeof(etype)))
				break;	/* a new block starts: this one is cut */
		}
		if (p >= end || strcmp(etype, type) != 0 ||
		    memcmp(p, end_tag, strlen(end_tag)) != 0) {
			b->truncated++;
			if (is_key_type(type))
				b->nkeys++, b->bad_keys++;
			else if (is_cert_type(type))
				b->bad_certs++;
			continue;	/* rescan from the line that stopped us */
		}
		decode_block(start, (size_t)(next - start), type, b);
		p = next;
	}
	return 0;
}

void
pemfile_free(struct pem_bundle *b)
{
	EVP_PKEY_free(b->key);
	sk_X509_pop_free(b->certs, X509_free);
	memset(b, 0, sizeof(*b));
}

int
pemfile_key_cert_index(const struct pem_bundle *b)
{
	int i;

	for (i = 0; i < sk_X509_num(b->certs); i++)
		if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(b->certs, i)),
		    b->key) == 1)
			break;
	ERR_clear_error();
	return i < sk_X509_num(b->certs) ? i : -1;
}

int
pemfile_check_usable(const struct pem_bundle *b, const char *shown,
    struct err *err)
{
	if (b->encrypted_keys > 0 && b->key == NULL)
		return err_set(err, EX_DATAERR, "%s: the private key is "
		    "encrypted and qmail cannot ask for a password: import it "
		    "with qmail-pem install --key FILE --passin ...", shown);
	if (b->key == NULL && b->bad_keys > 0)
		return err_set(err, EX_DATAERR, "%s: the private key is "
		    "damaged and cannot be decoded: restore it from a backup "
		    "or install a new one with --new-key", shown);
	if (b->key == NULL)
		return err_set(err, EX_DATAERR, "%s: no private key found: "
		    "qmail needs the key and the certificate in one file; "
		    "install a new one with --new-key or import with "
		    "--key/--cert", shown);
	if (b->nkeys > 1)
		return err_set(err, EX_DATAERR, "%s holds %d private keys; "
		    "qmail uses one: keep only the key that belongs to the "
		    "certificate", shown, b->nkeys);
	if (sk_X509_num(b->certs) == 0)
		return err_set(err, EX_DATAERR, "%s: %s: qmail needs the "
		    "certificate next to the key; install a new one with "
		    "--new-key or import with --key/--cert", shown,
		    b->bad_certs ? "the certificate is damaged and cannot be "
		    "decoded" : "no certificate found");
	if (pemfile_key_cert_index(b) == -1)
		return err_set(err, EX_DATAERR, "%s: the private key does not "
		    "match the certificate: qmail would fail STARTTLS; install "
		    "the matching pair or a new one with --new-key", shown);
	if (b->bad_certs > 0 || b->truncated > 0)
		return err_set(err, EX_DATAERR, "%s: a certificate block is "
		    "damaged or cut short: replace the file with a complete "
		    "copy or install a new one with --new-key", shown);
	return 0;
}

int
pemfile_needs_rewrite(const struct pem_bundle *b, const STACK_OF(X509) *chain)
{
	int i;

	if (b->key_after_cert || b->garbage || b->other_blocks ||
	    b->nkeys != 1 || b->truncated || b->bad_certs ||
	    sk_X509_num(b->certs) != sk_X509_num(chain))
		return 1;
	for (i = 0; i < sk_X509_num(chain); i++)
		if (X509_cmp(sk_X509_value(b->certs, i),
		    sk_X509_value(chain, i)) != 0)
			return 1;
	return 0;
}

int
pemfile_serialize(EVP_PKEY *key, const STACK_OF(X509) *chain, char **out,
    size_t *len, struct err *err)
{
	BIO *bio;
	char *mem = NULL, *copy;
	long n;
	int i, ok;

	*out = NULL;
	*len = 0;
	/* A secure-memory BIO is cleansed when freed. */
	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return err_set_ssl(err, EX_OSERR, "out of memory");
	if (EVP_PKEY_is_a(key, "RSA"))
		ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL,
		    0, NULL, NULL);
	else
		ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
		    NULL);
	for (i = 0; ok && i < sk_X509_num(chain); i++)
		ok = PEM_write_bio_X509(bio, sk_X509_value(chain, i));
	if (!ok || (n = BIO_get_mem_data(bio, &mem)) <= 0) {
		BIO_free(bio);
		return err_set_ssl(err, EX_SOFTWARE, "cannot encode the key "
		    "and certificates");
	}
	copy = secret_copy(mem, (size_t)n, err);
	BIO_free(bio);
	if (copy == NULL)
		return -1;
	*out = copy;
	*len = (size_t)n;
	return 0;
}
