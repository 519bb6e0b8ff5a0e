/*
 * qmail-load.c: the floor for bench/verify.sh.  Loads each file named on
 * the command line the way qmail's TLS patch does at STARTTLS, in one
 * process: SSL_CTX_new, SSL_CTX_use_certificate_chain_file,
 * SSL_CTX_use_PrivateKey_file, SSL_CTX_check_private_key.  Nothing else:
 * no owner, mode, content or read checks, no fork, no privilege change.
 * qmail-pem verify does all of that too, so it cannot be faster than this.
 */
#include <stdio.h>

#include <openssl/ssl.h>

int
main(int argc, char *argv[])
{
	SSL_CTX *ctx;
	int i, ok;

	for (i = 1; i < argc; i++) {
		if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
			return 1;
		ok = SSL_CTX_use_certificate_chain_file(ctx, argv[i]) == 1 &&
		    SSL_CTX_use_PrivateKey_file(ctx, argv[i],
		    SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(ctx) == 1;
		SSL_CTX_free(ctx);
		if (!ok) {
			fprintf(stderr, "qmail-load: %s does not load\n",
			    argv[i]);
			return 1;
		}
	}
	return 0;
}
