/*
 * probechild.c: the live probe in a sandboxed child; see probechild.h.
 *
 * The child's answer (inside the sandbox frame):
 *
 *	u32 failed step, u32 timed_out, str error, str address,
 *	4 replies (banner, ehlo, starttls, ehlo_tls), each
 *	    u32 code, u32 nlines, u32 starttls, u32 auth, str auth_mechs,
 *	    str text
 *	u32 tls_version, str tls_version_name, str cipher,
 *	u32 n, then n certificates as sent (DER), leaf first
 */
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/x509.h>

#include "base/err.h"
#include "base/sandbox.h"
#include "base/wire.h"
#include "live/probechild.h"
#include "live/smtpdialog.h"
#include "live/smtpreply.h"

#define MAX_ANSWER	(1024 * 1024)	/* OpenSSL takes 100 KiB of chain */
#define MAX_PEER_CERTS	100
#define STEPS		6	/* with a deadline each, QUIT's aside */
#define QUIT_SLACK	32	/* QUIT's 2 s, starting, ending */

struct task {
	const struct smtp_dialog_opts	*o;
	const struct addrinfo		*addrs;
};

/* --- the child ----------------------------------------------------------- */

static int
put_reply(struct wire *w, const struct smtp_reply *r)
{
	return wire_put_u32(w, (uint32_t)r->code) == -1 ||
	    wire_put_u32(w, (uint32_t)r->nlines) == -1 ||
	    wire_put_u32(w, (uint32_t)r->starttls) == -1 ||
	    wire_put_u32(w, (uint32_t)r->auth) == -1 ||
	    wire_put_str(w, r->auth_mechs) == -1 ||
	    wire_put_str(w, r->text) == -1 ? -1 : 0;
}

static int
put_cert(struct wire *w, X509 *cert, struct err *err)
{
	unsigned char *der = NULL;
	int n, rc;

	if ((n = i2d_X509(cert, &der)) <= 0)
		return err_set_ssl(err, EX_SOFTWARE, "cannot encode the "
		    "server's certificate");
	rc = wire_put_bytes(w, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

static int
child_probe(void *arg, struct wire *out, struct err *err)
{
	const struct task *t = arg;
	struct smtp_dialog_opts o = *t->o;
	struct smtp_dialog p;
	int i, n, rc = -1;

	o.addrs = t->addrs;
	if (smtpdialog_run(&o, &p, err) == -1)
		return -1;
	n = p.peer_chain ? sk_X509_num(p.peer_chain) : 0;
	if (n > MAX_PEER_CERTS)
		n = MAX_PEER_CERTS;
	if (wire_put_u32(out, (uint32_t)p.failed) == -1 ||
	    wire_put_u32(out, (uint32_t)p.timed_out) == -1 ||
	    wire_put_str(out, p.error) == -1 ||
	    wire_put_str(out, p.address) == -1 ||
	    put_reply(out, &p.banner) == -1 || put_reply(out, &p.ehlo) == -1 ||
	    put_reply(out, &p.starttls) == -1 ||
	    put_reply(out, &p.ehlo_tls) == -1 ||
	    wire_put_u32(out, (uint32_t)p.tls_version) == -1 ||
	    wire_put_str(out, p.tls_version_name) == -1 ||
	    wire_put_str(out, p.cipher) == -1 ||
	    wire_put_u32(out, (uint32_t)n) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (put_cert(out, sk_X509_value(p.peer_chain, i), err) == -1)
			goto out;
	rc = 0;
out:
	if (rc == -1 && err->text[0] == '\0')
		err_set(err, EX_SOFTWARE, "the findings do not fit the answer");
	smtpdialog_free(&p);
	return rc;
}

/* --- the parent ---------------------------------------------------------- */

/* Text from the child, printable again (smtpreply_sanitize is idempotent
 * on what smtpreply.c made). */
static int
get_text(struct wire *w, char *buf, size_t size)
{
	char raw[1024];

	if (size > sizeof(raw) || wire_get_str(w, raw, size) == -1)
		return -1;
	buf[0] = '\0';
	smtpreply_sanitize(buf, size, raw, strlen(raw));
	return 0;
}

static int
get_flag(struct wire *w, int *v)
{
	uint32_t u;

	if (wire_get_bounded(w, 1, &u) == -1)
		return -1;
	*v = (int)u;
	return 0;
}

static int
get_reply(struct wire *w, struct smtp_reply *r)
{
	uint32_t code, nlines;

	if (wire_get_bounded(w, 999, &code) == -1 ||
	    wire_get_bounded(w, SMTP_MAX_LINES, &nlines) == -1 ||
	    get_flag(w, &r->starttls) == -1 || get_flag(w, &r->auth) == -1 ||
	    get_text(w, r->auth_mechs, sizeof(r->auth_mechs)) == -1 ||
	    get_text(w, r->text, sizeof(r->text)) == -1)
		return -1;
	r->code = (int)code;
	r->nlines = (int)nlines;
	return 0;
}

static int
get_chain(struct wire *w, struct smtp_dialog *p)
{
	const unsigned char *der, *q;
	uint32_t n, i;
	size_t len;
	X509 *cert;

	if (wire_get_bounded(w, MAX_PEER_CERTS, &n) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((p->peer_chain = sk_X509_new_null()) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (wire_get_bytes(w, &der, &len) == -1 || len > LONG_MAX)
			return -1;
		q = der;
		cert = d2i_X509(NULL, &q, (long)len);
		if (cert == NULL || q != der + len ||
		    !sk_X509_push(p->peer_chain, cert)) {
			X509_free(cert);
			return -1;
		}
	}
	return 0;
}

static int
take_answer(struct wire *w, struct smtp_dialog *p)
{
	uint32_t failed, version;

	if (wire_get_bounded(w, STEP_DONE, &failed) == -1 ||
	    get_flag(w, &p->timed_out) == -1 ||
	    get_text(w, p->error, sizeof(p->error)) == -1 ||
	    get_text(w, p->address, sizeof(p->address)) == -1 ||
	    get_reply(w, &p->banner) == -1 || get_reply(w, &p->ehlo) == -1 ||
	    get_reply(w, &p->starttls) == -1 ||
	    get_reply(w, &p->ehlo_tls) == -1 ||
	    wire_get_bounded(w, 0xffff, &version) == -1 ||
	    get_text(w, p->tls_version_name, sizeof(p->tls_version_name))
	    == -1 || get_text(w, p->cipher, sizeof(p->cipher)) == -1 ||
	    get_chain(w, p) == -1 || wire_end(w) == -1)
		return -1;
	p->failed = (enum smtp_step)failed;
	p->tls_version = (int)version;
	return 0;
}

int
probechild_run(const struct smtp_dialog_opts *o, struct smtp_dialog *p,
    struct err *err)
{
	struct sandbox_job job;
	struct addrinfo *res = NULL;
	struct task t;
	struct wire answer;
	int rc;

	memset(p, 0, sizeof(*p));
	/* A name that does not resolve is a finding, as in smtpdialog_run. */
	if (smtpdialog_resolve(o->target, &res, p) == -1)
		return 0;
	t.o = o;
	t.addrs = res;
	memset(&job, 0, sizeof(job));
	job.what = o->target->label;
	job.kind = SANDBOX_NET;
	job.timeout = STEPS * o->timeout + QUIT_SLACK;
	job.max_answer = MAX_ANSWER;
	job.run = child_probe;
	job.arg = &t;
	wire_init(&answer, MAX_ANSWER);
	rc = sandbox_run(&job, &answer, err);
	freeaddrinfo(res);
	if (rc == 0 && take_answer(&answer, p) == -1) {
		smtpdialog_free(p);
		memset(p, 0, sizeof(*p));
		rc = err_set(err, EX_SOFTWARE, "%s: the answer of the "
		    "sandboxed probe does not hold together; this is a bug in "
		    "qmail-pem, please report it", o->target->label);
	}
	wire_free(&answer);
	return rc;
}
