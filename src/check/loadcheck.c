/*
 * loadcheck.c: rsa-key and chain-sent against what the readers' programs
 * load (loadcheck.h).
 */
#include <stdio.h>
#include <string.h>

#include "check/loadcheck.h"
#include "site/policy.h"

enum loadcheck_level
loadcheck_rsa_key(int is_rsa, const char *desc, const char *file,
    const struct readerbin_file *l, char *msg, size_t size)
{
	char known[sizeof(l->key_text) + 4] = "";

	if (is_rsa) {
		snprintf(msg, size, "%s", desc);
		return LOADCHECK_OK;
	}
	if (l != NULL && l->key == LOADERS_KEY_RSA_ONLY) {
		snprintf(msg, size, "%s is not an RSA key, and %s; %s.  Make an "
		    "RSA key: qmail-pem rotate --key-type rsa2048 (for "
		    "certbot: --key-type rsa, then install --from-certbot)",
		    desc, l->key_text, readerbin_key_failure(file));
		return strcmp(file, CLIENTCERT) == 0 ? LOADCHECK_WARNING :
		    LOADCHECK_CRITICAL;
	}
	if (l != NULL && l->key == LOADERS_KEY_ANY) {
		snprintf(msg, size, "%s; %s", desc, l->key_text);
		return LOADCHECK_OK;
	}
	if (l != NULL)
		snprintf(known, sizeof(known), " (%s)", l->key_text);
	snprintf(msg, size, "%s is not an RSA key: many qmail TLS patches load "
	    "the key with SSL_CTX_use_RSAPrivateKey_file and then answer "
	    "STARTTLS with \"454 TLS no valid RSA private key\"; fine only if "
	    "your qmail-smtpd and qmail-remote load any key type%s", desc,
	    known);
	return LOADCHECK_WARNING;
}

enum loadcheck_level
loadcheck_chain_sent(int ncerts, const struct readerbin_file *l,
    char msg[LOADCHECK_MSG_MAX])
{
	size_t size = LOADCHECK_MSG_MAX;
	int extra = ncerts - 1;	/* a leaf-only loader sends the first */

	if (l == NULL || l->cert == LOADERS_CERT_UNKNOWN) {
		snprintf(msg, size, "%s", l != NULL ? l->cert_text :
		    "not known which program reads it");
		return LOADCHECK_SKIPPED;
	}
	if (l->cert == LOADERS_CERT_LEAF_ONLY && extra > 0) {
		snprintf(msg, size, "%d intermediate certificate%s in the file "
		    "%s never sent: %s; clients that lack %s cannot verify the "
		    "certificate.  Use a program that loads the chain "
		    "(SSL_CTX_use_certificate_chain_file)", extra, extra == 1 ?
		    "" : "s", extra == 1 ? "is" : "are", l->cert_text,
		    extra == 1 ? "it" : "them");
		return LOADCHECK_WARNING;
	}
	snprintf(msg, size, "%s", l->cert_text);
	return LOADCHECK_OK;
}
