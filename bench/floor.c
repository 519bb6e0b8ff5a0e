/*
 * floor.c: the "parse the same files once" floor of bench/verify.sh and
 * bench/status.sh (issue 26).
 *
 *   floor [-k KEYFILE] [-p DHFILE] [-c CERTFILE] [-r CRLFILE] [-t TEXTFILE]...
 *
 * For each file, in one process and in the order given, what any checker of
 * that file must do at least, and nothing more:
 *   -k  a key file (servercert.pem, clientcert.pem, an SNI file): stat, the
 *       private key, the leaf and the rest of the chain, key and leaf
 *       match, the days until the leaf expires;
 *   -p  DH parameters (dh2048.pem): stat, the parameters;
 *   -c  certificates (clientca.pem): stat, every certificate;
 *   -r  a CRL (clientcrl.pem): stat, every CRL;
 *   -t  a text file (tlsclients, tlsserverciphers): stat, its bytes.
 * No owner, mode, read-test or content rules, no fork, no privilege change:
 * qmail-pem verify does all that on top, so it cannot be faster.  Exits 1
 * naming the first file that does not parse.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static int
keyfile(BIO *bio)
{
	EVP_PKEY *key;
	X509 *leaf, *cert;
	int days, secs, ok;

	if ((key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
		return -1;
	if ((leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		EVP_PKEY_free(key);
		return -1;
	}
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		X509_free(cert);
	ok = X509_check_private_key(leaf, key) == 1 &&
	    ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf)) == 1;
	X509_free(leaf);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

static int
dhfile(BIO *bio)
{
	EVP_PKEY *p;

	if ((p = PEM_read_bio_Parameters(bio, NULL)) == NULL)
		return -1;
	EVP_PKEY_free(p);
	return 0;
}

static int
certfile(BIO *bio)
{
	X509 *cert;
	int n = 0;

	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(cert);
		n++;
	}
	return n > 0 ? 0 : -1;
}

static int
crlfile(BIO *bio)
{
	X509_CRL *crl;
	int n = 0;

	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		X509_CRL_free(crl);
		n++;
	}
	return n > 0 ? 0 : -1;
}

static int
textfile(BIO *bio)
{
	char buf[4096];

	while (BIO_read(bio, buf, sizeof(buf)) > 0)
		;
	return 0;
}

int
main(int argc, char *argv[])
{
	int (*parse)(BIO *);
	struct stat st;
	BIO *bio;
	int c, r;

	while ((c = getopt(argc, argv, "k:p:c:r:t:")) != -1) {
		switch (c) {
		case 'k': parse = keyfile; break;
		case 'p': parse = dhfile; break;
		case 'c': parse = certfile; break;
		case 'r': parse = crlfile; break;
		case 't': parse = textfile; break;
		default:
			fprintf(stderr, "usage: floor [-k|-p|-c|-r|-t FILE]...\n");
			return 2;
		}
		if (stat(optarg, &st) == -1 ||
		    (bio = BIO_new_file(optarg, "r")) == NULL) {
			fprintf(stderr, "floor: cannot open %s\n", optarg);
			return 1;
		}
		r = parse(bio);
		BIO_free(bio);
		ERR_clear_error();
		if (r == -1) {
			fprintf(stderr, "floor: %s does not parse\n", optarg);
			return 1;
		}
	}
	return 0;
}
