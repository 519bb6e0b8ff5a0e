/*
 * importfiles.c: the files an import names (--key, --cert, --chain,
 * --pkcs12, a certbot lineage), read whole (links followed, regular files
 * only, bounded) and handed to x509/import.c's decoders; and the key of
 * `qmail-pem csr --new-key' waiting in the control directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>

#include "base/secret.h"
#include "fs/readfile.h"
#include "ops/importfiles.h"
#include "x509/decodechild.h"	/* issue 22 */
#include "x509/pemfile.h"

/* Read one input file and decode it with the decoder for its option. */
enum input_kind { IN_KEY, IN_CERTS, IN_PKCS12 };

int
import_requested(const struct import_src *src)
{
	return src->key || src->cert || src->nchain || src->pkcs12 ||
	    src->from_certbot;
}

static int
read_input(const char *path, const char *opt, enum input_kind kind,
    struct import_src *src, struct import_result *r, struct err *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (readfile_path(path, &data, &len, err) == -1)
		return err_prefix(err, "%s: ", opt);
	/* Issue 22: decoded in a sandboxed child (decodechild.h), never in
	 * this process; same results and messages as import_decode_*. */
	switch (kind) {
	case IN_KEY:
		rc = decodechild_key((unsigned char *)data, len, src->passin,
		    path, opt, &r->key, err);
		break;
	case IN_CERTS:
		rc = decodechild_certs((unsigned char *)data, len, path, opt,
		    r->certs, err);
		break;
	default:
		rc = decodechild_pkcs12((unsigned char *)data, len,
		    src->passin, path, &r->key, r->certs, err);
		break;
	}
	secret_free(data, len);
	return rc;
}

static void
add_name(char *buf, size_t size, const char *name)
{
	size_t used = strlen(buf);

	snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
}

int
import_read(struct import_src *src, struct import_result *r, struct err *err)
{
	char key[4096], chain[4096];
	const char *lineage;
	size_t i;

	memset(r, 0, sizeof(*r));
	if ((r->certs = sk_X509_new_null()) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	if (src->from_certbot) {
		lineage = src->lineage ? src->lineage :
		    getenv("RENEWED_LINEAGE");
		if (lineage == NULL || *lineage == '\0')
			return err_set(err, EX_USAGE, "--from-certbot: name "
			    "the lineage directory "
			    "(/etc/letsencrypt/live/NAME) or run as certbot's "
			    "--deploy-hook, which sets RENEWED_LINEAGE");
		snprintf(key, sizeof(key), "%s/privkey.pem", lineage);
		snprintf(chain, sizeof(chain), "%s/fullchain.pem", lineage);
		if (read_input(key, "--from-certbot", IN_KEY, src, r,
		    err) == -1 ||
		    read_input(chain, "--from-certbot", IN_CERTS, src, r,
		    err) == -1)
			return -1;
		snprintf(r->key_file, sizeof(r->key_file), "%s", key);
		snprintf(r->cert_files, sizeof(r->cert_files), "%s", chain);
	}
	if (src->pkcs12) {
		if (read_input(src->pkcs12, "--pkcs12", IN_PKCS12, src, r,
		    err) == -1)
			return -1;
		snprintf(r->key_file, sizeof(r->key_file), "%s", src->pkcs12);
		add_name(r->cert_files, sizeof(r->cert_files), src->pkcs12);
	}
	if (src->key) {
		if (read_input(src->key, "--key", IN_KEY, src, r, err) == -1)
			return -1;
		snprintf(r->key_file, sizeof(r->key_file), "%s", src->key);
	}
	if (src->cert) {
		if (read_input(src->cert, "--cert", IN_CERTS, src, r,
		    err) == -1)
			return -1;
		add_name(r->cert_files, sizeof(r->cert_files), src->cert);
	}
	for (i = 0; i < src->nchain; i++) {
		if (read_input(src->chain[i], "--chain", IN_CERTS, src, r, err)
		    == -1)
			return -1;
		add_name(r->cert_files, sizeof(r->cert_files), src->chain[i]);
	}
	return 0;
}

/* The pending key, if there is one: *key NULL when absent. */
static int
read_pending(const struct perms_dir *dir, const char *name, const char *csr,
    EVP_PKEY **key, int *exists, struct err *err)
{
	struct pem_bundle b;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	*key = NULL;
	if ((rc = perms_stat(dir, name, &st, err)) == -1)
		return -1;
	if ((*exists = rc) == 0)
		return 0;
	if (readfile_dir(dir, name, &data, &len, &st, err) == -1)
		return -1;
	rc = pemfile_parse(data, len, &b, err);
	secret_free(data, len);
	if (rc == -1)
		return -1;
	if (b.key == NULL || b.nkeys != 1) {
		pemfile_free(&b);
		return err_set(err, EX_DATAERR, "%s/%s holds no usable private "
		    "key: remove it (%s --new-key makes a new one)", dir->path,
		    name, csr);
	}
	*key = b.key;
	b.key = NULL;
	pemfile_free(&b);
	return 0;
}

static int
matches_some_cert(const struct import_result *r, EVP_PKEY *key)
{
	int i;

	for (i = 0; key != NULL && i < sk_X509_num(r->certs); i++)
		if (import_key_matches(sk_X509_value(r->certs, i), key))
			return 1;
	return 0;
}

int
import_find_key(const struct perms_dir *dir, const char *pending_name,
    const char *csr, EVP_PKEY *srv_key, const char *srv_problem,
    struct import_result *r, int *pending, struct err *err)
{
	char subj[256], cd[32], pd[32], sd[32], tried_p[512], tried_s[512];
	EVP_PKEY *pkey = NULL;
	int exists = 0;

	*pending = 0;
	if (read_pending(dir, pending_name, csr, &pkey, &exists, err) == -1)
		return -1;
	if (matches_some_cert(r, pkey)) {
		r->key = pkey;
		*pending = 1;
		snprintf(r->key_file, sizeof(r->key_file), "%s/%s", dir->path,
		    pending_name);
		return 0;
	}
	if (matches_some_cert(r, srv_key)) {
		EVP_PKEY_free(pkey);
		if (!EVP_PKEY_up_ref(srv_key))
			return err_set(err, EX_OSERR, "out of memory");
		r->key = srv_key;
		snprintf(r->key_file, sizeof(r->key_file), "%s/servercert.pem",
		    dir->path);
		return 0;
	}
	snprintf(tried_p, sizeof(tried_p), "%s/%s (%s%s%s)", dir->path,
	    pending_name, exists ? "public key sha256 " : "absent",
	    exists ? import_short_digest(pkey, pd, sizeof(pd)) : "",
	    exists ? "..." : "");
	if (srv_key != NULL)
		snprintf(tried_s, sizeof(tried_s), "%s/servercert.pem (public "
		    "key sha256 %s...)", dir->path,
		    import_short_digest(srv_key, sd, sizeof(sd)));
	else
		snprintf(tried_s, sizeof(tried_s), "%s/servercert.pem (%s)",
		    dir->path, srv_problem ? srv_problem : "absent");
	EVP_PKEY_free(pkey);
	return err_set(err, EX_DATAERR, "%s: no key for this certificate "
	    "(\"%s\", public key sha256 %s...); tried %s and %s: give its key "
	    "with --key, or make a request from this server's key with "
	    "%s", r->cert_files,
	    chain_subject(sk_X509_value(r->certs, 0), subj, sizeof(subj)),
	    import_short_digest(X509_get0_pubkey(sk_X509_value(r->certs, 0)),
	    cd, sizeof(cd)), tried_p, tried_s, csr);
}
