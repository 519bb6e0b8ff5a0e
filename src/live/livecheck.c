/*
 * livecheck.c: the checks of qmail-pem verify --connect.
 *
 * smtpdialog.c holds the dialogue; this file judges what it recorded.  Files
 * on disk can be right while the server still presents the certificate it
 * loaded at its start (sslserver keeps it until restarted) or offers AUTH
 * before STARTTLS, so only a live look tells.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "live/livecheck.h"
#include "live/probechild.h"	/* issue 22 */
#include "live/smtpreply.h"
#include "x509/chain.h"
#include "x509gen.h"

static const char *const step_names[] = {
	"name resolution", "connection", "banner", "EHLO", "STARTTLS",
	"TLS handshake", "second EHLO", "end"
};

/* The order of the steps: STARTTLS, or TLS from the first byte. */
static const enum smtp_step starttls_order[] = {
	STEP_RESOLVE, STEP_CONNECT, STEP_BANNER, STEP_EHLO, STEP_STARTTLS,
	STEP_HANDSHAKE, STEP_EHLO_TLS, STEP_DONE
};
static const enum smtp_step implicit_order[] = {
	STEP_RESOLVE, STEP_CONNECT, STEP_HANDSHAKE, STEP_BANNER,
	STEP_EHLO_TLS, STEP_DONE
};

struct judge {
	const struct live_opts	*o;
	const struct smtp_dialog	*p;
	struct file_report	*r;
	time_t			 now;
};

static int
position(const struct judge *j, enum smtp_step step)
{
	const enum smtp_step *order = j->o->target->implicit_tls ?
	    implicit_order : starttls_order;
	size_t n = j->o->target->implicit_tls ?
	    sizeof(implicit_order) / sizeof(implicit_order[0]) :
	    sizeof(starttls_order) / sizeof(starttls_order[0]);
	size_t i;

	for (i = 0; i < n; i++)
		if (order[i] == step)
			return (int)i;
	return -1;
}

/* Did the dialogue get through step? */
static int
passed(const struct judge *j, enum smtp_step step)
{
	return position(j, j->p->failed) > position(j, step);
}

/* Did it stop before step? Then the check is SKIPPED (and 1 returned). */
static int
not_reached(const struct judge *j, const char *name, enum smtp_step step)
{
	if (position(j, j->p->failed) >= position(j, step))
		return 0;
	verify_add(j->r, name, CHECK_SKIPPED, "not checked: the dialogue "
	    "stopped at the %s step", step_names[j->p->failed]);
	return 1;
}

/* Text that came from the peer's certificate, as printable ASCII. */
static void
clean(char *buf, size_t size)
{
	char copy[1024];

	snprintf(copy, sizeof(copy), "%s", buf);
	buf[0] = '\0';
	smtpreply_sanitize(buf, size, copy, strlen(copy));
}

static const char *
subject_of(X509 *cert, char *buf, size_t size)
{
	chain_subject(cert, buf, size);
	clean(buf, size);
	return buf;
}

static void
date_text(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, size, "?");
}

static void
cert_sha256(X509 *cert, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	hex[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &len) && len == 32)
		x509gen_hex(md, 32, hex);
	ERR_clear_error();
}

/* --- the dialogue ------------------------------------------------------ */

static void
check_connect(const struct judge *j)
{
	const struct smtp_dialog *p = j->p;

	if (p->failed == STEP_RESOLVE)
		verify_add(j->r, "connect", CHECK_UNKNOWN, "%s", p->error);
	else if (p->failed == STEP_CONNECT)
		verify_add(j->r, "connect", CHECK_CRITICAL, "%s: is the "
		    "server running and %s reachable from here?", p->error,
		    j->o->target->label);
	else
		verify_add(j->r, "connect", CHECK_OK, "connected to %s port "
		    "%s", p->address, j->o->target->port);
}

static void
check_banner(const struct judge *j)
{
	const struct smtp_dialog *p = j->p;

	if (not_reached(j, "banner", STEP_BANNER))
		return;
	if (p->failed == STEP_BANNER && p->banner.code != 0 &&
	    p->banner.code != 220)
		verify_add(j->r, "banner", CHECK_CRITICAL, "the server refuses "
		    "the session%s: \"%s\"", p->banner.code >= 500 ? "" :
		    " for now", p->banner.text);
	else if (p->failed == STEP_BANNER)
		verify_add(j->r, "banner", CHECK_CRITICAL, "%s", p->error);
	else
		verify_add(j->r, "banner", CHECK_OK, "\"%s\"", p->banner.text);
}

static void
check_ehlo(const struct judge *j, const char *name, enum smtp_step step,
    const struct smtp_reply *reply)
{
	if (not_reached(j, name, step))
		return;
	if (j->p->failed == step)
		verify_add(j->r, name, CHECK_CRITICAL, "%s", j->p->error);
	else
		verify_add(j->r, name, CHECK_OK, "%d extension%s offered",
		    reply->nlines - 1, reply->nlines == 2 ? "" : "s");
}

static void
check_auth_before(const struct judge *j)
{
	const struct smtp_reply *e = &j->p->ehlo;

	if (not_reached(j, "auth-before-tls", STEP_STARTTLS))
		return;
	verify_add_if(j->r, "auth-before-tls", e->auth, CHECK_CRITICAL,
	    "no AUTH before STARTTLS", "AUTH%s%s is offered before STARTTLS, "
	    "so passwords can cross the network in clear text: offer AUTH "
	    "only after STARTTLS", e->auth_mechs[0] ? " " : "", e->auth_mechs);
}

static void
check_starttls(const struct judge *j)
{
	if (not_reached(j, "starttls-offered", STEP_STARTTLS))
		return;
	verify_add_if(j->r, "starttls-offered", !j->p->ehlo.starttls,
	    CHECK_CRITICAL, "STARTTLS offered", "STARTTLS is not offered, so "
	    "mail to this server travels unencrypted (does qmail-smtpd find "
	    "servercert.pem?); EHLO reply: \"%s\"", j->p->ehlo.text);
}

static void
check_handshake(const struct judge *j)
{
	const struct smtp_dialog *p = j->p;

	if (!j->o->target->implicit_tls && p->failed == STEP_STARTTLS &&
	    !p->ehlo.starttls) {
		verify_add(j->r, "tls-handshake", CHECK_SKIPPED, "not "
		    "checked: STARTTLS is not offered");
		return;
	}
	if (not_reached(j, "tls-handshake", j->o->target->implicit_tls ?
	    STEP_HANDSHAKE : STEP_STARTTLS))
		return;
	if (p->failed == STEP_STARTTLS || p->failed == STEP_HANDSHAKE)
		verify_add(j->r, "tls-handshake", CHECK_CRITICAL, "%s%s",
		    p->failed == STEP_HANDSHAKE ? "TLS handshake failed: " :
		    "", p->error);
	else
		verify_add(j->r, "tls-handshake", CHECK_OK, "%s, %s",
		    p->tls_version_name, p->cipher);
}

static void
check_tls_version(const struct judge *j)
{
	const struct smtp_dialog *p = j->p;

	if (!passed(j, STEP_HANDSHAKE))
		verify_add(j->r, "tls-version", CHECK_SKIPPED, "not checked: "
		    "no TLS session");
	else if (p->tls_version < TLS1_2_VERSION)
		verify_add(j->r, "tls-version", CHECK_CRITICAL, "the server "
		    "chose %s, older than TLS 1.2 and broken: enable TLS 1.2 "
		    "or newer in its TLS library", p->tls_version_name);
	else
		verify_add(j->r, "tls-version", CHECK_OK, "%s",
		    p->tls_version_name);
}

static void
check_auth_after(const struct judge *j)
{
	const struct smtp_reply *e = &j->p->ehlo_tls;
	const char *when = j->o->target->implicit_tls ? "over TLS" :
	    "after STARTTLS";

	if (!passed(j, STEP_EHLO_TLS)) {
		verify_add(j->r, "auth-after-tls", CHECK_SKIPPED, "not "
		    "checked: the dialogue stopped at the %s step",
		    step_names[j->p->failed]);
		return;
	}
	if (e->auth)
		verify_add(j->r, "auth-after-tls", CHECK_OK, "AUTH%s%s offered "
		    "%s", e->auth_mechs[0] ? " " : "", e->auth_mechs, when);
	else
		verify_add(j->r, "auth-after-tls", CHECK_INFO,
		    "no AUTH offered "
		    "%s: the server takes no logins", when);
}

/* --- the certificate ------------------------------------------------- */

static void
check_expiry(const struct judge *j, X509 *leaf)
{
	struct file_report *r = j->r;
	char date[64];
	long days;

	verify_describe_cert(leaf, j->now, r);
	clean(r->subject, sizeof(r->subject));
	clean(r->issuer, sizeof(r->issuer));
	clean(r->sans, sizeof(r->sans));
	days = verify_days(r);
	if (r->not_before > j->now) {
		date_text(X509_get0_notBefore(leaf), date, sizeof(date));
		verify_add(r, "live-cert-expiry", CHECK_CRITICAL, "the "
		    "presented certificate is not valid before %s", date);
		return;
	}
	date_text(X509_get0_notAfter(leaf), date, sizeof(date));
	if (r->not_after <= j->now)
		verify_add(r, "live-cert-expiry", CHECK_CRITICAL, "the "
		    "presented certificate expired %ld day%s ago (%s)", -days,
		    -days == 1 ? "" : "s", date);
	else if (r->days_left < j->o->crit_days)
		verify_add(r, "live-cert-expiry", CHECK_CRITICAL, "the "
		    "presented certificate expires in %ld day%s (%s)", days,
		    days == 1 ? "" : "s", date);
	else if (r->days_left < j->o->warn_days)
		verify_add(r, "live-cert-expiry", CHECK_WARNING, "the "
		    "presented certificate expires in %ld day%s (%s)", days,
		    days == 1 ? "" : "s", date);
	else
		verify_add(r, "live-cert-expiry", CHECK_OK, "expires in %ld "
		    "days (%s)", days, date);
}

/* 1 when the server presents the file's leaf. */
static int
check_matches(const struct judge *j, X509 *leaf, X509 *want)
{
	char have[65], expect[65], subj[256];
	const char *file = j->o->expect_name;
	time_t now = j->now;

	cert_sha256(leaf, have);
	cert_sha256(want, expect);
	if (strcmp(have, expect) == 0 && have[0] != '\0') {
		verify_add(j->r, "live-cert-matches", CHECK_OK, "the server "
		    "presents the certificate of %s (SHA-256 %.16s...)", file,
		    have);
		return 1;
	}
	subject_of(leaf, subj, sizeof(subj));
	if (X509_cmp_time(X509_get0_notAfter(leaf), &now) <= 0)
		verify_add(j->r, "live-cert-matches", CHECK_CRITICAL, "the "
		    "server presents an expired certificate (%s, SHA-256 "
		    "%.16s...), not the one in %s (%.16s...): restart it",
		    subj, have, file, expect);
	else
		verify_add(j->r, "live-cert-matches", CHECK_WARNING, "server "
		    "still presents the old certificate: restart it (it "
		    "presents %s, SHA-256 %.16s...; %s holds %.16s...)", subj,
		    have, file, expect);
	ERR_clear_error();
	return 0;
}

/* Leaf first, then each certificate's issuer, as RFC 5246 7.4.2 asks. */
static void
check_order(const struct judge *j, const STACK_OF(X509) *chain)
{
	int n = sk_X509_num(chain), i;
	char a[256], b[256];

	for (i = 0; i + 1 < n; i++)
		if (!chain_issued_by(sk_X509_value(chain, i + 1),
		    sk_X509_value(chain, i)))
			break;
	if (i + 1 >= n) {
		verify_add(j->r, "live-chain-order", CHECK_OK, "%d "
		    "certificate%s, leaf first, each followed by its issuer",
		    n, n == 1 ? "" : "s");
		return;
	}
	verify_add(j->r, "live-chain-order", CHECK_WARNING, "the server "
	    "sends the chain out of order: certificate %d (%s) did not issue "
	    "certificate %d (%s); clients that do not sort it refuse it: "
	    "put the leaf first, then each issuer (qmail-pem install does)",
	    i + 2, subject_of(sk_X509_value(chain, i + 1), b, sizeof(b)),
	    i + 1, subject_of(sk_X509_value(chain, i), a, sizeof(a)));
}

/* Every intermediate of the file must be sent: clients cannot fetch it. */
static void
check_complete(const struct judge *j, const STACK_OF(X509) *chain,
    int leaf_matches)
{
	const STACK_OF(X509) *want = j->o->expect;
	char subj[256];
	int i, k, nint = 0, missing = 0, first = -1;

	if (!leaf_matches) {
		verify_add(j->r, "live-chain-complete", CHECK_SKIPPED, "not "
		    "checked: the server presents another certificate");
		return;
	}
	for (i = 1; i < sk_X509_num(want); i++) {
		/* Clients have their roots: a server need not send one. */
		if (chain_is_self_signed(sk_X509_value(want, i)))
			continue;
		nint++;
		for (k = 0; k < sk_X509_num(chain); k++)
			if (X509_cmp(sk_X509_value(want, i),
			    sk_X509_value(chain, k)) == 0)
				break;
		if (k == sk_X509_num(chain)) {
			missing++;
			if (first == -1)
				first = i;
		}
	}
	if (missing > 0)
		verify_add(j->r, "live-chain-complete", CHECK_CRITICAL, "the "
		    "server does not send %d of the %d intermediate "
		    "certificate%s in %s (first: %s), so clients that verify "
		    "the chain refuse it: make it load the whole file (as "
		    "SSL_CTX_use_certificate_chain_file does) and restart it",
		    missing, nint, nint == 1 ? "" : "s", j->o->expect_name,
		    subject_of(sk_X509_value(want, first), subj,
		    sizeof(subj)));
	else if (nint == 0)
		verify_add(j->r, "live-chain-complete", CHECK_OK, "%s holds "
		    "no intermediate certificate", j->o->expect_name);
	else
		verify_add(j->r, "live-chain-complete", CHECK_OK, "all %d "
		    "intermediate certificate%s of %s sent", nint,
		    nint == 1 ? "" : "s", j->o->expect_name);
}

static void
check_certificate(const struct judge *j)
{
	const STACK_OF(X509) *chain = j->p->peer_chain, *want = j->o->expect;
	int tls = passed(j, STEP_HANDSHAKE), same = 0;
	int have_file = want != NULL && sk_X509_num(want) > 0;
	/* With a control directory the file checks are always reported. */
	int compare = have_file || j->o->expect_why != NULL;
	const char *why = !tls ? "no TLS session" : sk_X509_num(chain) == 0 ?
	    "no certificate presented" : NULL;

	if (why != NULL) {
		verify_add(j->r, "live-cert-expiry", tls ? CHECK_CRITICAL :
		    CHECK_SKIPPED, tls ? "the server presented no certificate" :
		    "not checked: no TLS session");
		if (compare)
			verify_add(j->r, "live-cert-matches", CHECK_SKIPPED,
			    "not checked: %s", why);
		verify_add(j->r, "live-chain-order", CHECK_SKIPPED, "not "
		    "checked: %s", why);
		if (compare)
			verify_add(j->r, "live-chain-complete", CHECK_SKIPPED,
			    "not checked: %s", why);
		return;
	}
	check_expiry(j, sk_X509_value(chain, 0));
	if (have_file)
		same = check_matches(j, sk_X509_value(chain, 0),
		    sk_X509_value(want, 0));
	else if (compare)
		verify_add(j->r, "live-cert-matches", CHECK_SKIPPED, "not "
		    "checked: %s", j->o->expect_why);
	check_order(j, chain);
	if (have_file)
		check_complete(j, chain, same);
	else if (compare)
		verify_add(j->r, "live-chain-complete", CHECK_SKIPPED, "not "
		    "checked: %s", j->o->expect_why);
}

void
livecheck_judge(const struct live_opts *o, const struct smtp_dialog *p,
    struct file_report *r)
{
	struct judge j;

	j.o = o;
	j.p = p;
	j.r = r;
	j.now = o->now ? o->now : time(NULL);
	r->file = o->target->label;
	check_connect(&j);
	if (o->target->implicit_tls) {
		check_handshake(&j);
		check_tls_version(&j);
		check_certificate(&j);
		check_banner(&j);
	} else {
		check_banner(&j);
		check_ehlo(&j, "ehlo", STEP_EHLO, &p->ehlo);
		check_auth_before(&j);
		check_starttls(&j);
		check_handshake(&j);
		check_tls_version(&j);
		check_certificate(&j);
	}
	check_ehlo(&j, "ehlo-tls", STEP_EHLO_TLS, &p->ehlo_tls);
	check_auth_after(&j);
}

int
livecheck_run(const struct live_opts *o, struct file_report *r, struct err *err)
{
	struct smtp_dialog_opts po;
	struct smtp_dialog p;

	po.target = o->target;
	po.timeout = o->timeout;
	po.helo = o->helo;
	po.addrs = NULL;
	/* Issue 22: the dialogue runs in a sandboxed child (probechild.h),
	 * never in this process; same findings as smtpdialog_run(). */
	if (probechild_run(&po, &p, err) == -1)
		return -1;
	livecheck_judge(o, &p, r);
	smtpdialog_free(&p);
	return 0;
}
