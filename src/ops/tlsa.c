/*
 * tlsa.c: qmail-pem tlsa, the DANE records of the server key.
 *
 * "3 1 1" is DANE-EE, SubjectPublicKeyInfo, SHA-256 (RFC 7671, 7672): it
 * pins the key, not the certificate, so a self-signed certificate works
 * and a new certificate for the same key needs no DNS change.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/privs.h"
#include "base/secret.h"
#include "ops/replace.h"
#include "ops/tlsa.h"
#include "site/ctlfile.h"
#include "site/me.h"
#include "site/policy.h"
#include "x509/certinfo.h"
#include "x509gen.h"

int
tlsa_record(const EVP_PKEY *key, const char *host, char *buf, size_t size,
    struct err *err)
{
	unsigned char digest[32];
	char hex[65];

	if (x509gen_pubkey_sha256(key, digest, err) == -1)
		return -1;
	x509gen_hex(digest, sizeof(digest), hex);
	snprintf(buf, size, "_25._tcp.%s. IN TLSA 3 1 1 %s", host, hex);
	return 0;
}

int
tlsa_hostname(const struct perms_dir *dir, const char *given, X509 *leaf,
    char *buf, size_t size, struct err *err)
{
	struct cert_names names;
	int rc;

	if (given != NULL) {
		if (!x509gen_valid_dns_name(given) || given[0] == '*')
			return err_set(err, EX_USAGE, "--hostname '%s' is not "
			    "a valid host name", given);
		snprintf(buf, size, "%s", given);
		return 0;
	}
	if ((rc = me_read(dir, buf, size, err)) == -1)
		return -1;
	if (rc == 1)
		return 0;
	if (leaf != NULL && certinfo_names(leaf, &names) == 0 &&
	    names.host[0] != '*') {
		snprintf(buf, size, "%s", names.host);
		return 0;
	}
	return err_set(err, EX_CONFIG, "%s/me does not exist and the "
	    "certificate names no host, so the TLSA record has no owner name: "
	    "pass --hostname mail.example.com (the name your MX record points "
	    "to)", dir->path);
}

int
tlsa_run(struct tlsa_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct pem_bundle next;
	struct ctl_file srv;
	struct common_opts *c = &o->c;
	char host[256], record[TLSA_RECORD_MAX], *data = NULL;
	char cmd[2400], label[sizeof(SNI_DIR) + 256 + sizeof(SERVERCERT_NEXT)];
	size_t len = 0;
	int rc = -1, found;

	memset(&srv, 0, sizeof(srv));
	memset(&next, 0, sizeof(next));
	if (privs_limit(PRIVS_READ, err) == -1 ||
	    perms_open_dir(o->c.dir, &dir, err) == -1 ||
	    common_enter_sni(c, 0, &dir, err) == -1 ||
	    common_model(c, &dir, "tlsa", 1, err) == -1 ||
	    ctlfile_read(&dir, SERVERCERT, &srv, err) == -1)
		goto out;
	if (!srv.exists) {
		err_set(err, EX_NOINPUT, "%s/%s does not exist: run %s first",
		    dir.path, SERVERCERT, common_command(c, "install", cmd,
		    sizeof(cmd)));
		goto out;
	}
	if (tlsa_hostname(&dir, o->c.newcert.hostname ? o->c.newcert.hostname :
	    o->c.sni, sk_X509_value(srv.chain.chain, 0), host, sizeof(host),
	    err) == -1)
		goto out;
	if (o->staged) {
		if ((found = replace_read_pem(&dir, SERVERCERT_NEXT, &data,
		    &len, &next, err)) == -1)
			goto out;
		if (found == 0) {
			err_set(err, EX_NOINPUT, "no staged key: %s/%s does "
			    "not exist; stage one with %s --stage", dir.path,
			    SERVERCERT_NEXT, common_command(c, "rotate", cmd,
			    sizeof(cmd)));
			goto out;
		}
	}
	if (tlsa_record(srv.bundle.key, host, record, sizeof(record),
	    err) == -1)
		goto out;
	/* labelled as the administrator knows the file: with --sni,
	 * servercerts/NAME/servercert.pem */
	printf("%s ; %s\n", record, model_label(&c->model, SERVERCERT, label,
	    sizeof(label)));
	if (o->staged) {
		if (tlsa_record(next.key, host, record, sizeof(record),
		    err) == -1)
			goto out;
		printf("%s ; %s\n", record, model_label(&c->model,
		    SERVERCERT_NEXT, label, sizeof(label)));
	}
	rc = fflush(stdout) == 0 ? 0 : err_set(err, EX_IOERR, "cannot write "
	    "to standard output");
out:
	pemfile_free(&next);
	secret_free(data, len);
	ctlfile_free(&srv);
	common_free(c);
	perms_close_dir(&dir);
	return rc;
}
