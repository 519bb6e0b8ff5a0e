/*
 * verify.c: qmail-pem verify, the monitoring check.
 *
 * Reads, never writes, the control directory.  For each key file it
 * checks what is on disk (check/ondisk.c), then what it holds
 * (verify_content), then whether the daemon's user can load it
 * (check/readtest.c).
 * The result goes out as a Nagios line, JSON or a Prometheus textfile
 * (check/report.c), and the exit status is the Nagios one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/privs.h"
#include "base/secret.h"
#include "check/ondisk.h"
#include "check/readtest.h"
#include "check/report.h"
#include "check/tlsfiles.h"
#include "fs/output.h"
#include "fs/readfile.h"
#include "ops/verify.h"
#include "ops/verifyreport.h"
#include "ops/verifytls.h"
#include "ops/verifylive.h"
#include "site/policy.h"
#include "site/readercheck.h"
#include "site/readerperm.h"
#include "site/sni.h"

#define NFILES	2

/* What we expect of one file and who reads it. */
struct target {
	const struct perms_dir	*dir;		/* DIR, or its SNI folder */
	struct perms_dir	 sdir;		/* the SNI folder, owned */
	const char		*host;		/* the name it must cover */
	char			 label[320];	/* "servercerts/NAME/..." */
	char			 why[1024];	/* the folder is unusable */
	struct ondisk_target	 d;
	int			 usage;
	struct readtest_check	 rt;		/* reader-can-read, run last */
	struct check		 reader_cannot;	/* name "": every reader can */
	enum model_role		 role;
	char			 fix[2400];	/* the install that repairs it */
	char			 group_note[160];
	char			 read_fix[2400];	/* for reader-can-read */
	struct readerbin_file	 loads;		/* what its readers load */
};

static int
check_content(const struct verify_args *a, const struct perms_dir *dir,
    const struct target *t, const struct verify_summary *s,
    struct file_report *r, struct err *err)
{
	struct verify_opts vo;
	struct err why = { 0 };
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (!t->d.readable_type)
		return 0;
	(void)dir;
	if (readfile_dir(t->dir, t->d.name, &data, &len, &st, &why) == -1) {
		verify_add(r, "parses", CHECK_UNKNOWN, "%s%s", why.text,
		    geteuid() != 0 ? " (through sudo: see qmail-pem(8))" : "");
		verify_skip_content(r, "single-key", "not checked: the file "
		    "cannot be read");
		return 0;
	}
	memset(&vo, 0, sizeof(vo));
	vo.hostname = t->host != NULL ? t->host : s->hostname;
	vo.no_hostname_why = vo.hostname ? NULL : s->error_hostname;
	vo.warn_days = a->warn_days;
	vo.crit_days = a->crit_days;
	vo.expect = t->d.expect;
	vo.usage = t->usage;
	vo.loads = &t->loads;
	vo.dir = dir->path;
	vo.install = t->fix;
	rc = verify_content(data, len, &vo, r, err);
	secret_free(data, len);
	return rc;
}

static void
check_shared_key(struct file_report *files)
{
	struct file_report *a = &files[0], *b = &files[1];
	const char *why = NULL;
	int same;

	if (!a->have_cert || !b->have_cert || !a->pubkey_sha256[0] ||
	    !b->pubkey_sha256[0])
		why = "not compared: a file has no certificate";
	same = why == NULL && strcmp(a->pubkey_sha256, b->pubkey_sha256) == 0;
	verify_add(a, "shared-key", CHECK_INFO, "%s", why ? why : same ?
	    "the same key as " CLIENTCERT : "a key of its own, not the one "
	    "of " CLIENTCERT);
	verify_add(b, "shared-key", CHECK_INFO, "%s", why ? why : same ?
	    "the same key as " SERVERCERT : "a key of its own, not the one "
	    "of " SERVERCERT);
}

/* A key staged for a DANE rollover (rotate --stage), and its age. */
static void
check_dane_staged(const struct verify_args *a, struct file_report *r)
{
	const struct model_dane *d = &a->c.model.dane;
	time_t now = time(NULL);
	long hours;
	char cmd[2400];

	if (!d->staged)
		return;
	hours = now > d->staged_mtime ? (long)(now - d->staged_mtime) / 3600 :
	    0;
	model_command(&a->c.model, "rotate", MODEL_SERVER, NULL, cmd,
	    sizeof(cmd));
	verify_add(r, "dane-staged", CHECK_INFO, "%s is staged, %ld days %ld "
	    "hours old: once its TLSA record has been published for twice "
	    "the TTL, put it in place with %s --commit", SERVERCERT_NEXT,
	    hours / 24, hours % 24, cmd);
}

/* The read test acts as the reader the run scripts name, unless
 * --server-user says otherwise; a reader that cannot read the file as it
 * is on disk is CRITICAL reader-cannot-read. */
static void
detected_reader(const struct verify_args *a,
    const struct reader_list *readers, struct target *t)
{
	char perms[160], cmd[2400], text[8000];
	const struct reader *r;

	if (!t->d.readable_type)
		return;
	if ((r = readercheck_cannot(readers, t->d.name, &t->d.st)) != NULL) {
		perms_describe(t->d.st.st_uid, t->d.st.st_gid,
		    t->d.st.st_mode & 07777, perms, sizeof(perms));
		if (r->group[0])
			model_command(&a->c.model, "install", t->role,
			    r->group, cmd, sizeof(cmd));
		readers_explain_cmd(r, perms, r->group[0] ? cmd : NULL, text,
		    sizeof(text));
		verify_set(&t->reader_cannot, "reader-cannot-read",
		    CHECK_CRITICAL, text);
	}
	if (t->usage == USAGE_SERVER && a->server_user_given)
		return;
	if ((r = readercheck_test_reader(readers, t->d.name, &t->d.st)) ==
	    NULL)
		return;
	readtest_reader_of(r, &t->rt.reader);
	if (!t->d.group_missing[0])	/* its user exists: the test runs */
		t->rt.not_run[0] = '\0';
}

/* The read test's user until a run script names the reader; for status
 * (lenient) a user or group that does not exist makes it UNKNOWN. */
static int
default_reader(const struct verify_args *a, const char *user,
    struct target *t, struct err *err)
{
	if (readtest_reader_by_name(user, &t->rt.reader, err) == -1) {
		if (!a->c.lenient)
			return -1;
		snprintf(t->rt.not_run, sizeof(t->rt.not_run),
		    "not run: %.400s", err->text);
		err_clear(err);
	}
	if (t->d.group_missing[0])
		snprintf(t->rt.not_run, sizeof(t->rt.not_run), "not run: %s",
		    t->d.group_missing);
	return 0;
}

/* The two files: who reads each and what its absence means. */
static const struct {
	const char		*name;
	const char		*group_option;
	const char		*daemon;
	int			 usage;
	enum check_status	 missing;
} file_table[NFILES] = {
	{ SERVERCERT, "--server-group", "qmail-smtpd", USAGE_SERVER,
	    CHECK_CRITICAL },
	{ CLIENTCERT, "--client-group", "qmail-remote", USAGE_CLIENT,
	    CHECK_WARNING },
};

/*
 * What each file should be and who reads it, from the model of the
 * opened directory (site/model.h): the owner, group and mode install,
 * rotate and rollback write, and the fix as a complete command.
 */
static int
setup_targets(struct verify_args *a, const struct perms_dir *dir,
    struct target *t, struct err *err)
{
	const char *users[NFILES] = { a->server_user, a->client_user };
	const struct model_file *f;
	struct loaders_cache cache;
	int i;

	if (common_model(&a->c, dir, "install", 1, err) == -1)
		return -1;
	memset(t, 0, sizeof(t[0]) * NFILES);
	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < NFILES; i++)
		if (readerbin_of_file(a->c.dir, &a->c.model.readers,
		    file_table[i].name, &cache, &t[i].loads, err) == -1)
			return -1;
	for (i = 0; i < NFILES; i++) {
		/* --sni: servercert.pem alone, the SNI file's template */
		if ((f = model_file(&a->c.model, file_table[i].name)) == NULL)
			continue;
		t[i].role = f->role;
		t[i].d.group_name = f->group;
		t[i].d.group_missing = f->group_missing;
		t[i].d.expect = f->want;
		model_command(&a->c.model, "install", f->role, NULL, t[i].fix,
		    sizeof(t[i].fix));
		t[i].d.fix = t[i].fix;
		t[i].rt.fix = t[i].fix;
		if (f->group_from == MODEL_GROUP_KEPT_UNNAMED) {
			t[i].d.group_note = model_group_reason(f,
			    t[i].group_note, sizeof(t[i].group_note));
			/* the read test acts as qmail's default reader, whose
			 * group a plain install would not give back */
			t[i].rt.fix = model_command(&a->c.model, "install",
			    f->role, f->default_group, t[i].read_fix,
			    sizeof(t[i].read_fix));
		}
		t[i].d.name = file_table[i].name;
		t[i].d.group_option = file_table[i].group_option;
		t[i].d.daemon = t[i].rt.daemon = file_table[i].daemon;
		t[i].usage = file_table[i].usage;
		t[i].d.missing = file_table[i].missing;
		t[i].d.owner_name = a->c.owners.owner;
		if (default_reader(a, users[i], &t[i], err) == -1)
			return -1;
	}
	return 0;
}

/* An SNI folder that cannot be used: one CRITICAL check says why. */
static void
sni_unusable(struct target *t, struct file_report *r)
{
	verify_add(r, "sni-folder", CHECK_CRITICAL, "%s", t->why);
	t->d.skipped = "not checked: the SNI folder cannot be used";
	verify_set(&t->rt.check, "reader-can-read", CHECK_SKIPPED,
	    t->d.skipped);
}

/* Every check of the files, into files[0..n). */
static int
check_files(const struct verify_args *a, size_t n,
    const struct reader_list *readers, struct target *t,
    const struct verify_summary *s, struct file_report *files,
    struct err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		files[i].file = t[i].label[0] ? t[i].label : t[i].d.name;
		if (t[i].why[0]) {
			sni_unusable(&t[i], &files[i]);
			continue;
		}
		ondisk_check(t[i].dir, &t[i].d, &files[i]);
		if (t[i].d.skipped != NULL)
			verify_set(&t[i].rt.check, "reader-can-read",
			    CHECK_SKIPPED, t[i].d.skipped);
		ondisk_default_acl(t[i].dir, &files[i], 1);
	}
	for (i = 0; i < n; i++) {
		detected_reader(a, readers, &t[i]);
		if (check_content(a, t[i].dir, &t[i], s, &files[i], err) == -1)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if (t[i].d.readable_type)
			readtest_check(t[i].dir, t[i].d.name, &t[i].rt);
		verify_add(&files[i], t[i].rt.check.name, t[i].rt.check.status,
		    "%s", t[i].rt.check.message);
		if (t[i].reader_cannot.name[0])
			verify_add(&files[i], t[i].reader_cannot.name,
			    t[i].reader_cannot.status, "%s",
			    t[i].reader_cannot.message);
	}
	/* Cheap (two fingerprints): always in json and prometheus; the
	 * nagios line shows it, like every check, with -v. */
	if (a->c.sni == NULL) {
		check_shared_key(files);
		check_dane_staged(a, &files[0]);
	}
	return 0;
}

/* One SNI file as servercert.pem is checked (tmpl), in its folder; its
 * fixes are install --sni NAME. */
static void
add_sni(const struct verify_args *a, const struct perms_dir *dir,
    const struct target *tmpl, const char *name, struct target *t)
{
	struct err why = { 0 };
	int rc;

	*t = *tmpl;
	t->dir = &t->sdir;
	t->sdir.fd = -1;
	snprintf(t->label, sizeof(t->label), "%s/%s/%s", SNI_DIR, name,
	    SERVERCERT);
	t->host = name;
	model_command_sni(&a->c.model, "install", name, NULL, t->fix,
	    sizeof(t->fix));
	t->d.fix = t->rt.fix = t->fix;
	if (tmpl->rt.fix == tmpl->read_fix)	/* as setup_targets() */
		t->rt.fix = model_command_sni(&a->c.model, "install", name,
		    model_file(&a->c.model, SERVERCERT)->default_group,
		    t->read_fix, sizeof(t->read_fix));
	if (sni_check_name(name, "the folder name", &why) == -1)
		rc = -1;
	else if ((rc = sni_open(dir, name, 0, &t->sdir, &why)) == 0)
		err_set(&why, EX_NOINPUT, "%s/%s/%s does not exist: %s makes "
		    "it", dir->path, SNI_DIR, name, t->fix);
	snprintf(t->why, sizeof(t->why), "%s", rc == 1 ? "" : why.text);
}

/* The files verify checks and their reports (files: one more, for the
 * live server): the two, and the SNI folders listed first (files_alloc). */
struct verify_files {
	struct file_report	*files;
	struct target		*targets;
	char			(*hosts)[256];
	size_t			 nhosts;	/* SNI folders listed */
	char			 unsafe[1024];	/* why not; "" */
	size_t			 n;		/* targets set up */
};

/*
 * The files to check: with --sni NAME that one alone; else the two and
 * every servercerts/NAME/servercert.pem listed.  A target's host is a
 * copy of NAME in its own buffer.
 */
static void
sni_targets(const struct verify_args *a, const struct perms_dir *dir,
    struct verify_files *v)
{
	struct target *t = v->targets;
	size_t i;

	if (a->c.sni != NULL) {
		snprintf(v->hosts[0], 256, "%s", a->c.sni);
		add_sni(a, dir, &t[0], v->hosts[0], &t[0]);
		v->n = 1;
		return;
	}
	v->n = NFILES;
	if (v->unsafe[0]) {
		/* an unsafe servercerts/: CRITICAL, the other files checked */
		t[NFILES] = t[0];
		snprintf(t[NFILES].label, sizeof(t[0].label), "%s", SNI_DIR);
		snprintf(t[NFILES].why, sizeof(t[0].why), "%s", v->unsafe);
		v->n = NFILES + 1;
		return;
	}
	for (i = 0; i < v->nhosts; i++)
		add_sni(a, dir, &t[0], v->hosts[i], &t[NFILES + i]);
	v->n = NFILES + v->nhosts;
}

static void
summary_init(const struct verify_args *a, struct verify_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->dir = a->c.dir;
	s->warn_days = a->warn_days;
	s->crit_days = a->crit_days;
	s->now = time(NULL);
	s->verbose = a->verbose;
}

/* The SNI folders closed (dir: the control directory, its owner's). */
static void
files_free(struct verify_files *v, const struct perms_dir *dir)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->targets[i].dir != dir)
			perms_close_dir(&v->targets[i].sdir);
	}
	free(v->files);
	free(v->targets);
	free(v->hosts);
	free(v);
}

/* Room for the files of dir, the SNI folders listed (not with --sni). */
static struct verify_files *
files_alloc(const struct verify_args *a, const struct perms_dir *dir,
    struct err *err)
{
	struct verify_files *v;
	struct err why = { 0 };
	size_t room, i;

	/* zeroed: no read test started */
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->hosts = calloc(SNI_MAX, sizeof(*v->hosts))) == NULL)
		goto nomem;
	if (a->c.sni == NULL && sni_list(dir, v->hosts, &v->nhosts, &why)
	    == -1) {
		snprintf(v->unsafe, sizeof(v->unsafe), "%s", why.text);
		v->nhosts = 0;
	}
	room = NFILES + v->nhosts + 1;	/* + servercerts/ when unsafe */
	if ((v->files = reallocarray(NULL, room + 1, sizeof(*v->files)))
	    != NULL && (v->targets = calloc(room, sizeof(*v->targets)))
	    != NULL) {
		for (i = 0; i <= room; i++)	/* + the live server */
			verify_report_init(&v->files[i]);
		return v;
	}
nomem:
	files_free(v, dir);
	err_set(err, EX_OSERR, "out of memory");
	return NULL;
}

/*
 * Every check of the files of dir (targets set up): with --sni NAME that
 * file alone, else the two and every servercerts/NAME/servercert.pem
 * present, into s.  DIR/me is optional: without it (why in no_host) the
 * hostname check is skipped.
 */
static int
check_dir(struct verify_args *a, const struct perms_dir *dir,
    struct verify_files *v, struct verify_summary *s, char hostname[256],
    struct err *no_host, struct err *err)
{
	if (newcert_hostname(dir, &a->c.newcert, hostname, 256, no_host) == 0)
		s->hostname = hostname;
	s->error_hostname = no_host->text;
	v->targets[0].dir = v->targets[1].dir = dir;
	sni_targets(a, dir, v);
	if (check_files(a, v->n, &a->c.model.readers, v->targets, s, v->files,
	    err) == -1)
		return -1;
	s->files = v->files;
	s->nfiles = v->n;
	return 0;
}

static int
run_verify(struct verify_args *a)
{
	struct perms_dir dir = { .fd = -1 };
	struct output out = { .dirfd = -1 };
	struct verify_files *v = NULL;
	struct file_report *all = NULL;		/* and the other TLS files */
	struct tlsfiles_result tls = { 0 };
	struct verify_summary s;
	struct err err = { 0 }, no_host = { 0 };
	char hostname[256];
	int rc = CHECK_UNKNOWN;

	summary_init(a, &s);
	if (privs_limit(a->c.output ? PRIVS_PROBE_OUTPUT : PRIVS_PROBE,
	    &err) == -1 || perms_open_dir(a->c.dir, &dir, &err) == -1 ||
	    (v = files_alloc(a, &dir, &err)) == NULL ||
	    setup_targets(a, &dir, v->targets, &err) == -1) {
		rc = verify_report_failure(&a->c, a->format, &dir, &s, &err);
		goto out;
	}
	/* verify never writes in the control directory, not even the
	 * report: a root cron job with a mistyped --output must not replace
	 * a key file.  Checked, and the output's directory opened, before
	 * any check runs. */
	if (a->c.output != NULL && output_open(a->c.output, a->c.dir,
	    dir.fd, &out, &err) == -1)
		goto fail;
	if (check_dir(a, &dir, v, &s, hostname, &no_host, &err) == -1 ||
	    (a->live.connect != NULL && verify_live_run(&a->live, &dir,
	    a->warn_days, a->crit_days, s.now, &v->files[v->n], &err) == -1))
		goto fail;
	s.nfiles += a->live.connect != NULL;
	/* qmail's other TLS files (issue 23): not with --sni NAME */
	if ((a->c.sni == NULL && verify_other_tls_files(a->c.dir,
	    a->c.owners.server.gid, &dir,
	    &a->c.model.readers, &s, &tls, &all, &err) == -1) ||
	    verify_emit(&a->c, a->format, &out, &s, &err) == -1)
		goto fail;
	rc = s.status;
	goto out;
fail:
	(void)err_print(&err);
out:
	free(all);
	tlsfiles_free(&tls);
	files_free(v, &dir);
	common_free(&a->c);
	output_close(&out);
	perms_close_dir(&dir);
	return rc;
}

/* --connect without -d: the server only, no files, so that the check can
 * run on a monitoring host. */
static int
run_live_only(const struct verify_args *a)
{
	struct output out = { .dirfd = -1 };
	struct file_report live;
	struct verify_summary s;
	struct err err = { 0 };
	int rc = CHECK_UNKNOWN;

	summary_init(a, &s);
	s.dir = NULL;
	memset(&live, 0, sizeof(live));
	if ((a->c.output != NULL && output_open(a->c.output, NULL, -1,
	    &out, &err) == -1) || verify_live_run(&a->live, NULL,
	    a->warn_days, a->crit_days, s.now, &live, &err) == -1) {
		(void)err_print(&err);
		goto out;
	}
	s.files = &live;
	s.nfiles = 1;
	if (verify_emit(&a->c, a->format, &out, &s, &err) == -1) {
		(void)err_print(&err);
		goto out;
	}
	rc = s.status;
out:
	output_close(&out);
	return rc;
}

int
verify_run(struct verify_args *a)
{
	if (a->live.connect != NULL && !a->live.dir_given)
		return run_live_only(a);
	return run_verify(a);
}

/* For status: verify's checks without a report (ops/verify.h). */
int
verify_collect(struct verify_args *a, struct verify_found *f,
    struct err *err)
{
	const struct target *t;
	size_t i;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	f->dir.fd = -1;
	summary_init(a, &f->s);
	if (privs_limit(PRIVS_PROBE, err) == -1 ||
	    perms_open_dir(a->c.dir, &f->dir, err) == -1 ||
	    (f->held = files_alloc(a, &f->dir, err)) == NULL ||
	    setup_targets(a, &f->dir, f->held->targets, err) == -1 ||
	    check_dir(a, &f->dir, f->held, &f->s, f->hostname, &f->no_host,
	    err) == -1)
		goto out;
	for (i = 0; i < f->s.nfiles; i++) {
		t = &f->held->targets[i];
		f->place[i].dir = t->why[0] ? NULL : t->dir;
		f->place[i].name = t->d.name;
	}
	f->s.status = report_overall(&f->s);
	rc = 0;
out:
	common_free(&a->c);
	return rc;
}

void
verify_found_free(struct verify_found *f)
{
	files_free(f->held, &f->dir);
	f->held = NULL;
	perms_close_dir(&f->dir);
}
