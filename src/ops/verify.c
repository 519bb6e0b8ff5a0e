/*
 * verify.c: qmail-pem verify, the monitoring check.
 *
 * Reads, never writes, the control directory.  For each key file it
 * checks what is on disk (check/ondisk.c), then what it holds
 * (verify_content), then whether the daemon's user can load it
 * (check/readtest.c).  The read tests start before any key is read here,
 * so that no forked child holds key material it could not read itself.
 * The result goes out as a Nagios line, JSON or a Prometheus textfile
 * (check/report.c), and the exit status is the Nagios one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
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
#include "ops/verifylive.h"
#include "site/policy.h"
#include "site/readercheck.h"
#include "site/readerperm.h"

#define NFILES	2

/* What we expect of one file and who reads it. */
struct target {
	struct ondisk_target	 d;
	int			 usage;
	struct readtest_check	 rt;		/* reader-can-read, kept for
						 * after the content checks */
	struct check		 reader_cannot;	/* reader-cannot-read; name ""
						 * when every reader can */
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
	if (readfile_dir(dir, t->d.name, &data, &len, &st, &why) == -1) {
		verify_add(r, "parses", CHECK_UNKNOWN, "%s%s", why.text,
		    geteuid() != 0 ? " (through sudo: see qmail-pem(8))" : "");
		verify_skip_content(r, "single-key", "not checked: the file "
		    "cannot be read");
		return 0;
	}
	memset(&vo, 0, sizeof(vo));
	vo.hostname = s->hostname;
	vo.no_hostname_why = s->hostname ? NULL : s->error_hostname;
	vo.warn_days = a->warn_days;
	vo.crit_days = a->crit_days;
	vo.expect = t->d.expect;
	vo.usage = t->usage;
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

/* Can the directory be opened at all by this user?  UNKNOWN if not,
 * CRITICAL if it can but is unsafe. */
static enum check_status
dir_failure_status(const char *path, int status)
{
	if (status != EX_NOPERM)
		return CHECK_UNKNOWN;
	if (geteuid() != 0 && access(path, R_OK | X_OK) == -1)
		return CHECK_UNKNOWN;
	return CHECK_CRITICAL;
}

/*
 * Who the run scripts say reads the files.  Without --server-group, a
 * group the scripts' qmail-smtpd needs (vpopmail:vchkpw) is the group
 * servercert.pem must have here.
 */
static int
scan_readers(struct verify_args *a, struct reader_list *readers,
    struct err *err)
{
	const char *group;

	if (readercheck_scan(&a->c.services, readers, err) == -1 ||
	    owners_resolve(&a->c.owners, err) == -1)
		return -1;
	if (!a->server_group_given && (group = readercheck_group(readers,
	    SERVERCERT, &a->c.owners.server)) != NULL)
		a->c.owners.server_group = group;
	return 0;
}

/* The read test acts as the reader the run scripts name, unless
 * --server-user says otherwise; a reader that cannot read the file as it
 * is on disk is CRITICAL reader-cannot-read. */
static void
detected_reader(const struct verify_args *a,
    const struct reader_list *readers, struct target *t)
{
	char perms[160], text[5000];
	const struct reader *r;

	if (!t->d.readable_type)
		return;
	if ((r = readercheck_cannot(readers, t->d.name, &t->d.st)) != NULL) {
		perms_describe(t->d.st.st_uid, t->d.st.st_gid,
		    t->d.st.st_mode & 07777, perms, sizeof(perms));
		readers_explain(r, perms, text, sizeof(text));
		verify_set(&t->reader_cannot, "reader-cannot-read",
		    CHECK_CRITICAL, text);
	}
	if (t->usage == USAGE_SERVER && a->server_user_given)
		return;
	if ((r = readercheck_test_reader(readers, t->d.name, &t->d.st)) !=
	    NULL)
		readtest_reader_of(r, &t->rt.reader);
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

static int
setup_targets(struct verify_args *a, struct reader_list *readers,
    struct target *t, struct err *err)
{
	const char *users[NFILES] = { a->server_user, a->client_user };
	int i;

	if (scan_readers(a, readers, err) == -1 ||
	    owners_resolve(&a->c.owners, err) == -1)
		return -1;
	memset(t, 0, sizeof(t[0]) * NFILES);
	t[0].d.group_name = a->c.owners.server_group;
	t[0].d.expect = a->c.owners.server;
	t[1].d.group_name = a->c.owners.client_group;
	t[1].d.expect = a->c.owners.client;
	for (i = 0; i < NFILES; i++) {
		t[i].d.name = file_table[i].name;
		t[i].d.group_option = file_table[i].group_option;
		t[i].d.daemon = t[i].rt.daemon = file_table[i].daemon;
		t[i].usage = file_table[i].usage;
		t[i].d.missing = file_table[i].missing;
		t[i].d.owner_name = a->c.owners.owner;
		if (readtest_reader_by_name(users[i], &t[i].rt.reader,
		    err) == -1)
			return -1;
	}
	return 0;
}

/* The report to stdout, or to --output (out, opened). */
static int
emit(const struct verify_args *a, const struct output *out,
    struct verify_summary *s, struct err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	s->status = report_overall(s);
	if (report_render(s, a->format, &text, &len, err) == -1)
		return -1;
	if (a->c.output != NULL)
		rc = output_write(out, text, len, err);
	else
		rc = fwrite(text, 1, len, stdout) == len &&
		    fflush(stdout) == 0 ? 0 : err_set(err, EX_IOERR,
		    "cannot write the report: %s", strerror(errno));
	free(text);
	return rc;
}

/*
 * Nothing could be checked: the report says why, with UNKNOWN or (an
 * unsafe directory) CRITICAL; but never into the control directory, even
 * one that could not be opened.
 */
static int
report_failure(const struct verify_args *a, const struct perms_dir *dir,
    struct verify_summary *s, const struct err *why)
{
	struct output out = { .dirfd = -1 };
	struct err err = { 0 };
	char error[1024];

	s->status = dir->fd == -1 && why->status != EX_NOUSER ?
	    dir_failure_status(a->c.dir, why->status) : CHECK_UNKNOWN;
	snprintf(error, sizeof(error), "%s", why->text);
	s->error = error;
	(void)err_print(why);
	if (a->c.output != NULL && output_open(a->c.output, a->c.dir,
	    dir->fd, &out, &err) == -1) {
		(void)err_print(&err);
		return CHECK_UNKNOWN;	/* no report anywhere */
	}
	if (emit(a, &out, s, &err) == -1)
		(void)err_print(&err);
	output_close(&out);
	return report_overall(s);
}

/* Every check of the two files, into files[0..NFILES). */
static int
check_files(const struct verify_args *a, const struct perms_dir *dir,
    const struct reader_list *readers, struct target *t,
    const struct verify_summary *s, struct file_report *files,
    struct err *err)
{
	int i;

	for (i = 0; i < NFILES; i++) {
		files[i].file = t[i].d.name;
		ondisk_check(dir, &t[i].d, &files[i]);
		if (t[i].d.skipped != NULL)
			verify_set(&t[i].rt.check, "reader-can-read",
			    CHECK_SKIPPED, t[i].d.skipped);
	}
	ondisk_default_acl(dir, files, NFILES);
	for (i = 0; i < NFILES; i++) {
		detected_reader(a, readers, &t[i]);
		if (t[i].d.readable_type)
			readtest_check_start(dir, t[i].d.name, &t[i].rt);
	}
	/* The read tests' children run (on other CPUs) while this process,
	 * forked before it read any key, checks the contents. */
	for (i = 0; i < NFILES; i++)
		if (check_content(a, dir, &t[i], s, &files[i], err) == -1)
			return -1;
	for (i = 0; i < NFILES; i++) {
		readtest_check_finish(&t[i].rt);
		verify_add(&files[i], t[i].rt.check.name, t[i].rt.check.status,
		    "%s", t[i].rt.check.message);
		if (t[i].reader_cannot.name[0])
			verify_add(&files[i], t[i].reader_cannot.name,
			    t[i].reader_cannot.status, "%s",
			    t[i].reader_cannot.message);
	}
	/* Cheap (two fingerprints): always in json and prometheus; the
	 * nagios line shows it, like every check, with -v. */
	check_shared_key(files);
	return 0;
}

/* Issue 23: qmail's other TLS files (check/tlsfiles.h), after the key
 * files and the live server, in one array for the report (*all). */
static int
other_tls_files(const struct verify_args *a, const struct perms_dir *dir,
    const struct reader_list *readers, struct verify_summary *s,
    struct tlsfiles_result *tls, struct file_report **all, struct err *err)
{
	const struct file_report *srv = &s->files[0];
	struct tlsfiles_opts to;

	memset(&to, 0, sizeof(to));
	to.dir = dir;
	to.dir_arg = a->c.dir;
	to.readers = readers;
	to.smtpd_group = a->c.owners.server.gid;
	if (srv->have_cert && srv->key_type[0]) {
		to.server_key.type = srv->key_type;
		to.server_key.bits = srv->key_bits;
	}
	to.now = s->now;
	if (tlsfiles_check(&to, tls, err) == -1)
		return -1;
	if ((*all = calloc(s->nfiles + tls->nfiles, sizeof(**all))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	memcpy(*all, s->files, s->nfiles * sizeof(**all));
	if (tls->nfiles > 0)
		memcpy(*all + s->nfiles, tls->files,
		    tls->nfiles * sizeof(**all));
	s->files = *all;
	s->nfiles += tls->nfiles;
	return 0;
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

static int
run_verify(struct verify_args *a)
{
	struct perms_dir dir = { .fd = -1 };
	struct output out = { .dirfd = -1 };
	struct file_report files[NFILES + 1];	/* and the live server */
	struct file_report *all = NULL;		/* and the other TLS files */
	struct tlsfiles_result tls = { 0 };
	struct reader_list readers = { NULL, 0 };
	struct target targets[NFILES];
	struct verify_summary s;
	struct err err = { 0 }, no_host = { 0 };
	char hostname[256];
	int i, rc = CHECK_UNKNOWN;

	summary_init(a, &s);
	memset(files, 0, sizeof(files));
	memset(targets, 0, sizeof(targets));	/* no read test started */
	if (privs_limit(a->c.output ? PRIVS_PROBE_OUTPUT : PRIVS_PROBE,
	    &err) == -1 || setup_targets(a, &readers, targets, &err) == -1 ||
	    perms_open_dir(a->c.dir, &dir, &err) == -1) {
		rc = report_failure(a, &dir, &s, &err);
		goto out;
	}
	/* verify never writes in the control directory, not even the
	 * report: a root cron job with a mistyped --output must not replace
	 * a key file.  Checked, and the output's directory opened, before
	 * any check runs. */
	if (a->c.output != NULL && output_open(a->c.output, a->c.dir,
	    dir.fd, &out, &err) == -1)
		goto fail;
	/* DIR/me is optional: without it the hostname check is skipped. */
	if (newcert_hostname(&dir, &a->c.newcert, hostname, sizeof(hostname),
	    &no_host) == 0)
		s.hostname = hostname;
	s.error_hostname = no_host.text;
	if (check_files(a, &dir, &readers, targets, &s, files, &err) == -1 ||
	    (a->live.connect != NULL && verify_live_run(&a->live, &dir,
	    a->warn_days, a->crit_days, s.now, &files[NFILES], &err) == -1))
		goto fail;
	s.files = files;
	s.nfiles = NFILES + (a->live.connect != NULL);
	if (other_tls_files(a, &dir, &readers, &s, &tls, &all, &err) == -1 ||
	    emit(a, &out, &s, &err) == -1)
		goto fail;
	rc = s.status;
	goto out;
fail:
	(void)err_print(&err);
out:
	free(all);
	tlsfiles_free(&tls);
	for (i = 0; i < NFILES; i++)
		readtest_reap(&targets[i].rt.run);
	readers_free(&readers);
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
	if (emit(a, &out, &s, &err) == -1) {
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
