/*
 * qmail-load.c: the floors for bench/verify.sh.
 *
 *   qmail-load FILE...        loads each file the way qmail's TLS patch
 *                             does at STARTTLS, in one process: SSL_CTX_new,
 *                             SSL_CTX_use_certificate_chain_file,
 *                             SSL_CTX_use_PrivateKey_file,
 *                             SSL_CTX_check_private_key.
 *   qmail-load -p FILE...     the same, and reads each file once more the
 *                             way a checker must to look at what is in it:
 *                             its key (PEM_read_bio_PrivateKey) and each of
 *                             its certificates (PEM_read_bio_X509).
 *
 * Nothing else: no owner, mode, content or read checks, no fork, no
 * privilege change.  qmail-pem verify does all of that too (the load as
 * the reading user, the reading as root), so it cannot be faster than
 * either.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

/* Read path's key and certificates; 0, or -1 if there is no key. */
static int
parse(const char *path)
{
	EVP_PKEY *key;
	X509 *cert;
	BIO *bio;

	if ((bio = BIO_new_file(path, "r")) == NULL)
		return -1;
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		X509_free(cert);
	ERR_clear_error();
	BIO_free(bio);
	if (key == NULL)
		return -1;
	EVP_PKEY_free(key);
	return 0;
}

int
main(int argc, char *argv[])
{
	SSL_CTX *ctx;
	int i = 1, ok, also_parse = 0;

	if (argc > 1 && strcmp(argv[1], "-p") == 0) {
		also_parse = 1;
		i++;
	}
	for (; i < argc; i++) {
		if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
			return 1;
		ok = SSL_CTX_use_certificate_chain_file(ctx, argv[i]) == 1 &&
		    SSL_CTX_use_PrivateKey_file(ctx, argv[i],
		    SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(ctx) == 1;
		SSL_CTX_free(ctx);
		if (ok && also_parse)
			ok = parse(argv[i]) == 0;
		if (!ok) {
			fprintf(stderr, "qmail-load: %s does not load\n",
			    argv[i]);
			return 1;
		}
	}
	return 0;
}
