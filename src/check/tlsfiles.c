/*
 * tlsfiles.c: find qmail's other TLS files and check each (see
 * tlsfiles.h): where and whose it is (tlsdisk.c), what it holds
 * (tlscontent.c, ciphers.c), and whether qmail reads it at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/x509.h>

#include "base/err.h"
#include "base/secret.h"
#include "base/text.h"
#include "check/tlscontent.h"
#include "check/tlsdisk.h"
#include "check/tlsfiles.h"
#include "check/tlshosts.h"
#include "check/tlsreport.h"
#include "check/tlstext.h"
#include "fs/dirnames.h"
#include "site/loaders.h"
#include "site/policy.h"
#include "site/programs.h"
#include "site/readerperm.h"
#include "site/tlsnames.h"

#define KEYFILES_MAX	64	/* dh*.pem, rsa*.pem checked */

struct ctx {
	const struct tlsfiles_opts	*o;
	struct tlsreport_list		*l;
	struct tlsdisk_readers		 smtpd, remote;
	struct loaders			 loaders;	/* once dh*.pem or
							 * rsa*.pem exist */
	int				 loaders_found;
	char				 smtpd_path[PATH_MAX];
};

static struct file_report *
rep(struct ctx *c, size_t i)
{
	return tlsreport_at(c->l, i);
}

/* tlsdisk_check_read() with this run's reader group and -d. */
static int
disk_and_bytes(struct ctx *c, const struct perms_dir *dir, const char *name,
    const struct tlsdisk_kind *k, const char *check, char **data,
    size_t *len, size_t i)
{
	return tlsdisk_check_read(dir, name, k, c->o->smtpd_group,
	    c->o->dir_arg, check, data, len, rep(c, i));
}

static void
pick_readers(struct ctx *c)
{
	const struct reader_list *l = c->o->readers;
	struct tlsdisk_readers *rs;
	char who[4400];
	size_t i;

	c->smtpd.program = "qmail-smtpd";
	c->remote.program = "qmail-remote";
	for (i = 0; l != NULL && i < l->n; i++) {
		rs = strcmp(l->v[i].file, SERVERCERT) == 0 ?
		    &c->smtpd : &c->remote;
		if (l->v[i].have_uid && l->v[i].have_gid &&
		    l->v[i].source != READER_UNKNOWN) {
			if (rs->n < TLSDISK_MAX_READERS)
				rs->v[rs->n++] = &l->v[i];
			continue;
		}
		readers_describe(&l->v[i], who, sizeof(who));
		text_append(rs->unknown, sizeof(rs->unknown), "%s%s%s%s",
		    rs->unknown[0] ? "; " : "", who, l->v[i].note[0] ?
		    ": " : "", l->v[i].note);
	}
}

/* What the installation's qmail-smtpd imports (for dh*.pem, rsa*.pem). */
static void
find_loaders(struct ctx *c)
{
	struct qmail_programs p;
	struct err e = { 0 };

	if (c->loaders_found++)
		return;

	if (c->o->smtpd_program != NULL)
		snprintf(c->smtpd_path, sizeof(c->smtpd_path), "%s",
		    c->o->smtpd_program);
	else if (programs_defaults(c->o->dir->real, &p, &e) == 0)
		snprintf(c->smtpd_path, sizeof(c->smtpd_path), "%s", p.smtpd);
	else {
		snprintf(c->smtpd_path, sizeof(c->smtpd_path), "qmail-smtpd");
		loaders_unknown(&c->loaders, "%s", e.text);
		return;
	}
	if (loaders_read(c->smtpd_path, NULL, &c->loaders, &e) == -1)
		loaders_unknown(&c->loaders, "%s", e.text);
}

/* --- client certificates: clientca.pem, clientcrl.pem, tlsclients ---- */

/* "used" of clientca.pem and of tlsclients: each works only with the
 * other. */
static void
used_for_relay(struct ctx *c, size_t i, int other_exists,
    enum check_status otherwise, const char *why_not)
{
	if (other_exists)
		verify_add(rep(c, i), "used", CHECK_OK, "qmail-smtpd reads it "
		    "when a client with TLS asks to relay");
	else
		verify_add(rep(c, i), "used", otherwise, "%s", why_not);
}

/* clientca.pem: its CAs in *cas for the CRL (NULL: why says why). */
static void
do_clientca(struct ctx *c, int have_clients, STACK_OF(X509) **cas,
    char *why, size_t size)
{
	struct tlsdisk_kind k;
	char *data;
	size_t len, i;

	*cas = NULL;
	snprintf(why, size, " (it does not exist)");
	if (!tlsdisk_present(c->o->dir, CLIENTCA) ||
	    (i = tlsreport_add(c->l, CLIENTCA)) == TLSREPORT_NONE)
		return;
	snprintf(why, size, " (it does not load here)");
	k = tlsdisk_kind_of(&c->smtpd, CHECK_CRITICAL, "make qmail-smtpd "
	    "trust a CA of their own, whose client certificates then relay",
	    "qmail-smtpd asks no client for a certificate and none relays "
	    "with one");
	if (disk_and_bytes(c, c->o->dir, CLIENTCA, &k, "parses", &data,
	    &len, i)) {
		tlscontent_cas(data, len, TLSCONTENT_CLIENTCA, NULL, c->o->now,
		    rep(c, i), cas);
		secret_free(data, len);
	}
	used_for_relay(c, i, have_clients, CHECK_INFO, "tlsclients does not "
	    "exist: qmail-smtpd asks no client for a certificate, so this "
	    "file has no effect");
}

static void
do_clientcrl(struct ctx *c, int in_use, const STACK_OF(X509) *cas,
    const char *why)
{
	struct tlsdisk_kind k;
	char *data;
	size_t len, i;

	if (!tlsdisk_present(c->o->dir, CLIENTCRL) ||
	    (i = tlsreport_add(c->l, CLIENTCRL)) == TLSREPORT_NONE)
		return;
	k = tlsdisk_kind_of(&c->smtpd, CHECK_CRITICAL, "accept revoked "
	    "client certificates, or reject all of them", "qmail-smtpd checks "
	    "no client certificate against it and accepts a revoked one");
	if (disk_and_bytes(c, c->o->dir, CLIENTCRL, &k, "parses", &data,
	    &len, i)) {
		tlscontent_crl(data, len, cas, why, c->o->now, rep(c, i));
		secret_free(data, len);
	}
	verify_add(rep(c, i), "used", in_use ? CHECK_OK : CHECK_INFO, "%s",
	    in_use ? "qmail-smtpd checks client certificates against it" :
	    "without clientca.pem and tlsclients, qmail-smtpd asks no client "
	    "for a certificate: this file has no effect");
}

static void
do_tlsclients(struct ctx *c, int have_ca)
{
	struct tlsdisk_kind k;
	char *data;
	size_t len, i;

	if ((i = tlsreport_add(c->l, TLSCLIENTS)) == TLSREPORT_NONE)
		return;
	k = tlsdisk_kind_of(&c->smtpd, CHECK_CRITICAL, "let the address of "
	    "a certificate of their own relay", "qmail-smtpd ends a TLS "
	    "session in which a client asks to relay with \"421 unable to "
	    "read controls\"");
	if (disk_and_bytes(c, c->o->dir, TLSCLIENTS, &k, "addresses", &data,
	    &len, i)) {
		tlstext_tlsclients(data, len, rep(c, i));
		secret_free(data, len);
	}
	used_for_relay(c, i, have_ca, CHECK_WARNING, "clientca.pem does not "
	    "exist: qmail-smtpd cannot ask for client certificates, so no "
	    "address here can relay with one");
}

/* clientca.pem, clientcrl.pem, tlsclients: client certificates that may
 * relay. */
static void
do_client_auth(struct ctx *c)
{
	int have_ca = tlsdisk_present(c->o->dir, CLIENTCA);
	int have_clients = tlsdisk_present(c->o->dir, TLSCLIENTS);
	STACK_OF(X509) *cas = NULL;
	char why[64];

	do_clientca(c, have_clients, &cas, why, sizeof(why));
	do_clientcrl(c, have_ca && have_clients, cas, why);
	sk_X509_pop_free(cas, X509_free);
	if (have_clients)
		do_tlsclients(c, have_ca);
}

/* --- cipher lists --------------------------------------------------- */

static int
sets_tlsciphers(const struct reader *r)
{
	return strcmp(r->file, SERVERCERT) == 0 &&
	    r->tlsciphers.state != START_VAR_NOT_SET;
}

static void
add_verdict(struct ctx *c, size_t i, const char *from, const char *list,
    enum ciphers_side side)
{
	struct ciphers_verdict v;
	struct err e = { 0 };

	if (ciphers_judge(list, side, side == CIPHERS_SERVER ?
	    &c->o->server_key : NULL, &v, &e) == -1) {
		verify_add(rep(c, i), "ciphers", CHECK_UNKNOWN, "%s", e.text);
		return;
	}
	verify_add(rep(c, i), "ciphers", v.status, "%s\"%.100s\"%s: %s", from,
	    list[0] ? list : "DEFAULT", list[0] ? "" : " (nothing else set)",
	    v.text);
	verify_add(rep(c, i), "weak-ciphers", v.weak_status, "%s", v.weak);
}

static void
do_cipher_file(struct ctx *c, const char *name, enum ciphers_side side)
{
	const struct reader_list *l = c->o->readers;
	char *data, list[CIPHERS_MAX], by[4200] = "";
	size_t len, i, j, smtpd = 0, set = 0;
	struct tlsdisk_kind k;

	if (!tlsdisk_present(c->o->dir, name) ||
	    (i = tlsreport_add(c->l, "%s", name)) == TLSREPORT_NONE)
		return;
	for (j = 0; side == CIPHERS_SERVER && l != NULL && j < l->n; j++) {
		if (strcmp(l->v[j].file, SERVERCERT) != 0)
			continue;
		smtpd++;
		if (sets_tlsciphers(&l->v[j]) && set++ == 0)
			snprintf(by, sizeof(by), "%s", l->v[j].script);
	}
	k = tlsdisk_kind_of(side == CIPHERS_SERVER ? &c->smtpd : &c->remote,
	    CHECK_CRITICAL, side == CIPHERS_SERVER ? "weaken TLS for every "
	    "client, or switch it off" : "weaken TLS for outgoing mail, or "
	    "switch it off", side == CIPHERS_SERVER ? "STARTTLS fails with "
	    "\"421 unable to read controls\"" : "qmail-remote defers the mail "
	    "to every server that offers STARTTLS (unable to read controls)");
	if (!disk_and_bytes(c, c->o->dir, name, &k, "ciphers", &data, &len,
	    i))
		return;
	ciphers_from_control(data, len, list, sizeof(list));
	secret_free(data, len);
	if (set > 0 && set == smtpd) {
		verify_add(rep(c, i), "used", CHECK_INFO, "not used: the run "
		    "script%s (%s) set%s TLSCIPHERS, which qmail-smtpd takes "
		    "instead of this file", set > 1 ? "s" : "", by,
		    set > 1 ? "" : "s");
		return;
	}
	if (set > 0)
		verify_add(rep(c, i), "used", CHECK_INFO, "the qmail-smtpd of "
		    "%s%s takes TLSCIPHERS instead; the others read this file",
		    by, set > 1 ? " and others" : "");
	add_verdict(c, i, "", list, side);
}

/* Each run script that sets TLSCIPHERS for qmail-smtpd, once. */
static void
do_tlsciphers_env(struct ctx *c)
{
	const struct reader_list *l = c->o->readers;
	const struct reader *r;
	char from[4400];
	size_t i, j, k;

	for (j = 0; l != NULL && j < l->n; j++) {
		r = &l->v[j];
		if (!sets_tlsciphers(r))
			continue;
		for (k = 0; k < j; k++)
			if (sets_tlsciphers(&l->v[k]) &&
			    strcmp(l->v[k].script, r->script) == 0)
				break;
		if (k < j || (i = tlsreport_add(c->l, "TLSCIPHERS:%s",
		    r->script)) == TLSREPORT_NONE)
			continue;
		if (r->tlsciphers.state == START_VAR_UNKNOWN) {
			verify_add(rep(c, i), "ciphers", CHECK_INFO, "not "
			    "judged: %s (line %u) sets TLSCIPHERS, which "
			    "qmail-smtpd takes instead of tlsserverciphers, "
			    "to a value known only by running it (%s)",
			    r->script, r->line, r->tlsciphers.value);
			continue;
		}
		snprintf(from, sizeof(from), "TLSCIPHERS from %s (line %u), "
		    "which qmail-smtpd takes instead of tlsserverciphers: ",
		    r->script, r->line);
		add_verdict(c, i, from, r->tlsciphers.value, CIPHERS_SERVER);
	}
}

/* --- dh*.pem, rsa*.pem ------------------------------------------------ */

/* The "used" check; 0 when the file is not used (nothing else to say). */
static int
keyfile_used(struct ctx *c, size_t i, int rsa)
{
	const struct loaders *l = &c->loaders;
	const char *what = rsa ? "temporary RSA keys" : "DH parameters";

	if (!l->imports_read) {
		verify_add(rep(c, i), "used", CHECK_INFO, "whether qmail-smtpd "
		    "reads %s is not known (%s: %s): checked as if it did",
		    what, c->smtpd_path, l->key_why[0] ? l->key_why :
		    "its imports cannot be read");
		return 1;
	}
	if (rsa ? l->tmp_rsa : l->dh_params) {
		verify_add(rep(c, i), "used", CHECK_OK, "qmail-smtpd (%s) "
		    "reads %s with %s", c->smtpd_path, what, rsa ?
		    l->tmp_rsa_with : l->dh_with);
		return 1;
	}
	verify_add(rep(c, i), "used", CHECK_INFO, "not used: qmail-smtpd "
	    "(%s) imports no reader of %s (%s); qmail-tls 20231230 and newer "
	    "%s, so the file can go", c->smtpd_path, what, rsa ?
	    "PEM_read_RSAPrivateKey, PEM_read_bio_RSAPrivateKey" :
	    "PEM_read_DHparams, PEM_read_bio_DHparams", rsa ?
	    "make no temporary RSA keys" : "use OpenSSL's automatic DH "
	    "parameters");
	return 0;
}

static void
do_keyfiles(struct ctx *c, int rsa)
{
	struct dirnames names;
	struct tlsdisk_kind k;
	struct err e = { 0 };
	char *data;
	size_t len, i, n;

	if (dirnames_list(c->o->dir->fd, c->o->dir->path, rsa ?
	    tlsnames_is_tmprsa : tlsnames_is_dh, KEYFILES_MAX, &names,
	    &e) == -1)
		return;
	k = tlsdisk_kind_of(&c->smtpd, CHECK_WARNING, rsa ? "choose the "
	    "temporary key qmail-smtpd uses" : "give qmail-smtpd weak DH "
	    "parameters", rsa ? "qmail-smtpd gets no temporary key from it" :
	    "qmail-smtpd gets no DH parameters from it");
	k.private_key = rsa;
	k.reader_may_own = !rsa;
	if (names.n > 0)
		find_loaders(c);
	for (n = 0; n < names.n; n++) {
		if ((i = tlsreport_add(c->l, "%s", names.v[n])) ==
		    TLSREPORT_NONE)
			break;
		if (!keyfile_used(c, i, rsa))
			continue;
		if (!disk_and_bytes(c, c->o->dir, names.v[n], &k, "parses",
		    &data, &len, i))
			continue;
		if (rsa)
			tlscontent_rsa(data, len, rep(c, i));
		else
			tlscontent_dh(data, len, rep(c, i));
		secret_free(data, len);
	}
	dirnames_free(&names);
}

int
tlsfiles_check(const struct tlsfiles_opts *o, struct tlsfiles_result *out,
    struct err *err)
{
	struct tlshosts_opts ho;
	struct ctx c;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.l = &out->reports;
	pick_readers(&c);
	/* qmail-smtpd's, then qmail-remote's */
	do_client_auth(&c);
	do_cipher_file(&c, TLSSERVERCIPHERS, CIPHERS_SERVER);
	do_tlsciphers_env(&c);
	do_keyfiles(&c, 0);
	do_keyfiles(&c, 1);
	do_cipher_file(&c, TLSCLIENTCIPHERS, CIPHERS_CLIENT);
	memset(&ho, 0, sizeof(ho));
	ho.dir = o->dir;
	ho.dir_arg = o->dir_arg;
	ho.remote = &c.remote;
	ho.reader_gid = o->smtpd_group;
	ho.now = o->now;
	tlshosts_check(&ho, c.l, &out->hosts);
	tlsreport_finish(c.l);
	out->files = c.l->files;
	out->nfiles = c.l->n;
	if (c.l->failed)
		return err_set(err, EX_OSERR, "out of memory checking the TLS "
		    "files");
	return 0;
}

void
tlsfiles_free(struct tlsfiles_result *r)
{
	tlsreport_free(&r->reports);
	tlshosts_free(&r->hosts);
	memset(r, 0, sizeof(*r));
}
