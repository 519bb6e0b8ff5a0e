/*
 * csr.c: qmail-pem csr.
 *
 * Reads (or makes) the key, builds the request in memory, and only then
 * writes: the pending key first, through the plan like every other file
 * in the control directory, then the request.  A request is public: it
 * goes to stdout, or to --output written atomically (mode 0644).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/pem.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "fs/output.h"
#include "fs/plan.h"
#include "ops/csr.h"
#include "ops/trace.h"
#include "site/ctlfile.h"
#include "site/policy.h"
#include "x509/pemfile.h"

/*
 * Progress lines: on stderr when the request itself goes to stdout, so
 * that `qmail-pem csr > req.pem' gives a clean file.
 */
static void
say(const struct csr_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct csr_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (msg_verbosity() == MSG_QUIET)
		return;
	va_start(ap, fmt);
	msg_vsay(o->c.output ? stdout : stderr, "", fmt, ap);
	va_end(ap);
}

/* The key of servercert.pem, in any layout qmail-pem can read. */
static int
current_key(const struct csr_opts *o, const struct perms_dir *dir,
    struct ctl_file *srv, EVP_PKEY **key, struct err *err)
{
	char cmd[2400];

	if (ctlfile_read(dir, SERVERCERT, srv, err) == -1)
		return -1;
	if (!srv->exists)
		return err_set(err, EX_NOINPUT, "%s/%s does not exist, so "
		    "there is no key to make the request from: use --new-key "
		    "(or run %s first)", dir->path, SERVERCERT,
		    common_command(&o->c, "install", cmd, sizeof(cmd)));
	*key = srv->bundle.key;
	if (!EVP_PKEY_up_ref(*key))
		return err_set(err, EX_OSERR, "out of memory");
	return 0;
}

/* "CN=mail.example.com, O=Example" of the request, for the summary. */
static void
request_subject(X509_REQ *csr, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	snprintf(buf, size, "?");
	if (bio != NULL && X509_NAME_print_ex(bio,
	    X509_REQ_get_subject_name(csr), 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0 && (n = BIO_get_mem_data(bio, &p)) > 0)
		snprintf(buf, size, "%.*s", (int)n, p);
	BIO_free(bio);
}

static int
request_pem(EVP_PKEY *key, const struct csr_opts *o, const char *hostname,
    char **pem, size_t *len, char *subject, size_t subjsize, struct err *err)
{
	struct cert_request req;
	X509_REQ *csr = NULL;
	BIO *bio = NULL;
	char *mem;
	long n;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	req.hostname = hostname;
	req.sans = o->c.newcert.sans;
	req.nsans = o->c.newcert.nsans;
	if ((csr = x509gen_request(key, &req, o->subject, err)) == NULL)
		goto out;
	request_subject(csr, subject, subjsize);
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_REQ(bio, csr) ||
	    (n = BIO_get_mem_data(bio, &mem)) <= 0 ||
	    (*pem = malloc((size_t)n + 1)) == NULL) {
		err_set_ssl(err, EX_SOFTWARE, "cannot encode the request");
		goto out;
	}
	memcpy(*pem, mem, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	rc = 0;
out:
	BIO_free(bio);
	X509_REQ_free(csr);
	return rc;
}

/* Make the new key and write it as the pending key. */
static int
write_pending_key(const struct csr_opts *o, const struct perms_dir *dir,
    EVP_PKEY *key, char *what, size_t size, struct err *err)
{
	struct trace trace;
	struct file_plan plan;
	STACK_OF(X509) *none = sk_X509_new_null();
	int rc = -1;

	memset(&plan, 0, sizeof(plan));
	if (none == NULL) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	if (pemfile_serialize(key, none, &plan.content, &plan.len, err) == -1)
		goto out;
	plan.name = PENDING_KEY;
	plan.target.uid = 0;
	plan.target.gid = 0;
	plan.target.mode = PRIVATE_FILE_MODE;
	plan.keep_backup = 1;	/* an earlier request may still be signed */
	plan.info = ACT_NEW_KEY;
	if (plan_decide(dir, &plan, err) == -1)
		goto out;
	trace_before(&trace, dir, &plan, 1);
	if (plan_apply(dir, &plan, 1, time(NULL), err) == -1)
		goto out;
	trace_after(&trace, "csr --new-key", dir, &plan, 1);
	plan_describe(&plan, what, size);
	if (plan.backup[0])
		say(o, "%s: the earlier pending key is kept as %s", PENDING_KEY,
		    plan.backup);
	rc = 0;
out:
	sk_X509_free(none);
	plan_free(&plan, 1);
	return rc;
}

/*
 * The CN of a --subject in /O=.../CN=... form ("" when it has none).  A
 * CN other than the host name would make a request whose subject names a
 * host its subjectAltName does not: refused before anything is made.
 */
static int
subject_cn_matches(const char *subject, const char *hostname, struct err *err)
{
	char cn[256];
	const char *p;
	size_t n = 0;

	if (subject == NULL || (p = strstr(subject, "/CN=")) == NULL)
		return 0;
	for (p += 4; *p != '\0' && *p != '/' && n < sizeof(cn) - 1; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		cn[n++] = *p;
	}
	cn[n] = '\0';
	if (strcasecmp(cn, hostname) == 0)
		return 0;
	return err_set(err, EX_USAGE, "--subject has CN=%s but the host name "
	    "is %s: the request would name a host its subjectAltName does not; "
	    "give --hostname %s, or leave CN out of --subject", cn, hostname,
	    cn);
}

/* The directory opened (and locked for a new key), and --output's. */
static int
open_dirs(struct csr_opts *o, struct perms_dir *dir,
    struct output *out, struct err *err)
{
	if (o->c.new_key) {
		newcert_warn_non_rsa(o->c.newcert.key_type);
		if (privs_check_can_write(err) == -1)
			return -1;
	}
	if (privs_limit(o->c.new_key || o->c.output ? PRIVS_WRITE :
	    PRIVS_READ, err) == -1 ||
	    perms_open_dir(o->c.dir, dir, err) == -1)
		return -1;
	/* Never into the control directory (--output DIR/servercert.pem
	 * would replace the key file with the request). */
	if (o->c.output != NULL && output_open(o->c.output, o->c.dir,
	    dir->fd, out, err) == -1)
		return -1;
	/* a new key for a new SNI name: its folder is made just before the
	 * key is written (common_make_sni()) */
	if (common_enter_sni(&o->c, o->c.new_key, dir, err) == -1)
		return -1;
	return o->c.new_key ? common_lock_dir(&o->c, dir, err) : 0;
}

/* What was made and what to do next, after the request is out. */
static void
summary(const struct csr_opts *o, const char *hostname, const char *subject,
    EVP_PKEY *key, const char *hex, const char *what)
{
	char keydesc[64], sans[2048], cmd[2400];
	size_t i, used;

	x509gen_describe_key(key, keydesc, sizeof(keydesc));
	if (o->c.new_key)
		say(o, "%s: %s -> root:root 0600; %s key for the request",
		    PENDING_KEY, what, keydesc);
	snprintf(sans, sizeof(sans), "DNS:%s", hostname);
	for (i = 0; i < o->c.newcert.nsans; i++) {
		used = strlen(sans);
		if (strcmp(o->c.newcert.sans[i], hostname) != 0)
			snprintf(sans + used, sizeof(sans) - used, ", DNS:%s",
			    o->c.newcert.sans[i]);
	}
	say(o, "request for \"%s\", subjectAltName %s", subject, sans);
	say(o, "key: %s, %s", keydesc, o->c.new_key ? "new, in " PENDING_KEY
	    " until its certificate is installed" : "the one in "
	    SERVERCERT " (unchanged)");
	say(o, "public key sha256: %s", hex);
	if (o->c.output)
		say(o, "request written to %s", o->c.output);
	say(o, "next: send the request to the CA, then install what it "
	    "returns with: %s --cert CERT.pem --chain CHAIN.pem",
	    common_command(&o->c, "install", cmd, sizeof(cmd)));
}

int
csr_run(struct csr_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct output out = { .dirfd = -1 };
	struct ctl_file srv;
	struct sni_made made;
	unsigned char digest[32];
	char hostname[256], what[256], subject[512], hex[65], *pem = NULL;
	size_t len = 0;
	EVP_PKEY *key = NULL;
	int rc = -1;

	memset(&srv, 0, sizeof(srv));
	common_sni_init(&made);
	if (open_dirs(o, &dir, &out, err) == -1 ||
	    common_model(&o->c, &dir, "csr", 1, err) == -1 ||
	    newcert_hostname(&dir, &o->c.newcert, hostname, sizeof(hostname),
	    err) == -1 || subject_cn_matches(o->subject, hostname, err) == -1)
		goto out;
	if (o->c.new_key)
		key = x509gen_new_key(o->c.newcert.key_type, err);
	else if (current_key(o, &dir, &srv, &key, err) == -1)
		goto out;
	if (key == NULL || request_pem(key, o, hostname, &pem, &len, subject,
	    sizeof(subject), err) == -1 ||
	    x509gen_pubkey_sha256(key, digest, err) == -1)
		goto out;
	x509gen_hex(digest, sizeof(digest), hex);
	if (o->c.new_key && (common_make_sni(&o->c, &made, &dir, err) == -1 ||
	    write_pending_key(o, &dir, key, what, sizeof(what), err) == -1))
		goto out;
	if (o->c.output ? output_write(&out, pem, len, err) == -1 :
	    fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0) {
		if (o->c.output == NULL)
			err_set(err, EX_IOERR, "cannot write the request to "
			    "standard output");
		goto out;
	}
	summary(o, hostname, subject, key, hex, what);
	rc = 0;
out:
	if (rc == -1)	/* the folders it made go, if still empty */
		common_unmake_sni(&o->c, &made, &dir, err);
	sni_made_close(&made);
	free(pem);
	EVP_PKEY_free(key);
	ctlfile_free(&srv);
	output_close(&out);
	perms_close_dir(&dir);
	common_free(&o->c);
	return rc;
}
