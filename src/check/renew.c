/*
 * renew.c: how to renew a certificate (renew.h).
 *
 * Self-signed (the subject is the issuer): qmail-pem made it or can make
 * the next one, keeping the key with --keep-key if a TLSA record pins it.
 * Issued by a CA: only the CA's client can; certbot's deploy hook then
 * installs it.
 */
#include <stdio.h>
#include <string.h>

#include "check/renew.h"
#include "site/policy.h"

const char *
renew_how(const char *subject, const char *issuer, const char *dir,
    char *buf, size_t size)
{
	int dflt = dir == NULL || strcmp(dir, DEFAULT_DIR) == 0;

	if (strcmp(subject, issuer) == 0)
		snprintf(buf, size, "with qmail-pem rotate%s%s (self-signed)",
		    dflt ? "" : " -d ", dflt ? "" : dir);
	else
		snprintf(buf, size, "with the client of the CA that issued it "
		    "(for certbot: certbot renew; its deploy hook runs "
		    "qmail-pem install --from-certbot)");
	return buf;
}
