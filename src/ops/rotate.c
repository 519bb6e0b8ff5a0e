/*
 * rotate.c: qmail-pem rotate.
 *
 * Replaces servercert.pem and clientcert.pem, as install left them, with
 * new self-signed certificates (and, by default, new keys) in one plan:
 * both new files are built and verified in memory, the old ones backed up,
 * then both renamed into place back to back.  --stage writes NAME.next
 * instead, for a DANE rollover; --commit (commit.c) moves them into place.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "base/secret.h"
#include "check/verify.h"
#include "cmd/usage.h"
#include "ops/posthook.h"
#include "ops/rotate.h"
#include "site/ctlfile.h"
#include "x509/certinfo.h"

/* What one run found and made. */
struct rotation {
	struct ctl_file		 srv, cli;
	int			 shared;	/* one key in both files now */
	int			 distinct;	/* a key per file afterwards */
	struct file_plan	 plans[2];
	char			 host[2][256];	/* CN of each new certificate */
	char			 tlsa[TLSA_RECORD_MAX];
	char			 reason[512];	/* why nothing was done */
};

/* Is the file a file of its own, as install leaves it?  Anything else
 * is install's job. */
static int
check_shape(const struct perms_dir *dir, const struct ctl_file *f,
    struct err *err)
{
	if (!f->exists)
		return err_set(err, EX_NOINPUT, "%s/%s does not exist: rotate "
		    "renews what qmail-pem install made; run qmail-pem install "
		    "first", dir->path, f->name);
	if (f->is_symlink)
		return err_set(err, EX_DATAERR, "%s/%s is a symlink to %s: run "
		    "qmail-pem install first to make it a file of its own, "
		    "then rotate", dir->path, f->name, f->link_target);
	if (f->st.st_nlink != 1)
		return err_set(err, EX_DATAERR, "%s/%s has %lu hard links: run "
		    "qmail-pem install first to make it a file of its own, "
		    "then rotate", dir->path, f->name,
		    (unsigned long)f->st.st_nlink);
	if (f->needs_rewrite)
		return err_set(err, EX_DATAERR, "%s/%s is usable but not in "
		    "qmail-pem's layout (key, then the chain leaf first, "
		    "nothing else): run qmail-pem install first, then rotate",
		    dir->path, f->name);
	return 0;
}

/* Owner, group and mode as install sets them with the same options. */
static int
check_perms(const struct perms_dir *dir, const struct ctl_file *f,
    const struct perms_target *target, const char *group_option,
    struct err *err)
{
	char want[128], have[128];

	if (!perms_matches(&f->st, target)) {
		perms_describe(f->st.st_uid, f->st.st_gid, f->st.st_mode, have,
		    sizeof(have));
		perms_describe(target->uid, target->gid, target->mode, want,
		    sizeof(want));
		return err_set(err, EX_DATAERR, "%s/%s is %s, not %s: pass the "
		    "owner and group it was installed with (--owner, %s), or "
		    "run qmail-pem install to fix it, then rotate", dir->path,
		    f->name, have, want, group_option);
	}
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
	if (days_left(&r->srv, now, &srv_exact, &srv_days, err) == -1 ||
	    days_left(&r->cli, now, &cli_exact, &cli_days, err) == -1)
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
    struct err *err)
{
	char subject[256];

	if (chain_is_self_signed(leaf_of(f)))
		return 0;
	return err_set(err, EX_CONFIG, "%s/%s holds a certificate issued by a "
	    "CA (%s); rotate only makes self-signed certificates: renew it "
	    "with your CA and import it, or switch to self-signed with "
	    "qmail-pem install --new-key", dir->path, f->name,
	    chain_subject(leaf_of(f), subject, sizeof(subject)));
}

/* Names for the new certificate of f: --hostname/--san when given, else
 * those of the current certificate, else DIR/me. */
static int
names_for(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct ctl_file *f, struct cert_names *n, struct err *err)
{
	size_t i;

	if (o->newcert.hostname != NULL || certinfo_names(leaf_of(f),
	    n) == -1) {
		memset(n, 0, sizeof(*n));
		if (newcert_hostname(dir, &o->newcert, n->host,
		    sizeof(n->host), err) == -1)
			return -1;
	}
	if (o->newcert.hostname != NULL || o->newcert.nsans > 0) {
		for (i = 0; i < o->newcert.nsans; i++) {
			snprintf(n->sans[i], sizeof(n->sans[i]), "%s",
			    o->newcert.sans[i]);
			n->sanp[i] = n->sans[i];
		}
		n->nsans = o->newcert.nsans;
	}
	return 0;
}

static const char *
usage_words(int usage)
{
	return usage == (USAGE_SERVER | USAGE_CLIENT) ?
	    "serverAuth+clientAuth" : usage == USAGE_SERVER ? "serverAuth" :
	    "clientAuth";
}

/* A new self-signed certificate for an existing key (--keep-key). */
static int
resign(EVP_PKEY *key, const struct cert_names *n, int days, int usage,
    struct file_plan *p, struct err *err)
{
	struct cert_request req;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL;
	char desc[64];
	int rc = -1;

	req.hostname = n->host;
	req.sans = n->sanp;
	req.nsans = n->nsans;
	req.days = days;
	req.usage = usage;
	if ((cert = x509gen_self_signed(key, &req, err)) == NULL)
		goto out;
	if ((chain = sk_X509_new_null()) == NULL || !sk_X509_push(chain,
	    cert)) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	cert = NULL;
	if (pemfile_serialize(key, chain, &p->content, &p->len, err) == -1)
		goto out;
	p->info = ACT_NEW_CERT;
	snprintf(p->note, sizeof(p->note), "%s key kept, self-signed for %s, "
	    "%d days, %s", x509gen_describe_key(key, desc, sizeof(desc)),
	    n->host, days, usage_words(usage));
	rc = 0;
out:
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* The new content of one file: key kept (keep != NULL) or a new one. */
static int
make_file(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct ctl_file *f, EVP_PKEY *keep, int usage, struct file_plan *p,
    char *host, size_t hostsize, struct err *err)
{
	struct newcert_opts nc;
	struct cert_names *n;
	size_t i;
	int rc = -1;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	if (names_for(o, dir, f, n, err) == -1)
		goto out;
	snprintf(host, hostsize, "%s", n->host);
	if (keep != NULL) {
		rc = resign(keep, n, o->newcert.days, usage, p, err);
		goto out;
	}
	nc = o->newcert;
	if (!o->newcert.key_type_given)
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
verify_plans(const struct rotation *r, struct err *err)
{
	char shown[300];
	int i;

	for (i = 0; i < 2; i++) {
		const struct file_plan *p = &r->plans[i];
		snprintf(shown, sizeof(shown), "the new %s", p->name);
		if (replace_verify(shown, p->content, p->len, &p->target,
		    i == 0 ? USAGE_SERVER : USAGE_CLIENT, r->host[i],
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
	    r->distinct ? USAGE_SERVER : USAGE_SERVER | USAGE_CLIENT, ps,
	    r->host[0], sizeof(r->host[0]), err) == -1)
		return -1;
	if (!r->distinct) {
		snprintf(r->host[1], sizeof(r->host[1]), "%s", r->host[0]);
		if ((pc->content = secret_copy(ps->content, ps->len,
		    err))
		    == NULL)
			return -1;
		pc->len = ps->len;
		pc->info = ps->info;
		snprintf(pc->note, sizeof(pc->note), "same key and "
		    "certificate as %s", SERVERCERT);
		return 0;
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
	if (staged_tlsa(dir, o->newcert.hostname, data, len, r->tlsa,
	    sizeof(r->tlsa), err) == -1)
		goto out;
	snprintf(r->reason, sizeof(r->reason), "a key is already staged in "
	    "%s: publish its TLSA record next to the current one, wait for "
	    "twice the TTL, then run qmail-pem rotate --commit (to stage "
	    "another, remove the .next files)", SERVERCERT_NEXT);
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

static int
print_result(const struct rotate_opts *o, const struct perms_dir *dir,
    const struct rotation *r, struct err *err)
{
	json_t *root;

	if (o->json) {
		if ((root = plan_json("rotate", dir, r->plans, 2, o->dry_run))
		    == NULL)
			return err_set(err, EX_OSERR, "out of memory");
		if (r->reason[0])
			json_object_set_new(root, "reason",
			    json_string(r->reason));
		if (r->tlsa[0])
			json_object_set_new(root, "tlsa_next",
			    json_string(r->tlsa));
		return plan_dump_json(root, err);
	}
	if (r->reason[0] && !r->tlsa[0]) {
		msg_info("%s", r->reason);
		return 0;
	}
	if (!r->reason[0])
		plan_print(r->plans, 2, o->dry_run);
	if (r->tlsa[0]) {
		msg_info("TLSA record of the staged key (publish it next to the "
		    "current one, wait twice the TTL, then run qmail-pem rotate "
		    "--commit):");
		printf("%s\n", r->tlsa);
	}
	return 0;
}

/* Build, verify and write; on return the lock is still held. */
static int
rotate_files(struct rotate_opts *o, const struct perms_dir *dir,
    struct rotation *r, struct err *err)
{
	time_t now = time(NULL);
	int due, staged, i;

	if (ctlfile_read(dir, SERVERCERT, &r->srv, err) == -1 ||
	    ctlfile_read(dir, CLIENTCERT, &r->cli, err) == -1 ||
	    check_shape(dir, &r->srv, err) == -1 ||
	    check_shape(dir, &r->cli, err) == -1 ||
	    check_perms(dir, &r->srv, &o->owners.server,
	    "--server-group", err) == -1 ||
	    check_perms(dir, &r->cli, &o->owners.client,
	    "--client-group", err) == -1)
		return -1;
	r->plans[0].name = o->stage ? SERVERCERT_NEXT : SERVERCERT;
	r->plans[0].target = o->owners.server;
	r->plans[1].name = o->stage ? CLIENTCERT_NEXT : CLIENTCERT;
	r->plans[1].target = o->owners.client;
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
		    "rollover: run qmail-pem rotate --commit to put it in "
		    "place (or remove the .next files to drop it)", dir->path,
		    SERVERCERT_NEXT);
	if (check_self_signed(dir, &r->srv, err) == -1 ||
	    check_self_signed(dir, &r->cli, err) == -1)
		return -1;
	r->shared = EVP_PKEY_eq(r->srv.bundle.key, r->cli.bundle.key) == 1;
	ERR_clear_error();
	r->distinct = !r->shared || o->distinct_keys;
	if (build_contents(o, dir, r, err) == -1 || verify_plans(r, err) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		r->plans[i].keep_backup = !o->stage;
		if (plan_decide(dir, &r->plans[i], err) == -1)
			return -1;
	}
	if (o->dry_run)
		return 0;
	if (o->stage && staged_tlsa(dir, o->newcert.hostname,
	    r->plans[0].content, r->plans[0].len, r->tlsa,
	    sizeof(r->tlsa), err) == -1)
		return -1;
	if (plan_apply(dir, r->plans, 2, now, err) == -1 ||
	    replace_check_result(dir, r->plans, 2, err) == -1)
		return -1;
	return o->stage ? 0 : prune_backups(o, dir, err);
}

static int
run_rotate(struct rotate_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct rotation r;
	char changed[128];
	int rc = -1;

	memset(&r, 0, sizeof(r));
	changed[0] = '\0';
	if (owners_resolve(&o->owners, err) == -1)
		goto out;
	if (readercheck_refuse(&o->services, &o->owners.server,
	    &o->owners.client, err) == -1)
		goto out;
	if (!o->dry_run && privs_check_can_write(err) == -1)
		goto out;
	if (privs_limit(o->dry_run ? PRIVS_READ : o->post_hook ?
	    PRIVS_WRITE_HOOK : PRIVS_WRITE, err) == -1)
		goto out;
	if (perms_open_dir(o->dir, &dir, err) == -1)
		goto out;
	if (!o->dry_run && perms_lock_dir(&dir, o->lock_timeout, err) == -1)
		goto out;
	if (rollback_note_refuse(&dir, err) == -1)
		goto out;
	if (o->commit) {
		if (rotate_commit(o, &dir, changed, sizeof(changed), err) == -1)
			goto out;
	} else {
		if (rotate_files(o, &dir, &r, err) == -1 ||
		    print_result(o, &dir, &r, err) == -1)
			goto out;
		if (!o->stage && !o->dry_run)
			replace_changed(r.plans, 2, changed, sizeof(changed));
	}
	/* The hook runs without our lock: it may call qmail-pem itself. */
	perms_close_dir(&dir);
	rc = 0;
	if (changed[0] && o->post_hook && !o->dry_run) {
		fflush(stdout);
		rc = posthook_run(o->post_hook, o->dir, changed, err);
	}
out:
	plan_free(r.plans, 2);
	ctlfile_free(&r.srv);
	ctlfile_free(&r.cli);
	perms_close_dir(&dir);
	return rc;
}

static const char rotate_usage[] =
"usage: qmail-pem rotate [-d DIR] [--if-expires-within DAYS]\n"
"                        [--new-key | --keep-key] [--distinct-keys]\n"
"                        [--key-type TYPE] [--days N] [--keep N]\n"
"                        [--stage | --commit] [--post-hook CMD]\n"
"                        [--hostname NAME] [--san NAME]...\n"
"                        [--server-group G] [--client-group G] [--owner U]\n"
"                        [--format text|json] [--wait SEC] [--dry-run]\n"
"                        [--service-dir D]... [-q | -v]\n"
"\n"
"Replace servercert.pem and clientcert.pem (as qmail-pem install left them)\n"
"with new self-signed certificates and, by default, new keys. Both new files\n"
"are verified before either is replaced; the old ones are kept as\n"
"NAME.<time>.bak (qmail-pem rollback puts them back).\n"
"\n"
"  -d DIR                   qmail control directory\n"
"  --if-expires-within DAYS only if a certificate expires within DAYS days;\n"
"                           else print \"nothing to do\" and exit 0 (for cron)\n"
"  --new-key                new keys (the default)\n"
"  --keep-key               new certificates for the keys in place\n"
"  --distinct-keys          a key for each file (from a shared key)\n"
"  --key-type TYPE          type of new keys (default: as the current key)\n"
"  --days N                 validity of the new certificates (default 365)\n"
"  --keep N                 backups kept per file (default 5)\n"
"  --stage                  write NAME.next and print its TLSA record (DANE)\n"
"  --commit                 move the staged NAME.next files into place\n"
"  --post-hook CMD          run CMD (sh -c) after files were replaced\n"
"  --hostname NAME          CN of the new certificates (default: as now)\n"
"  --san NAME               further DNS names (default: as now; repeatable)\n"
"  --server-group G         group that reads servercert.pem (default nofiles)\n"
"  --client-group G         group that reads clientcert.pem (default qmail)\n"
"  --owner U                owner of both files (default root)\n"
"  --service-dir D          run scripts that say who reads the files\n"
"                           (repeatable; default /service, /etc/service,\n"
"                           /var/service)\n"
"  --format json            print the result as JSON (per-file \"changed\")\n"
"  --wait SEC               wait at most SEC for another writer (default 30)\n"
"  --dry-run                print the plan and change nothing\n"
"  -q, -v                   quieter, more detail\n";

/* Options that make a new certificate mean nothing to --commit. */
static int
check_combinations(const struct rotate_opts *o, int new_key, int made_opts,
    struct err *err)
{
	if (new_key && o->keep_key)
		return err_set(err, EX_USAGE, "--new-key and --keep-key "
		    "exclude each other");
	if (o->stage && o->commit)
		return err_set(err, EX_USAGE, "--stage and --commit exclude "
		    "each other: stage first, commit later");
	if (o->commit && (made_opts || o->expires_within >= 0))
		return err_set(err, EX_USAGE, "--commit puts the staged files "
		    "in place as they are: give key and certificate options "
		    "(and --if-expires-within) to --stage instead");
	return 0;
}

int
cmd_rotate(int argc, char *argv[])
{
	enum { OPT_EXPIRES = 256, OPT_NEW_KEY, OPT_KEEP_KEY, OPT_DISTINCT,
	    OPT_KEY_TYPE, OPT_DAYS, OPT_KEEP, OPT_STAGE, OPT_COMMIT,
	    OPT_POST_HOOK, OPT_HOSTNAME, OPT_SAN, OPT_SERVER_GROUP,
	    OPT_CLIENT_GROUP, OPT_OWNER, OPT_FORMAT, OPT_WAIT, OPT_DRY_RUN,
	    OPT_SERVICE_DIR };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "if-expires-within", required_argument, NULL, OPT_EXPIRES },
		{ "new-key", no_argument, NULL, OPT_NEW_KEY },
		{ "keep-key", no_argument, NULL, OPT_KEEP_KEY },
		{ "distinct-keys", no_argument, NULL, OPT_DISTINCT },
		{ "key-type", required_argument, NULL, OPT_KEY_TYPE },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "stage", no_argument, NULL, OPT_STAGE },
		{ "commit", no_argument, NULL, OPT_COMMIT },
		{ "post-hook", required_argument, NULL, OPT_POST_HOOK },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "san", required_argument, NULL, OPT_SAN },
		{ "server-group", required_argument, NULL, OPT_SERVER_GROUP },
		{ "client-group", required_argument, NULL, OPT_CLIENT_GROUP },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "service-dir", required_argument, NULL, OPT_SERVICE_DIR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rotate_opts o;
	int ch, new_key = 0, made_opts = 0;
	struct err err = { 0 };

	memset(&o, 0, sizeof(o));
	o.dir = DEFAULT_DIR;
	o.owners.owner = "root";
	o.owners.server_group = "nofiles";
	o.owners.client_group = "qmail";
	o.newcert.key_type = KEY_RSA2048;
	o.newcert.days = 365;
	o.expires_within = -1;
	o.keep = DEFAULT_KEEP;
	o.lock_timeout = 30;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			break;
		case OPT_EXPIRES:
			if (usage_number(optarg, 0, 36500, &o.expires_within,
			    "--if-expires-within", &err) == -1)
				return usage_error(rotate_usage, &err);
			break;
		case OPT_NEW_KEY:
			new_key = made_opts = 1;
			break;
		case OPT_KEEP_KEY:
			o.keep_key = made_opts = 1;
			break;
		case OPT_DISTINCT:
			o.distinct_keys = made_opts = 1;
			break;
		case OPT_KEY_TYPE:
			if (x509gen_parse_key_type(optarg,
			    &o.newcert.key_type, &err) == -1)
				return usage_error(rotate_usage, &err);
			o.newcert.key_type_given = made_opts = 1;
			break;
		case OPT_DAYS:
			if (usage_number(optarg, 1, 36500, &o.newcert.days,
			    "--days", &err) == -1)
				return usage_error(rotate_usage, &err);
			made_opts = 1;
			break;
		case OPT_KEEP:
			if (usage_number(optarg, 1, 10000, &o.keep,
			    "--keep", &err) == -1)
				return usage_error(rotate_usage, &err);
			break;
		case OPT_STAGE:
			o.stage = 1;
			break;
		case OPT_COMMIT:
			o.commit = 1;
			break;
		case OPT_POST_HOOK:
			o.post_hook = optarg;
			break;
		case OPT_HOSTNAME:
			o.newcert.hostname = optarg;
			made_opts = 1;
			break;
		case OPT_SAN:
			if (common_parse_san(&o.newcert, optarg, &err) == -1)
				return usage_error(rotate_usage, &err);
			made_opts = 1;
			break;
		case OPT_SERVER_GROUP:
			o.owners.server_group = optarg;
			break;
		case OPT_CLIENT_GROUP:
			o.owners.client_group = optarg;
			break;
		case OPT_OWNER:
			o.owners.owner = optarg;
			break;
		case OPT_FORMAT:
			if (usage_format(optarg, &o.json, &err) == -1)
				return usage_error(rotate_usage, &err);
			break;
		case OPT_WAIT:
			if (usage_number(optarg, 0, 3600, &o.lock_timeout,
			    "--wait", &err) == -1)
				return usage_error(rotate_usage, &err);
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_SERVICE_DIR:
			if (service_dirs_add(&o.services, optarg, &err) == -1)
				return usage_error(rotate_usage, &err);
			break;
		case 'q':
			msg_set_verbosity(MSG_QUIET);
			break;
		case 'v':
			msg_set_verbosity(MSG_VERBOSE);
			break;
		case 'h':
			fputs(rotate_usage, stdout);
			return EX_OK;
		default:
			return usage_error(rotate_usage, &err);
		}
	}
	if (optind != argc) {
		err_set(&err, EX_USAGE, "unexpected argument '%s'",
		    argv[optind]);
		return usage_error(rotate_usage, &err);
	}
	if (check_combinations(&o, new_key, made_opts, &err) == -1)
		return usage_error(rotate_usage, &err);
	if (o.post_hook != NULL && o.post_hook[0] == '\0') {
		err_set(&err, EX_USAGE, "--post-hook needs a command");
		return usage_error(rotate_usage, &err);
	}
	if (run_rotate(&o, &err) == -1) {
		return err_print(&err);
	}
	return EX_OK;
}
