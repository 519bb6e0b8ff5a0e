/*
 * csr.c: qmail-pem csr.
 *
 * Reads (or makes) the key, builds the request in memory, and only then
 * writes: the pending key first, through the plan like every other file
 * in the control directory, then the request.  A request is public: it
 * goes to stdout, or to --output written atomically (mode 0644).
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "cmd/usage.h"
#include "fs/plan.h"
#include "ops/csr.h"
#include "ops/install.h"
#include "site/ctlfile.h"
#include "x509/pemfile.h"

struct csr_opts {
	const char		*dir;
	struct newcert_opts	 newcert;
	int			 new_key;
	const char		*subject;
	const char		*output;
	int			 lock_timeout;
};

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
	msg_vsay(o->output ? stdout : stderr, "", fmt, ap);
	va_end(ap);
}

/* The key of servercert.pem, in any layout qmail-pem can read. */
static int
current_key(const struct perms_dir *dir, struct ctl_file *srv, EVP_PKEY **key,
    struct err *err)
{
	if (ctlfile_read(dir, SERVERCERT, srv, err) == -1)
		return -1;
	if (!srv->exists)
		return err_set(err, EX_NOINPUT, "%s/%s does not exist, so "
		    "there is no key to make the request from: use --new-key "
		    "(or run qmail-pem install first)", dir->path, SERVERCERT);
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
	req.sans = o->newcert.sans;
	req.nsans = o->newcert.nsans;
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
	plan.target.mode = 0600;
	plan.keep_backup = 1;	/* an earlier request may still be signed */
	plan.info = ACT_NEW_KEY;
	if (plan_decide(dir, &plan, err) == -1 ||
	    plan_apply(dir, &plan, 1, time(NULL), err) == -1)
		goto out;
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

static int
run_csr(struct csr_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct perms_output out = { .dirfd = -1 };
	struct ctl_file srv;
	unsigned char digest[32];
	char hostname[256], hex[65], keydesc[64], what[256], subject[512];
	char sans[2048], *pem = NULL;
	size_t len = 0, i, used;
	EVP_PKEY *key = NULL;
	int rc = -1;

	memset(&srv, 0, sizeof(srv));
	if (o->new_key) {
		newcert_warn_non_rsa(o->newcert.key_type);
		if (privs_check_can_write(err) == -1)
			goto out;
	}
	if (privs_limit(o->new_key || o->output ? PRIVS_WRITE : PRIVS_READ, err)
	    == -1)
		goto out;
	if (perms_open_dir(o->dir, &dir, err) == -1)
		goto out;
	/* Never into the control directory (--output DIR/servercert.pem
	 * would replace the key file with the request). */
	if (o->output != NULL && perms_output_open(o->output, o->dir, dir.fd,
	    &out, err) == -1)
		goto out;
	if (o->new_key && perms_lock_dir(&dir, o->lock_timeout, err) == -1)
		goto out;
	if (newcert_hostname(&dir, &o->newcert, hostname, sizeof(hostname), err)
	    == -1 || subject_cn_matches(o->subject, hostname, err) == -1)
		goto out;
	if (o->new_key)
		key = x509gen_new_key(o->newcert.key_type, err);
	else if (current_key(&dir, &srv, &key, err) == -1)
		goto out;
	if (key == NULL || request_pem(key, o, hostname, &pem, &len, subject,
	    sizeof(subject), err) == -1 ||
	    x509gen_pubkey_sha256(key, digest, err) == -1)
		goto out;
	x509gen_hex(digest, sizeof(digest), hex);
	x509gen_describe_key(key, keydesc, sizeof(keydesc));

	if (o->new_key &&
	    write_pending_key(o, &dir, key, what, sizeof(what), err) == -1)
		goto out;
	if (o->output ? perms_output_write(&out, pem, len, err) == -1 :
	    fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0) {
		if (o->output == NULL)
			err_set(err, EX_IOERR, "cannot write the request to "
			    "standard output");
		goto out;
	}
	if (o->new_key)
		say(o, "%s: %s -> root:root 0600; %s key for the request",
		    PENDING_KEY, what, keydesc);
	snprintf(sans, sizeof(sans), "DNS:%s", hostname);
	for (i = 0; i < o->newcert.nsans; i++) {
		used = strlen(sans);
		if (strcmp(o->newcert.sans[i], hostname) != 0)
			snprintf(sans + used, sizeof(sans) - used, ", DNS:%s",
			    o->newcert.sans[i]);
	}
	say(o, "request for \"%s\", subjectAltName %s", subject, sans);
	say(o, "key: %s, %s", keydesc, o->new_key ? "new, in " PENDING_KEY
	    " until its certificate is installed" : "the one in "
	    SERVERCERT " (unchanged)");
	say(o, "public key sha256: %s", hex);
	if (o->output)
		say(o, "request written to %s", o->output);
	say(o, "next: send the request to the CA, then install what it "
	    "returns with: qmail-pem install%s%s --cert CERT.pem --chain "
	    "CHAIN.pem", strcmp(o->dir, DEFAULT_DIR) ? " -d " : "",
	    strcmp(o->dir, DEFAULT_DIR) ? o->dir : "");
	rc = 0;
out:
	free(pem);
	EVP_PKEY_free(key);
	ctlfile_free(&srv);
	perms_output_close(&out);
	perms_close_dir(&dir);
	return rc;
}

static const char csr_usage[] =
"usage: qmail-pem csr [-d DIR] [--new-key] [--key-type TYPE] [--hostname NAME]\n"
"                     [--san NAME]... [--subject DN] [--output FILE]\n"
"                     [--wait SEC] [-q | -v]\n"
"\n"
"Make a certificate signing request (PEM) for this server, from the key in\n"
"DIR/servercert.pem, or with --new-key from a new key kept as\n"
"DIR/servercert.pem.pending-key (root:root 0600) until `qmail-pem install\n"
"--cert' installs the signed certificate with it.  Prints the SHA-256 of\n"
"the public key, to match the certificate later.\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --new-key            make a new key (the live files are left alone)\n"
"  --key-type TYPE      of the new key: rsa2048 (default), rsa3072, rsa4096,\n"
"                       ec-p256, ec-p384, ed25519\n"
"  --hostname NAME      CN and first subjectAltName (default: DIR/me)\n"
"  --san NAME           another DNS name in subjectAltName (repeatable)\n"
"  --subject DN         subject as /O=Example/CN=mail.example.com (CN=NAME is\n"
"                       added when it has no CN)\n"
"  --output FILE        write the request to FILE instead of stdout\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  -q, -v               quieter, more detail\n";

int
cmd_csr(int argc, char *argv[])
{
	enum { OPT_NEW_KEY = 256, OPT_KEY_TYPE, OPT_HOSTNAME, OPT_SAN,
	    OPT_SUBJECT, OPT_OUTPUT, OPT_WAIT };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "new-key", no_argument, NULL, OPT_NEW_KEY },
		{ "key-type", required_argument, NULL, OPT_KEY_TYPE },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "san", required_argument, NULL, OPT_SAN },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct csr_opts o;
	int ch;
	struct err err = { 0 };

	memset(&o, 0, sizeof(o));
	o.dir = DEFAULT_DIR;
	o.newcert.key_type = KEY_RSA2048;
	o.lock_timeout = 30;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			break;
		case OPT_NEW_KEY:
			o.new_key = 1;
			break;
		case OPT_KEY_TYPE:
			if (x509gen_parse_key_type(optarg,
			    &o.newcert.key_type, &err) == -1)
				return usage_error(csr_usage, &err);
			o.newcert.key_type_given = 1;
			break;
		case OPT_HOSTNAME:
			o.newcert.hostname = optarg;
			break;
		case OPT_SAN:
			if (common_parse_san(&o.newcert, optarg, &err) == -1)
				return usage_error(csr_usage, &err);
			break;
		case OPT_SUBJECT:
			o.subject = optarg;
			break;
		case OPT_OUTPUT:
			o.output = optarg;
			break;
		case OPT_WAIT:
			if (usage_number(optarg, 0, 3600, &o.lock_timeout,
			    "--wait", &err) == -1)
				return usage_error(csr_usage, &err);
			break;
		case 'q':
			msg_set_verbosity(MSG_QUIET);
			break;
		case 'v':
			msg_set_verbosity(MSG_VERBOSE);
			break;
		case 'h':
			fputs(csr_usage, stdout);
			return EX_OK;
		default:
			return usage_error(csr_usage, &err);
		}
	}
	if (optind != argc) {
		err_set(&err, EX_USAGE, "unexpected argument '%s'",
		    argv[optind]);
		return usage_error(csr_usage, &err);
	}
	if (o.newcert.key_type_given && !o.new_key) {
		err_set(&err, EX_USAGE, "--key-type is the type of a "
		    "--new-key; without --new-key the key in servercert.pem is "
		    "used");
		return usage_error(csr_usage, &err);
	}
	if (run_csr(&o, &err) == -1) {
		return err_print(&err);
	}
	return EX_OK;
}
