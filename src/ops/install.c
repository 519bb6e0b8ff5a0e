/*
 * install.c: qmail-pem install.
 *
 * Takes the control directory from any state (nothing there, the
 * qmailrocks layout where clientcert.pem is a symlink to servercert.pem,
 * wrong owners or modes, already right) to two regular files, each owned
 * by root and readable only by its reader's group.  Plan first, then write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "fs/plan.h"
#include "ops/importfiles.h"
#include "ops/install.h"
#include "ops/journal.h"
#include "ops/readerload.h"
#include "ops/replace.h"
#include "ops/trace.h"
#include "ops/tmprsa.h"
#include "site/ctlfile.h"
#include "site/me.h"
#include "site/policy.h"
#include "x509/chain.h"
#include "x509/pemfile.h"

/* The bytes a kept file should hold: as it is, or cleaned up. */
static int
kept_content(const struct ctl_file *f, char **content, size_t *len,
    struct err *err)
{
	if (!f->needs_rewrite) {
		*content = secret_copy(f->data, f->len, err);
		*len = f->len;
		return *content ? 0 : -1;
	}
	return pemfile_serialize(f->bundle.key, f->chain.chain, content, len,
	    err);
}

static int
same_key(const struct ctl_file *a, const struct ctl_file *b)
{
	int eq = EVP_PKEY_eq(a->bundle.key, b->bundle.key) == 1;

	ERR_clear_error();
	return eq;
}

/*
 * Decide where each file's key and certificate come from, and build the
 * bytes.  plans[0] is servercert.pem, plans[1] clientcert.pem.
 */
static int
build_contents(const struct install_opts *o, const struct perms_dir *dir,
    struct ctl_file *srv, struct ctl_file *cli, struct file_plan *plans,
    struct err *err)
{
	struct file_plan *ps = &plans[0], *pc = &plans[1];
	char hostname[256];
	int have_srv = srv->exists && !o->c.new_key;
	int have_cli = cli->exists && !o->c.new_key;
	/* clientcert.pem has a key of its own (the distinct-key layout). */
	int cli_is_own = have_cli && !cli->is_symlink &&
	    !(have_srv && same_key(srv, cli));
	int new_srv = !have_srv && (o->c.distinct_keys || !have_cli);
	int new_cli = !cli_is_own && (o->c.distinct_keys || new_srv);

	if ((new_srv || new_cli) &&
	    newcert_hostname(dir, &o->c.newcert, hostname, sizeof(hostname),
	    err) == -1)
		return -1;

	if (new_srv) {
		if (newcert_make(&o->c.newcert, hostname,
		    o->c.distinct_keys || o->c.sni != NULL ?
		    USAGE_SERVER : USAGE_SERVER | USAGE_CLIENT, &ps->content,
		    &ps->len, ps->note, sizeof(ps->note), err) == -1)
			return -1;
		ps->info = ACT_NEW_KEY | ACT_NEW_CERT;
	} else if (have_srv) {
		if (kept_content(srv, &ps->content, &ps->len, err) == -1)
			return -1;
		ps->same_key_as_old = 1;
		snprintf(ps->note, sizeof(ps->note),
		    "key and certificate kept");
	} else {
		/* Only clientcert.pem exists: servercert.pem gets its key. */
		if (kept_content(cli, &ps->content, &ps->len, err) == -1)
			return -1;
		snprintf(ps->note, sizeof(ps->note), "same key and "
		    "certificate as %s", CLIENTCERT);
	}

	if (cli_is_own) {
		if (kept_content(cli, &pc->content, &pc->len, err) == -1)
			return -1;
		pc->same_key_as_old = 1;
		snprintf(pc->note, sizeof(pc->note), "own key and certificate "
		    "kept");
	} else if (o->c.distinct_keys) {
		if (newcert_make(&o->c.newcert, hostname, USAGE_CLIENT,
		    &pc->content, &pc->len, pc->note, sizeof(pc->note),
		    err) == -1)
			return -1;
		pc->info = ACT_NEW_KEY | ACT_NEW_CERT;
	} else {
		if (plan_same_as(pc, ps, SERVERCERT, err) == -1)
			return -1;
		pc->same_key_as_old = have_cli;
	}
	return 0;
}

/*
 * An import replaces what is there, so a current file that cannot be used
 * is not an error: say so and carry on.  Other failures (cannot open,
 * unsafe link) stay errors.
 */
static int
read_current(const struct install_opts *o, const struct perms_dir *dir,
    const char *name, struct ctl_file *f, int *unusable, struct err *err)
{
	*unusable = 0;
	if (ctlfile_read(dir, name, f, err) == 0)
		return 0;
	/* Bad bytes, a dangling or outside symlink: an import or --new-key
	 * does not need them, and replaces the name (never what a link
	 * points to); the old one is kept as a backup. */
	if ((!import_requested(&o->import) && !o->c.new_key) ||
	    err->status != EX_DATAERR)
		return -1;
	msg_warn("%s; it will be replaced", err->text);
	err_clear(err);
	ctlfile_free(f);
	memset(f, 0, sizeof(*f));
	*unusable = 1;
	return 0;
}

/* Is clientcert.pem a self-signed clientAuth pair of its own, valid now,
 * whose key is neither the imported one nor the old server key? */
static int
client_pair_is_own(const struct ctl_file *srv, const struct ctl_file *cli,
    EVP_PKEY *imported)
{
	X509 *leaf;
	int ok;

	if (!cli->exists || cli->is_symlink || cli->chain.chain == NULL ||
	    (srv->exists && same_key(srv, cli)))
		return 0;
	leaf = sk_X509_value(cli->chain.chain, 0);
	ok = EVP_PKEY_eq(cli->bundle.key, imported) != 1 &&
	    chain_is_self_signed(leaf) &&
	    X509_cmp_current_time(X509_get0_notAfter(leaf)) > 0 &&
	    (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
	    (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT));
	ERR_clear_error();
	return ok;
}

/* Host name of a new client certificate: --hostname, DIR/me, or the
 * imported leaf's CN. */
static int
client_hostname(const struct install_opts *o, const struct perms_dir *dir,
    X509 *leaf, char *buf, size_t size, struct err *err)
{
	int rc;

	if (o->c.newcert.hostname == NULL) {
		if ((rc = me_read(dir, buf, size, err)) != 0)
			return rc == 1 ? 0 : -1;
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf),
		    NID_commonName, buf, (int)size) > 0 &&
		    x509gen_valid_dns_name(buf))
			return 0;
	}
	return newcert_hostname(dir, &o->c.newcert, buf, size, err);
}

/* An SNI file serves a client asking for NAME: its certificate must
 * name it (a SAN, or a wildcard that covers it). */
static int
sni_covered(const struct install_opts *o, X509 *leaf, struct err *err)
{
	char subject[256];

	if (o->c.sni == NULL || X509_check_host(leaf, o->c.sni, 0, 0,
	    NULL) == 1)
		return 0;
	ERR_clear_error();
	return err_set(err, EX_DATAERR, "the certificate to import (%s) does "
	    "not cover %s, so a client asking for %s would refuse it; import "
	    "the certificate issued for %s into servercerts/%s: nothing was "
	    "changed", chain_subject(leaf, subject, sizeof(subject)),
	    o->c.sni, o->c.sni, o->c.sni, o->c.sni);
}

/*
 * The import: servercert.pem gets the imported key and chain, and so does
 * clientcert.pem unless --client-self-signed keeps (or makes) a pair of
 * its own.  A pending key that was used is removed (plans[2]).
 */
static int
build_import(const struct install_opts *o, const struct perms_dir *dir,
    struct ctl_file *srv, struct ctl_file *cli, int srv_unusable,
    struct import_result *imp, struct file_plan *plans, size_t *nplans,
    struct err *err)
{
	struct file_plan *ps = &plans[0], *pc = &plans[1];
	char hostname[256], csr[MODEL_COMMAND_MAX];
	int pending = 0;

	if (imp->key == NULL && import_find_key(dir, PENDING_KEY,
	    model_command_file(&o->c.model, "csr", csr, sizeof(csr)),
	    srv->exists ? srv->bundle.key : NULL, srv_unusable ?
	    "unusable, see the warning above" : "absent", imp, &pending,
	    err) == -1)
		return -1;
	if (import_finish(imp, o->import.force, err) == -1 ||
	    sni_covered(o, sk_X509_value(imp->chain.chain, 0), err) == -1)
		return -1;
	if (pemfile_serialize(imp->key, imp->chain.chain, &ps->content,
	    &ps->len, err) == -1)
		return -1;
	ps->info = ACT_IMPORT;
	ps->key_kept = srv->exists && srv->bundle.key != NULL &&
	    EVP_PKEY_eq(imp->key, srv->bundle.key) == 1;
	ERR_clear_error();
	snprintf(ps->note, sizeof(ps->note), "%s", imp->note);

	if (!o->client_self_signed) {
		if (plan_same_as(pc, ps, SERVERCERT, err) == -1)
			return -1;
	} else if (client_pair_is_own(srv, cli, imp->key)) {
		if (kept_content(cli, &pc->content, &pc->len, err) == -1)
			return -1;
		pc->same_key_as_old = 1;
		snprintf(pc->note, sizeof(pc->note), "own self-signed key and "
		    "certificate kept");
	} else {
		if (client_hostname(o, dir, sk_X509_value(imp->chain.chain, 0),
		    hostname, sizeof(hostname), err) == -1 ||
		    newcert_make(&o->c.newcert, hostname, USAGE_CLIENT,
		    &pc->content, &pc->len, pc->note, sizeof(pc->note),
		    err) == -1)
			return -1;
		pc->info = ACT_NEW_KEY | ACT_NEW_CERT;
	}
	if (pending) {
		plans[2].name = PENDING_KEY;
		plans[2].target.mode = 0600;
		snprintf(plans[2].note, sizeof(plans[2].note), "its key is "
		    "now in %s", SERVERCERT);
		*nplans = 3;
	}
	return 0;
}

/*
 * New and imported certificates are checked where they are made; a kept
 * key and certificate are not judged by install, but an
 * administrator repairing the layout should hear what verify would say
 * about them (expired, weak key, a CA certificate, no serverAuth ...).
 * A file install leaves alone is verify's business (and the second,
 * idempotent run stays fast).
 */
static int
warn_kept(const struct install_opts *o, const struct file_plan *plans,
    struct err *err)
{
	static const int usage[2] = { USAGE_SERVER, USAGE_CLIENT };
	char cmd[2400];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (plans[i].content == NULL || plans[i].actions == 0 ||
		    (plans[i].info & (ACT_NEW_CERT | ACT_IMPORT)))
			continue;
		if (replace_verify(plans[i].name, plans[i].content,
		    plans[i].len, &plans[i].target, usage[i], NULL,
		    common_command(&o->c, "install", cmd, sizeof(cmd)),
		    REPLACE_WARN_ONLY, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * A key that stays in place after it was readable by every user (the
 * qmailrocks layout) may be known to others: the layout is fixed, but
 * only a new key fixes that.
 */
static void
warn_exposed(const struct install_opts *o, const struct file_plan *plans)
{
	char cmd[2400];
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct file_plan *p = &plans[i];
		if (p->content == NULL || !p->old_exists ||
		    !S_ISREG(p->old.st_mode) || !(p->old.st_mode & S_IROTH) ||
		    (p->info & ACT_NEW_KEY) ||
		    ((p->info & ACT_IMPORT) && !p->key_kept))
			continue;
		msg_warn("%s was readable by every user (mode %04o): the key "
		    "it keeps may be known to others; make a new one with "
		    "%s --new-key", p->name, (unsigned)(p->old.st_mode & 07777),
		    common_command(&o->c, "install", cmd, sizeof(cmd)));
		return;
	}
}

/* An SNI folder holds servercert.pem alone: the plan made for a
 * clientcert.pem beside it goes. */
static void
drop_client(struct file_plan *plans, size_t *nplans)
{
	plan_free(&plans[1], 1);
	memmove(&plans[1], &plans[2], sizeof(plans[0]) * (*nplans - 2));
	memset(&plans[*nplans - 1], 0, sizeof(plans[0]));
	(*nplans)--;
}

/* The plans of both files (and of a pending key an import used, and of
 * the temporary RSA keys to repair: names). */
static int
plan_files(const struct install_opts *o, const struct perms_dir *dir,
    struct ctl_file *srv, struct ctl_file *cli, struct import_result *imp,
    struct file_plan *plans, size_t *nplans, struct tmprsa_repairs *names,
    struct err *err)
{
	int srv_bad = 0, cli_bad = 0;
	size_t i;

	if (read_current(o, dir, SERVERCERT, srv, &srv_bad, err) == -1 ||
	    (o->c.sni == NULL &&
	    read_current(o, dir, CLIENTCERT, cli, &cli_bad, err) == -1))
		return -1;
	if (import_requested(&o->import)) {
		if (build_import(o, dir, srv, cli, srv_bad, imp, plans,
		    nplans, err) == -1)
			return -1;
	} else if (build_contents(o, dir, srv, cli, plans, err) == -1)
		return -1;
	plans[0].name = SERVERCERT;
	plans[0].target = o->c.owners.server;
	plans[1].name = CLIENTCERT;
	plans[1].target = o->c.owners.client;
	if (o->c.sni != NULL)
		drop_client(plans, nplans);
	/* Issue 23: temporary RSA keys (rsa*.pem) readable beyond their
	 * reader get their mode repaired, by a new file (ops/tmprsa.h). */
	if (tmprsa_repair_plans(dir, o->c.owners.server.gid, names,
	    plans + *nplans, TMPRSA_MAX_REPAIRS, &i, err) == -1)
		return -1;
	*nplans += i;
	for (i = 0; i < *nplans; i++) {
		/* A used pending key is in servercert.pem now: no backup. */
		plans[i].keep_backup = strcmp(plans[i].name, PENDING_KEY) != 0;
		if (plan_decide(dir, &plans[i], err) == -1)
			return -1;
	}
	return 0;
}

/* The SNI folders a --dry-run would make (nothing is made). */
static void
print_new_folders(const struct install_opts *o)
{
	char perm[128];

	if (!o->c.dry_run || o->c.sni_new == SNI_NEW_NONE)
		return;
	perms_describe(0, 0, SNI_DIR_MODE, perm, sizeof(perm));
	if (o->c.sni_new == SNI_NEW_BOTH)
		msg_info("%s: would create the folder -> %s", SNI_DIR, perm);
	msg_info("%s/%s: would create the folder -> %s", SNI_DIR, o->c.sni,
	    perm);
}

int
install_run(struct install_opts *o, struct err *err)
{
	struct trace trace;
	struct perms_dir dir = { .fd = -1 };
	struct ctl_file srv, cli;
	struct file_plan plans[3 + TMPRSA_MAX_REPAIRS];	/* issue 23 */
	struct tmprsa_repairs rsa_names;
	struct import_result imp;
	struct sni_made made;
	char sub[sizeof(SNI_DIR) + 256];
	size_t nplans = 2;
	int rc = -1;

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	memset(plans, 0, sizeof(plans));
	memset(&imp, 0, sizeof(imp));
	common_sni_init(&made);
	if (o->c.newcert.key_type_given)
		newcert_warn_non_rsa(o->c.newcert.key_type);
	o->c.plan_new_sni = 1;
	if (common_prepare(&o->c, 1, err) == -1 ||
	    (import_requested(&o->import) &&
	    import_read(&o->import, &imp, err) == -1) ||
	    common_open_dir(&o->c, &dir, err) == -1 ||
	    journal_refuse(&dir, &o->c, err) == -1 ||
	    plan_files(o, &dir, &srv, &cli, &imp, plans, &nplans, &rsa_names,
	    err) == -1 ||
	    readerload_refuse(&o->c, plans, 2, err) == -1)
		goto out;
	plan_show_in(plans, nplans, common_sni_sub(&o->c, sub, sizeof(sub)));
	warn_exposed(o, plans);
	/* a new SNI folder is made now, when every check has passed */
	if (warn_kept(o, plans, err) == -1 ||
	    common_make_sni(&o->c, &made, &dir, err) == -1)
		goto out;
	if (!o->c.dry_run)
		trace_before(&trace, &dir, plans, nplans);
	if (!o->c.dry_run && plan_apply(&dir, plans, nplans, time(NULL),
	    err) == -1)
		goto out;
	if (!o->c.dry_run) {
		trace_after(&trace, "install", &dir, plans, nplans);
		if (replace_prune(&dir, SERVERCERT, o->keep, err) == -1 ||
		    replace_prune(&dir, CLIENTCERT, o->keep, err) == -1)
			goto out;
	}
	if (o->c.json)
		rc = plan_print_json("install", &dir, plans, nplans,
		    o->c.dry_run, err);
	else {
		print_new_folders(o);
		plan_print(plans, nplans, o->c.dry_run);
		rc = 0;
	}
out:
	if (rc == -1)	/* the folders it made go, if still empty */
		common_unmake_sni(&o->c, &made, &dir, err);
	sni_made_close(&made);
	plan_free(plans, nplans);
	import_free(&imp);
	ctlfile_free(&srv);
	ctlfile_free(&cli);
	perms_close_dir(&dir);
	common_free(&o->c);
	return rc;
}
