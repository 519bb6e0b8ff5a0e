/* newcert.c: new keys and self-signed certificates, as key files. */
#include <stdio.h>
#include <sysexits.h>

#include "base/msg.h"
#include "ops/newcert.h"
#include "site/me.h"
#include "x509/pemfile.h"

int
newcert_hostname(const struct perms_dir *dir, const struct newcert_opts *o,
    char *buf, size_t size, struct err *err)
{
	int rc;

	if (o->hostname != NULL) {
		if (!x509gen_valid_dns_name(o->hostname))
			return err_set(err, EX_USAGE, "--hostname '%s' is not "
			    "a valid host name", o->hostname);
		snprintf(buf, size, "%s", o->hostname);
		return 0;
	}
	if (o->sni != NULL) {
		snprintf(buf, size, "%s", o->sni);
		return 0;
	}
	if ((rc = me_read(dir, buf, size, err)) == -1)
		return -1;
	if (rc == 0)
		return err_set(err, EX_CONFIG, "%s/me does not exist, so there "
		    "is no host name for the certificate: pass --hostname "
		    "mail.example.com (or create control/me)", dir->path);
	return 0;
}

void
newcert_warn_non_rsa(enum key_type type)
{
	if (!x509gen_key_type_is_rsa(type))
		msg_warn("%s is not an RSA key type: many qmail TLS patches "
		    "load the key with SSL_CTX_use_RSAPrivateKey_file, which "
		    "only accepts RSA, and then answer STARTTLS with \"454 TLS "
		    "no valid RSA private key\"; use it only if your "
		    "qmail-smtpd and qmail-remote load any key type "
		    "(qmail-pem readers shows what they load)",
		    x509gen_key_type_name(type));
}

static const char *
usage_words(int usage)
{
	return usage == (USAGE_SERVER | USAGE_CLIENT) ?
	    "serverAuth+clientAuth" : usage == USAGE_SERVER ? "serverAuth" :
	    "clientAuth";
}

/* The self-signed certificate of req for key, serialized with the key. */
static int
self_signed_file(EVP_PKEY *key, const struct cert_request *req,
    char **content, size_t *len, struct err *err)
{
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL;
	int rc = -1;

	if ((cert = x509gen_self_signed(key, req, err)) == NULL)
		goto out;
	if ((chain = sk_X509_new_null()) == NULL || !sk_X509_push(chain, cert)) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	cert = NULL;	/* owned by chain */
	rc = pemfile_serialize(key, chain, content, len, err);
out:
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

int
newcert_make(const struct newcert_opts *o, const char *hostname, int usage,
    char **content, size_t *len, char *note, size_t notesize,
    struct err *err)
{
	struct cert_request req;
	EVP_PKEY *key;
	int rc;

	req.hostname = hostname;
	req.sans = o->sans;
	req.nsans = o->nsans;
	req.days = o->days;
	req.usage = usage;
	if ((key = x509gen_new_key(o->key_type, err)) == NULL)
		return -1;
	rc = self_signed_file(key, &req, content, len, err);
	EVP_PKEY_free(key);
	if (rc == 0)
		snprintf(note, notesize, "%s key, self-signed for %s, %d days, "
		    "%s", x509gen_key_type_name(o->key_type), hostname,
		    o->days, usage_words(usage));
	return rc;
}

int
newcert_resign(EVP_PKEY *key, const struct cert_request *req,
    char **content, size_t *len, char *note, size_t notesize,
    struct err *err)
{
	char desc[64];

	if (self_signed_file(key, req, content, len, err) == -1)
		return -1;
	snprintf(note, notesize, "%s key kept, self-signed for %s, %d days, "
	    "%s", x509gen_describe_key(key, desc, sizeof(desc)),
	    req->hostname, req->days, usage_words(req->usage));
	return 0;
}
