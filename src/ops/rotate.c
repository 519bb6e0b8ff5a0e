/*
 * rotate.c: qmail-pem rotate.
 *
 * Replaces servercert.pem and clientcert.pem, as install left them, with
 * new self-signed certificates (and, by default, new keys) in one plan:
 * both new files are built and verified in memory, the old ones backed up,
 * then both renamed into place back to back.  --stage writes NAME.next
 * instead, for a DANE rollover; --commit (commit.c) moves them into place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "check/verify.h"
#include "fs/plan.h"
#include "ops/commit.h"
#include "ops/journal.h"
#include "ops/posthook.h"
#include "ops/readerload.h"
#include "ops/replace.h"
#include "ops/rotate.h"
#include "ops/tlsa.h"
#include "ops/trace.h"
#include "site/ctlfile.h"
#include "site/policy.h"
#include "site/sni.h"
#include "x509/certinfo.h"

/* What one run found and made. */
struct rotation {
	struct ctl_file		 srv, cli;
	int			 shared;	/* one key in both files now */
	int			 distinct;	/* a key per file afterwards */
	int			 nfiles;	/* 2; 1: --sni, servercert.pem
						 * alone */
	struct file_plan	 plans[2];
	char			 host[2][256];	/* CN of each new certificate */
	char			 tlsa[TLSA_RECORD_MAX];
	char			 reason[512];	/* why nothing was done */
	char			 install[2400];	/* the hints' commands, */
	char			 rotate[2400];	/* complete */
};

/* Is the file a file of its own, as install leaves it?  Anything else
 * is install's job. */
static int
check_shape(const struct perms_dir *dir, const struct ctl_file *f,
    const char *install, struct err *err)
{
	if (!f->exists)
		return err_set(err, EX_NOINPUT, "%s/%s does not exist: rotate "
		    "renews what qmail-pem install made; run %s first",
		    dir->path, f->name, install);
	if (f->is_symlink)
		return err_set(err, EX_DATAERR, "%s/%s is a symlink to %s: run "
		    "%s first to make it a file of its own, then rotate",
		    dir->path, f->name, f->link_target, install);
	if (f->st.st_nlink != 1)
		return err_set(err, EX_DATAERR, "%s/%s has %lu hard links: run "
		    "%s first to make it a file of its own, then rotate",
		    dir->path, f->name, (unsigned long)f->st.st_nlink,
		    install);
	if (f->needs_rewrite)
		return err_set(err, EX_DATAERR, "%s/%s is usable but not in "
		    "qmail-pem's layout (key, then the chain leaf first, "
		    "nothing else): run %s first, then rotate", dir->path,
		    f->name, install);
	return 0;
}

static X509 *
leaf_of(const struct ctl_file *f)
{
	return sk_X509_value(f->chain.chain, 0);
}

/* Whole days left of f's certificate, by verify's rule (verify_days). */
static int
days_left(const struct ctl_file *f, time_t now, double *exact, long *whole,
    struct err *err)
{
	struct file_report *rep;

	if ((rep = calloc(1, sizeof(*rep))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	verify_describe_cert(leaf_of(f), now, rep);
	*exact = rep->days_left;
	*whole = verify_days(rep);
	free(rep);
	return 0;
}

/* Is a rotation due?  Sets r->reason when it is not.  "Within DAYS" is
 * verify's expiry rule: due when less than DAYS days are left. */
static int
rotation_due(const struct rotate_opts *o, struct rotation *r, time_t now,
    int *due, struct err *err)
{
	double srv_exact, cli_exact;
	long srv_days, cli_days;

	*due = 1;
	if (o->expires_within < 0)
		return 0;
	if (days_left(&r->srv, now, &srv_exact, &srv_days, err) == -1)
		return -1;
	if (r->nfiles == 1) {
		if (srv_exact < o->expires_within)
			return 0;
		*due = 0;
		snprintf(r->reason, sizeof(r->reason), "nothing to do: %s/%s "
		    "expires in %ld days, not within %d days", SNI_DIR,
		    o->c.sni, srv_days, o->expires_within);
		return 0;
	}
	if (days_left(&r->cli, now, &cli_exact, &cli_days, err) == -1)
		return -1;
	if (srv_exact < o->expires_within || cli_exact < o->expires_within)
		return 0;
	*due = 0;
	snprintf(r->reason, sizeof(r->reason), "nothing to do: %s expires in "
	    "%ld days, %s in %ld days, neither within %d days",
	    SERVERCERT, srv_days, CLIENTCERT, cli_days, o->expires_within);
	return 0;
}

/* rotate makes self-signed certificates: it must not silently turn a
 * CA-issued one into one. */
static int
check_self_signed(const struct perms_dir *dir, const struct ctl_file *f,
    const char *install, struct err *err)
{
	char subject[256];

	if (chain_is_self_signed(leaf_of(f)))
		return 0;
	return err_set(err, EX_CONFIG, "%s/%s holds a certificate issued by a "
	    "CA (%s); rotate only makes self-signed certificates: renew it "
	    "with your CA and import it, or switch to self-signed with "
	    "%s --new-key", dir->path, f->name,
	    chain_subject(leaf_of(f), subject, sizeof(subject)), install);
}

/* Names for the new certificate of f: --hostname/--san when given, else
 * those of the current certificate, else DIR/me. */
static int
names_for(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct ctl_file *f, struct cert_names *n, struct err *err)
{
	size_t i;

	if (o->c.newcert.hostname != NULL || certinfo_names(leaf_of(f),
	    n) == -1) {
		memset(n, 0, sizeof(*n));
		if (newcert_hostname(dir, &o->c.newcert, n->host,
		    sizeof(n->host), err) == -1)
			return -1;
	}
	if (o->c.newcert.hostname != NULL || o->c.newcert.nsans > 0) {
		for (i = 0; i < o->c.newcert.nsans; i++) {
			snprintf(n->sans[i], sizeof(n->sans[i]), "%s",
			    o->c.newcert.sans[i]);
			n->sanp[i] = n->sans[i];
		}
		n->nsans = o->c.newcert.nsans;
	}
	return 0;
}

/* The new content of one file: key kept (keep != NULL) or a new one. */
static int
make_file(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct ctl_file *f, EVP_PKEY *keep, int usage, struct file_plan *p,
    char *host, size_t hostsize, struct err *err)
{
	struct newcert_opts nc;
	struct cert_request req;
	struct cert_names *n;
	size_t i;
	int rc = -1;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	if (names_for(o, dir, f, n, err) == -1)
		goto out;
	snprintf(host, hostsize, "%s", n->host);
	if (keep != NULL) {
		req.hostname = n->host;
		req.sans = n->sanp;
		req.nsans = n->nsans;
		req.days = o->c.newcert.days;
		req.usage = usage;
		if ((rc = newcert_resign(keep, &req, &p->content, &p->len,
		    p->note, sizeof(p->note), err)) == 0)
			p->info = ACT_NEW_CERT;
		goto out;
	}
	nc = o->c.newcert;
	if (!o->c.newcert.key_type_given)
		nc.key_type = certinfo_key_type(f->bundle.key);
	for (i = 0; i < n->nsans; i++)
		nc.sans[i] = n->sanp[i];
	nc.nsans = n->nsans;
	if (newcert_make(&nc, n->host, usage, &p->content, &p->len, p->note,
	    sizeof(p->note), err) == -1)
		goto out;
	p->info = ACT_NEW_KEY | ACT_NEW_CERT;
	rc = 0;
out:
	free(n);
	return rc;
}

static int
verify_plans(const struct rotation *r, const char *sni, struct err *err)
{
	char shown[300];
	int i;

	for (i = 0; i < r->nfiles; i++) {
		const struct file_plan *p = &r->plans[i];
		snprintf(shown, sizeof(shown), "the new %s", p->shown[0] ?
		    p->shown : p->name);
		/* An SNI file must cover the name it is chosen for. */
		if (replace_verify(shown, p->content, p->len, &p->target,
		    i == 0 ? USAGE_SERVER : USAGE_CLIENT, sni != NULL ? sni :
		    r->host[i], r->install,
		    i == 1 && !r->distinct ? REPLACE_QUIET : 0, err) == -1)
			return -1;
	}
	return 0;
}

static int
build_contents(const struct rotate_opts *o, const struct perms_dir *dir,
    struct rotation *r, struct err *err)
{
	struct file_plan *ps = &r->plans[0], *pc = &r->plans[1];

	if (make_file(o, dir, &r->srv, o->keep_key ? r->srv.bundle.key : NULL,
	    r->distinct || r->nfiles == 1 ? USAGE_SERVER :
	    USAGE_SERVER | USAGE_CLIENT, ps, r->host[0], sizeof(r->host[0]),
	    err) == -1)
		return -1;
	if (r->nfiles == 1)
		return 0;
	if (!r->distinct) {
		snprintf(r->host[1], sizeof(r->host[1]), "%s", r->host[0]);
		return plan_same_as(pc, ps, SERVERCERT, err);
	}
	/* A shared key stays with servercert.pem (its TLSA record may be
	 * published); --distinct-keys gives clientcert.pem a new one. */
	return make_file(o, dir, &r->cli, o->keep_key && !r->shared ?
	    r->cli.bundle.key : NULL, USAGE_CLIENT, pc, r->host[1],
	    sizeof(r->host[1]), err);
}

/* The TLSA record of the server key in the new content. */
static int
staged_tlsa(const struct perms_dir *dir, const char *given,
    const char *data, size_t len, char *buf, size_t size, struct err *err)
{
	struct pem_bundle b;
	char host[256];
	int rc = -1;

	memset(&b, 0, sizeof(b));
	if (pemfile_parse(data, len, &b, err) == -1)
		return -1;
	if (b.key == NULL || sk_X509_num(b.certs) == 0) {
		err_set(err, EX_SOFTWARE, "the staged key cannot be read back");
		goto out;
	}
	if (tlsa_hostname(dir, given, sk_X509_value(b.certs, 0), host,
	    sizeof(host), err) == -1 ||
	    tlsa_record(b.key, host, buf, size, err) == -1)
		goto out;
	rc = 0;
out:
	pemfile_free(&b);
	return rc;
}

/* --stage while NAME.next exists: report the staged key, change nothing. */
static int
already_staged(const struct rotate_opts *o, const struct perms_dir *dir,
    struct rotation *r, struct err *err)
{
	struct pem_bundle b;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	if ((rc = replace_read_pem(dir, SERVERCERT_NEXT, &data, &len, &b, err))
	    != 1) {
		if (rc == 0)
			err_set(err, EX_DATAERR, "%s/%s exists without %s: "
			    "remove it and stage again", dir->path,
			    CLIENTCERT_NEXT, SERVERCERT_NEXT);
		rc = -1;
		goto out;
	}
	rc = -1;
	if (staged_tlsa(dir, o->c.newcert.hostname, data, len, r->tlsa,
	    sizeof(r->tlsa), err) == -1)
		goto out;
	snprintf(r->reason, sizeof(r->reason), "a key is already staged in "
	    "%s: publish its TLSA record next to the current one, wait for "
	    "twice the TTL, then run %s --commit (to stage another, remove "
	    "the .next files)", SERVERCERT_NEXT, r->rotate);
	msg_warn("%s", r->reason);
	rc = 0;
out:
	pemfile_free(&b);
	secret_free(data, len);
	return rc;
}

static int
staged_exists(const struct perms_dir *dir, int *exists, struct err *err)
{
	struct stat st;
	int a, b;

	if ((a = perms_stat(dir, SERVERCERT_NEXT, &st, err)) == -1 ||
	    (b = perms_stat(dir, CLIENTCERT_NEXT, &st, err)) == -1)
		return -1;
	*exists = a || b;
	return 0;
}

static int
prune_backups(const struct rotate_opts *o, const struct perms_dir *dir,
    struct err *err)
{
	if (replace_prune(dir, SERVERCERT, o->keep, err) == -1 ||
	    replace_prune(dir, CLIENTCERT, o->keep, err) == -1)
		return -1;
	return 0;
}

/* The result as JSON: printed, or (into, an SNI file of a sweep)
 * appended to the array of the run's "sni" member. */
static int
json_result(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct rotation *r, json_t *sni, json_t *into, struct err *err)
{
	json_t *root;

	if ((root = plan_json("rotate", dir, r->plans, r->nfiles,
	    o->c.dry_run)) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	plan_json_text(root, "reason", r->reason);
	plan_json_text(root, "tlsa_next", r->tlsa);
	if (o->c.sni != NULL)
		json_object_set_new(root, "sni", json_string(o->c.sni));
	else if (sni != NULL)
		json_object_set(root, "sni_files", sni);
	if (into != NULL)
		return json_array_append_new(into, root) == 0 ? 0 :
		    err_set(err, EX_OSERR, "out of memory");
	return plan_dump_json(root, err);
}

static int
print_result(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct rotation *r, json_t *sni, json_t *into, struct err *err)
{
	if (o->c.json)
		return json_result(o, dir, r, sni, into, err);
	if (r->reason[0] && !r->tlsa[0]) {
		msg_info("%s", r->reason);
		return 0;
	}
	if (!r->reason[0])
		plan_print(r->plans, r->nfiles, o->c.dry_run);
	if (r->tlsa[0]) {
		msg_info("TLSA record of the staged key (publish it next to the "
		    "current one, wait twice the TTL, then run %s --commit):",
		    r->rotate);
		printf("%s\n", r->tlsa);
	}
	return 0;
}

/* Build, verify and write; on return the lock is still held. */
static int
rotate_files(struct rotate_opts *o, const struct perms_dir *dir,
    struct rotation *r, struct err *err)
{
	struct trace trace;
	time_t now = time(NULL);
	char sub[sizeof(SNI_DIR) + 256];
	int due, staged, i;

	r->nfiles = o->c.sni != NULL ? 1 : 2;
	common_command(&o->c, "install", r->install, sizeof(r->install));
	common_command(&o->c, "rotate", r->rotate, sizeof(r->rotate));
	if (ctlfile_read(dir, SERVERCERT, &r->srv, err) == -1 ||
	    (r->nfiles == 2 &&
	    ctlfile_read(dir, CLIENTCERT, &r->cli, err) == -1) ||
	    check_shape(dir, &r->srv, r->install, err) == -1 ||
	    (r->nfiles == 2 && check_shape(dir, &r->cli, r->install,
	    err) == -1))
		return -1;
	/* The owners and modes the model wants (site/model.h): a group
	 * the files have and their readers are in is kept. */
	r->plans[0].name = o->stage ? SERVERCERT_NEXT : SERVERCERT;
	r->plans[0].target = o->c.owners.server;
	r->plans[1].name = o->stage ? CLIENTCERT_NEXT : CLIENTCERT;
	r->plans[1].target = o->c.owners.client;
	plan_show_in(r->plans, r->nfiles, common_sni_sub(&o->c, sub,
	    sizeof(sub)));
	if (rotation_due(o, r, now, &due, err) == -1)
		return -1;
	if (!due)
		return 0;
	if (staged_exists(dir, &staged, err) == -1)
		return -1;
	if (staged && o->stage)
		return already_staged(o, dir, r, err);
	if (staged)
		return err_set(err, EX_CONFIG, "%s/%s is staged for a DANE "
		    "rollover: run %s --commit to put it in place (or remove "
		    "the .next files to drop it)", dir->path, SERVERCERT_NEXT,
		    r->rotate);
	if (check_self_signed(dir, &r->srv, r->install, err) == -1 ||
	    (r->nfiles == 2 && check_self_signed(dir, &r->cli, r->install,
	    err) == -1))
		return -1;
	r->shared = r->nfiles == 2 &&
	    EVP_PKEY_eq(r->srv.bundle.key, r->cli.bundle.key) == 1;
	ERR_clear_error();
	r->distinct = !r->shared || o->c.distinct_keys;
	if (build_contents(o, dir, r, err) == -1 ||
	    verify_plans(r, o->c.sni, err) == -1 ||
	    readerload_refuse(&o->c, r->plans, (size_t)r->nfiles, err) == -1)
		return -1;
	for (i = 0; i < r->nfiles; i++) {
		r->plans[i].keep_backup = !o->stage;
		if (plan_decide(dir, &r->plans[i], err) == -1)
			return -1;
	}
	if (o->c.dry_run)
		return 0;
	if (o->stage && staged_tlsa(dir, o->c.newcert.hostname,
	    r->plans[0].content, r->plans[0].len, r->tlsa,
	    sizeof(r->tlsa), err) == -1)
		return -1;
	trace_before(&trace, dir, r->plans, (size_t)r->nfiles);
	if (plan_apply(dir, r->plans, (size_t)r->nfiles, now, err) == -1)
		return -1;
	trace_after(&trace, o->stage ? "rotate --stage" : "rotate", dir,
	    r->plans, (size_t)r->nfiles);
	if (replace_check_result(dir, r->plans, (size_t)r->nfiles, r->install,
	    err) == -1)
		return -1;
	return o->stage ? 0 : prune_backups(o, dir, err);
}

/* One SNI file of a sweep, in its own folder under its own lock, with
 * NAME's own names (--hostname and --san are servercert.pem's). */
static int
rotate_one_sni(const struct rotate_opts *o, const struct perms_dir *dir,
    const char *name, json_t *results, char *changed, size_t size,
    struct err *err)
{
	struct perms_dir sdir = { .fd = -1 };
	struct rotate_opts so = *o;
	struct rotation r;
	size_t used;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	so.c.sni = so.c.newcert.sni = name;
	so.c.newcert.hostname = NULL;
	so.c.newcert.nsans = 0;
	if ((rc = sni_open(dir, name, 0, &sdir, err)) != 1)
		goto out;	/* 0: gone since it was listed */
	rc = -1;
	if ((!o->c.dry_run && perms_lock_dir(&sdir, o->c.wait, err) == -1) ||
	    journal_refuse(&sdir, &so.c, err) == -1 ||
	    rotate_files(&so, &sdir, &r, err) == -1 ||
	    print_result(&so, &sdir, &r, NULL, results, err) == -1)
		goto out;
	used = strlen(changed);
	if (!o->c.dry_run)
		replace_changed(r.plans, r.nfiles, changed + used + !!used,
		    size - used - !!used);
	if (used && changed[used + 1])
		changed[used] = ' ';
	rc = 0;
out:
	plan_free(r.plans, 2);
	ctlfile_free(&r.srv);
	perms_close_dir(&sdir);
	return rc;
}

/* rotate --if-expires-within without --sni: each SNI file present in
 * turn; one that fails is said, the others are still rotated. */
static int
rotate_sni_all(const struct rotate_opts *o, const struct perms_dir *dir,
    json_t *results, char *changed, size_t size, struct err *err)
{
	char (*names)[256];
	struct err one;
	size_t n, i;
	int rc = 0;

	if ((names = calloc(SNI_MAX, sizeof(*names))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	if (sni_list(dir, names, &n, err) == -1)
		n = 0, rc = -1;
	for (i = 0; i < n; i++) {
		memset(&one, 0, sizeof(one));
		if (rotate_one_sni(o, dir, names[i], results, changed, size,
		    &one) == 0)
			continue;
		if (rc++ == 0)
			*err = one;
		else
			(void)err_print(&one);
	}
	free(names);
	return rc ? -1 : 0;
}

int
rotate_run(struct rotate_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct rotation r;
	json_t *sni = NULL;
	char changed[4096];
	int rc = -1, swept = 0;

	memset(&r, 0, sizeof(r));
	changed[0] = '\0';
	if (common_prepare(&o->c, 1, err) == -1 ||
	    common_open_dir(&o->c, &dir, err) == -1 ||
	    journal_refuse(&dir, &o->c, err) == -1)
		goto out;
	if (o->commit) {
		if (commit_run(&o->c, o->keep, &dir, changed, sizeof(changed),
		    err) == -1)
			goto out;
	} else {
		if (rotate_files(o, &dir, &r, err) == -1)
			goto out;
		if (!o->stage && !o->c.dry_run)
			replace_changed(r.plans, r.nfiles, changed,
			    sizeof(changed));
		if (o->c.sni == NULL && o->expires_within >= 0 && !o->stage) {
			if (o->c.json && (sni = json_array()) == NULL) {
				err_set(err, EX_OSERR, "out of memory");
				goto out;
			}
			if (!o->c.json && print_result(o, &dir, &r, NULL, NULL,
			    err) == -1)
				goto out;
			swept = rotate_sni_all(o, &dir, sni, changed,
			    sizeof(changed), err) == 0 ? 1 : -1;
		}
		if ((o->c.json || !swept) && print_result(o, &dir, &r, sni,
		    NULL, err) == -1)
			goto out;
	}
	perms_close_dir(&dir);
	if (swept == -1) {
		struct err hook = { 0 };	/* the others' hook runs */
		if (changed[0] && posthook_after(&o->c, changed, &hook) == -1)
			(void)err_print(&hook);
		goto out;
	}
	rc = posthook_after(&o->c, changed, err);
out:
	json_decref(sni);
	plan_free(r.plans, 2);
	ctlfile_free(&r.srv);
	ctlfile_free(&r.cli);
	perms_close_dir(&dir);
	common_free(&o->c);
	return rc;
}
