/*
 * verify_cmd.c: qmail-pem verify, the monitoring check.
 *
 * Reads, never writes, the control directory.  For each key file it
 * checks what is on disk (exists, regular-file, link-count, owner, group,
 * mode, acl; and the directory's default-acl), then what it holds
 * (verify_content), then whether the daemon's user can load it
 * (probe.c).  The read tests run before any key is read here, so that no
 * forked child holds key material it could not read itself.  The result goes out as a Nagios line, JSON or a Prometheus
 * textfile (report.c), and the exit status is the Nagios one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fileacl.h"
#include "install.h"
#include "msg.h"
#include "privs.h"
#include "probe.h"
#include "readercheck.h"
#include "report.h"
#include "tlsfiles.h"
#include "usage.h"
#include "verify.h"
#include "verify_live.h"
#include "x509gen.h"

#define NFILES	2

struct verify_cmd {
	const char		*dir;
	struct owners		 owners;
	const char		*server_user, *client_user;
	const char		*hostname;
	int			 warn_days, crit_days;
	enum report_format	 format;
	const char		*output;
	int			 verbose;
	struct live_cmd		 live;		/* --connect (verify_live.c) */
	struct service_dirs	 services;	/* --service-dir */
	struct reader_list	 readers;	/* from the run scripts */
	int			 server_group_given, server_user_given;
};

/* What we expect of one file and who reads it. */
struct target {
	const char		*name;
	const char		*group_name;
	const char		*group_option;
	const char		*daemon;	/* "qmail-smtpd" */
	int			 usage;
	enum check_status	 missing;	/* status when it is absent */
	struct perms_target	 expect;
	struct probe_reader	 reader;
	struct stat		 st;
	int			 readable_type;	/* exists, regular */
	struct check		 read_test;	/* reader-can-read, kept for
						 * after the content checks */
	struct probe_run	 probe;		/* its child, while it runs */
	struct check		 reader_cannot;	/* reader-cannot-read; name ""
						 * when every reader can */
};

static void
set_check(struct check *c, const char *name, enum check_status status,
    const char *text)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->status = status;
	snprintf(c->message, sizeof(c->message), "%s", text);
}

static void
skip_rest(struct file_report *r, struct target *t, const char *why)
{
	static const char *const file_checks[] = { "regular-file",
	    "link-count", "owner", "group", "mode", "acl" };
	size_t i, j;

	for (i = 0; i < sizeof(file_checks) / sizeof(file_checks[0]); i++) {
		for (j = 0; j < r->n; j++)
			if (strcmp(r->checks[j].name, file_checks[i]) == 0)
				break;
		if (j == r->n)
			verify_add(r, file_checks[i], CHECK_SKIPPED, "%s", why);
	}
	verify_skip_content(r, NULL, why);
	set_check(&t->read_test, "reader-can-read", CHECK_SKIPPED, why);
}

static void
check_mode(const struct verify_cmd *o, struct target *t,
    struct file_report *r)
{
	mode_t m = t->st.st_mode & 07777;

	if (m & S_IRWXO)
		verify_add(r, "mode", CHECK_CRITICAL, "mode %04o: %s by every "
		    "user on the system; treat the key as stolen and make a "
		    "new one with qmail-pem install --new-key", (unsigned)m,
		    (m & S_IROTH) ? "readable" : "writable");
	else if (!(m & S_IRGRP))
		verify_add(r, "mode", CHECK_CRITICAL, "mode %04o: group %s "
		    "cannot read it, so %s fails STARTTLS; fix it with "
		    "qmail-pem install -d %s", (unsigned)m, t->group_name,
		    t->daemon, o->dir);
	else if (m & (S_IWGRP | S_IXGRP | S_IXUSR | S_ISUID | S_ISGID |
	    S_ISVTX))
		verify_add(r, "mode", CHECK_WARNING, "mode %04o is wider than "
		    "0640%s; fix it with qmail-pem install -d %s", (unsigned)m,
		    (m & S_IWGRP) ? ": the reading daemon could replace the "
		    "key" : "", o->dir);
	else
		verify_add(r, "mode", CHECK_OK, "mode %04o", (unsigned)m);
}

/* Named user and group entries: the mode no longer says who reads. */
static void
check_acl(const struct verify_cmd *o, const struct perms_dir *dir,
    struct target *t, struct file_report *r)
{
	char who[512];
	int rc;

	rc = fileacl_extended_at(dir->fd, t->name, &t->st, who, sizeof(who));
	if (rc == -1)
		verify_add(r, "acl", CHECK_UNKNOWN, "cannot read its ACL: %s",
		    strerror(errno));
	else if (rc == 1)
		verify_add(r, "acl", CHECK_CRITICAL, "extended ACL entries %s: "
		    "whatever the owner, group and mode, they let these users "
		    "and groups in; treat the key as read by them, and remove "
		    "the entries with qmail-pem install -d %s", who, o->dir);
	else
		verify_add(r, "acl", CHECK_OK, "no extended ACL entries");
}

/* The directory's default ACL, reported on every file: each file made
 * in the directory by another tool (cp, an ACME client) gets it. */
static void
check_default_acl(const struct verify_cmd *o, const struct perms_dir *dir,
    struct file_report *files, size_t n)
{
	enum check_status status = CHECK_OK;
	char who[512], text[1024];
	size_t i;
	int rc;

	rc = fileacl_default(dir->fd, who, sizeof(who));
	if (rc == -1) {
		status = CHECK_UNKNOWN;
		snprintf(text, sizeof(text), "cannot read the default ACL of "
		    "%s: %s", o->dir, strerror(errno));
	} else if (rc == 1) {
		status = CHECK_CRITICAL;
		snprintf(text, sizeof(text), "%s has a default ACL (%s): every "
		    "file created in it gets these entries, so a key file that "
		    "another tool writes there is readable beyond its mode; "
		    "remove it with setfacl -k %s", o->dir, who, o->dir);
	} else
		snprintf(text, sizeof(text), "no default ACL on %s", o->dir);
	for (i = 0; i < n; i++)
		verify_add(&files[i], "default-acl", status, "%s", text);
}

/* exists, regular-file, link-count, owner, group, mode, acl: from lstat
 * and the ACL. */
static void
check_on_disk(const struct verify_cmd *o, const struct perms_dir *dir,
    struct target *t, struct file_report *r)
{
	char have[128], want[128], link[4096];
	int rc;

	if ((rc = perms_stat(dir, t->name, &t->st)) == -1) {
		verify_add(r, "exists", CHECK_UNKNOWN, "%s", msg_error());
		skip_rest(r, t, "not checked: the file cannot be examined");
		return;
	}
	if (rc == 0) {
		verify_add(r, "exists", t->missing, "%s/%s does not exist, so "
		    "%s; create it with qmail-pem install -d %s", dir->path,
		    t->name, t->missing == CHECK_CRITICAL ? "qmail-smtpd cannot "
		    "offer STARTTLS" : "qmail-remote offers no client "
		    "certificate", o->dir);
		skip_rest(r, t, "not checked: the file does not exist");
		return;
	}
	verify_add(r, "exists", CHECK_OK, "exists");
	if (S_ISLNK(t->st.st_mode)) {
		if (perms_readlink(dir, t->name, link, sizeof(link)) == -1)
			snprintf(link, sizeof(link), "?");
		verify_add(r, "regular-file", CHECK_CRITICAL, "a symlink to "
		    "%s (not followed): whoever controls the target chooses "
		    "the key and who reads it; qmail-pem install -d %s "
		    "replaces it with a file of its own", link, o->dir);
		skip_rest(r, t, "not checked: the file is a symlink");
		return;
	}
	if (!S_ISREG(t->st.st_mode)) {
		verify_add(r, "regular-file", CHECK_CRITICAL, "not a regular "
		    "file: remove it and run qmail-pem install -d %s", o->dir);
		skip_rest(r, t, "not checked: not a regular file");
		return;
	}
	verify_add(r, "regular-file", CHECK_OK, "a regular file");
	t->readable_type = 1;
	if (t->st.st_nlink > 1)
		verify_add(r, "link-count", CHECK_WARNING, "%lu hard links: "
		    "the key is also reachable under another name, which keeps "
		    "it after a replacement; qmail-pem install -d %s gives it a "
		    "file of its own", (unsigned long)t->st.st_nlink, o->dir);
	else
		verify_add(r, "link-count", CHECK_OK, "one link");
	perms_describe(t->st.st_uid, t->st.st_gid, t->st.st_mode & 07777,
	    have, sizeof(have));
	perms_describe(t->expect.uid, t->expect.gid, t->expect.mode, want,
	    sizeof(want));
	if (t->st.st_uid != t->expect.uid)
		verify_add(r, "owner", CHECK_CRITICAL, "is %s, not %s: its "
		    "owner can give the key to anyone; fix it with qmail-pem "
		    "install -d %s", have, want, o->dir);
	else
		verify_add(r, "owner", CHECK_OK, "owner %s", o->owners.owner);
	if (t->st.st_gid != t->expect.gid)
		verify_add(r, "group", CHECK_CRITICAL, "is %s, not %s: either "
		    "%s cannot read it or another group can; fix it with "
		    "qmail-pem install -d %s (or pass the group %s runs as "
		    "with %s)", have, want, t->daemon, o->dir, t->daemon,
		    t->group_option);
	else
		verify_add(r, "group", CHECK_OK, "group %s", t->group_name);
	check_mode(o, t, r);
	check_acl(o, dir, t, r);
}

/* Fork the read test's child; read_test_finish collects its answer. */
static void
read_test_start(const struct perms_dir *dir, struct target *t)
{
	char text[512];

	if (!t->readable_type)
		return;
	if (geteuid() != 0) {
		snprintf(text, sizeof(text), "needs root to act as %s (run "
		    "qmail-pem verify through sudo)", t->reader.user);
		set_check(&t->read_test, "reader-can-read", CHECK_SKIPPED,
		    text);
		return;
	}
	if (probe_start(dir, t->name, &t->reader, &t->probe) == -1) {
		set_check(&t->read_test, "reader-can-read", CHECK_UNKNOWN,
		    msg_error());
		msg_clear();
	}
}

static void
read_test_finish(struct target *t)
{
	struct probe_result res;
	char text[512];

	if (!t->probe.started)
		return;
	probe_finish(&t->probe, &res);
	switch (res.status) {
	case PROBE_OK:
		snprintf(text, sizeof(text), "%s (uid %lu) loads the key and "
		    "the chain as %s does%s", t->reader.user,
		    (unsigned long)t->reader.uid, t->daemon, res.rsa_key ? "" :
		    "; SSL_CTX_use_RSAPrivateKey_file would fail: not an RSA "
		    "key");
		set_check(&t->read_test, "reader-can-read", CHECK_OK, text);
		return;
	case PROBE_CANNOT_OPEN:
		snprintf(text, sizeof(text), "%s cannot open it (%s), so %s "
		    "fails STARTTLS; fix owner and mode with qmail-pem install",
		    t->reader.user, res.message, t->daemon);
		break;
	case PROBE_CHAIN_FAILS:
		snprintf(text, sizeof(text), "as %s, OpenSSL refuses the "
		    "certificate chain (%s), so %s fails STARTTLS",
		    t->reader.user, res.message, t->daemon);
		break;
	case PROBE_KEY_FAILS:
	case PROBE_MISMATCH:
		snprintf(text, sizeof(text), "as %s, OpenSSL refuses the "
		    "private key (%s), so %s fails STARTTLS", t->reader.user,
		    res.message, t->daemon);
		break;
	default:
		snprintf(text, sizeof(text), "the read test as %s could not "
		    "run: %s", t->reader.user, res.message);
		set_check(&t->read_test, "reader-can-read", CHECK_UNKNOWN,
		    text);
		return;
	}
	set_check(&t->read_test, "reader-can-read", CHECK_CRITICAL, text);
}

static int
check_content(const struct verify_cmd *o, const struct perms_dir *dir,
    struct target *t, const struct verify_summary *s, struct file_report *r)
{
	struct verify_opts vo;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (!t->readable_type)
		return 0;
	if (perms_read_file(dir, t->name, &data, &len, &st) == -1) {
		verify_add(r, "parses", CHECK_UNKNOWN, "%s%s", msg_error(),
		    geteuid() != 0 ? " (through sudo: see qmail-pem(8))" : "");
		verify_skip_content(r, "single-key", "not checked: the file "
		    "cannot be read");
		msg_clear();
		return 0;
	}
	memset(&vo, 0, sizeof(vo));
	vo.hostname = s->hostname;
	vo.no_hostname_why = s->hostname ? NULL : s->error_hostname;
	vo.warn_days = o->warn_days;
	vo.crit_days = o->crit_days;
	vo.expect = t->expect;
	vo.usage = t->usage;
	rc = verify_content(data, len, &vo, r);
	perms_free_secret(data, len);
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
dir_failure_status(const char *path)
{
	if (msg_status() != EX_NOPERM)
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
scan_readers(struct verify_cmd *o)
{
	const char *group;

	if (readercheck_scan(&o->services, &o->readers) == -1 ||
	    owners_resolve(&o->owners) == -1)
		return -1;
	if (!o->server_group_given && (group = readercheck_group(&o->readers,
	    SERVERCERT, &o->owners.server)) != NULL)
		o->owners.server_group = group;
	return 0;
}

/* The read test acts as the reader the run scripts name, unless
 * --server-user says otherwise; a reader that cannot read the file as it
 * is on disk is CRITICAL reader-cannot-read. */
static void
detected_reader(const struct verify_cmd *o, struct target *t)
{
	char perms[160], text[5000];
	const struct reader *r;
	struct probe_reader probe;

	if (!t->readable_type)
		return;
	if ((r = readercheck_cannot(&o->readers, t->name, &t->st)) != NULL) {
		perms_describe(t->st.st_uid, t->st.st_gid, t->st.st_mode &
		    07777, perms, sizeof(perms));
		readers_explain(r, perms, text, sizeof(text));
		set_check(&t->reader_cannot, "reader-cannot-read",
		    CHECK_CRITICAL, text);
	}
	if (t->usage == USAGE_SERVER && o->server_user_given)
		return;
	if (readercheck_probe_reader(&o->readers, t->name, &t->st, &probe) !=
	    NULL)
		t->reader = probe;
}

static int
setup_targets(struct verify_cmd *o, struct target *t)
{
	if (scan_readers(o) == -1)
		return -1;
	memset(t, 0, sizeof(t[0]) * NFILES);
	t[0].name = SERVERCERT;
	t[0].group_name = o->owners.server_group;
	t[0].group_option = "--server-group";
	t[0].daemon = "qmail-smtpd";
	t[0].usage = USAGE_SERVER;
	t[0].missing = CHECK_CRITICAL;
	t[1].name = CLIENTCERT;
	t[1].group_name = o->owners.client_group;
	t[1].group_option = "--client-group";
	t[1].daemon = "qmail-remote";
	t[1].usage = USAGE_CLIENT;
	t[1].missing = CHECK_WARNING;
	if (owners_resolve(&o->owners) == -1)
		return -1;
	t[0].expect = o->owners.server;
	t[1].expect = o->owners.client;
	if (probe_reader_by_name(o->server_user, &t[0].reader) == -1 ||
	    probe_reader_by_name(o->client_user, &t[1].reader) == -1)
		return -1;
	return 0;
}

/* Issue 23: qmail's other TLS files (check/tlsfiles.h), after the key
 * files and the live server, in one array for the report (*all). */
static int
other_tls_files(const struct verify_cmd *o, const struct perms_dir *dir,
    const struct file_report *files, size_t n, time_t now,
    struct tlsfiles_result *tls, struct file_report **all)
{
	struct tlsfiles_opts to;

	memset(&to, 0, sizeof(to));
	to.dir = dir;
	to.dir_arg = o->dir;
	to.readers = &o->readers;
	to.smtpd_group = o->owners.server.gid;
	if (files[0].have_cert && files[0].key_type[0]) {
		to.server_key.type = files[0].key_type;
		to.server_key.bits = files[0].key_bits;
	}
	to.now = now;
	if (tlsfiles_check(&to, tls) == -1)
		return -1;
	if ((*all = calloc(n + tls->nfiles, sizeof(**all))) == NULL)
		return msg_fail(EX_OSERR, "out of memory");
	memcpy(*all, files, n * sizeof(**all));
	if (tls->nfiles > 0)
		memcpy(*all + n, tls->files, tls->nfiles * sizeof(**all));
	return 0;
}

/* The report to stdout, or to --output (out, opened). */
static int
emit(const struct verify_cmd *o, const struct perms_output *out,
    struct verify_summary *s)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	s->status = report_overall(s);
	if (report_render(s, o->format, &text, &len) == -1)
		return -1;
	if (o->output != NULL)
		rc = perms_output_write(out, text, len);
	else
		rc = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ?
		    0 : msg_fail(EX_IOERR, "cannot write the report: %s",
		    strerror(errno));
	free(text);
	return rc;
}

static int
run_verify(struct verify_cmd *o)
{
	struct perms_dir dir = { .fd = -1 };
	struct perms_output out = { .dirfd = -1 };
	struct file_report files[NFILES + 1];	/* and the live server */
	struct file_report *all = NULL;		/* and the other TLS files */
	struct tlsfiles_result tls;
	struct target targets[NFILES];
	struct verify_summary s;
	char hostname[256], error[1024], why_no_host[1024];
	int i, rc = CHECK_UNKNOWN;

	memset(&s, 0, sizeof(s));
	memset(files, 0, sizeof(files));
	memset(targets, 0, sizeof(targets));	/* no probe started */
	memset(&tls, 0, sizeof(tls));
	s.dir = o->dir;
	s.warn_days = o->warn_days;
	s.crit_days = o->crit_days;
	s.now = time(NULL);
	s.verbose = o->verbose;
	if (privs_limit(o->output ? PRIVS_PROBE_OUTPUT : PRIVS_PROBE) == -1 ||
	    setup_targets(o, targets) == -1 ||
	    perms_open_dir(o->dir, &dir) == -1) {
		s.status = dir.fd == -1 && msg_status() != EX_NOUSER ?
		    dir_failure_status(o->dir) : CHECK_UNKNOWN;
		snprintf(error, sizeof(error), "%s", msg_error());
		s.error = error;
		msg_print_error();
		/* The report of what went wrong, but never into the control
		 * directory, even one that could not be opened. */
		if (o->output != NULL && perms_output_open(o->output, o->dir,
		    dir.fd, &out) == -1) {
			msg_print_error();
			goto out;	/* UNKNOWN: no report anywhere */
		}
		if (emit(o, &out, &s) == -1)
			msg_print_error();
		rc = report_overall(&s);
		goto out;
	}
	/* verify never writes in the control directory, not even the
	 * report: a root cron job with a mistyped --output must not replace
	 * a key file.  Checked, and the output's directory opened, before
	 * any check runs. */
	if (o->output != NULL && perms_output_open(o->output, o->dir, dir.fd,
	    &out) == -1) {
		msg_print_error();
		goto out;
	}
	/* DIR/me is optional: without it the hostname check is skipped. */
	if (newcert_hostname(&dir, &(struct newcert_opts){ .hostname =
	    o->hostname }, hostname, sizeof(hostname)) == 0)
		s.hostname = hostname;
	else
		snprintf(why_no_host, sizeof(why_no_host), "%s", msg_error());
	s.error_hostname = why_no_host;
	msg_clear();
	for (i = 0; i < NFILES; i++) {
		files[i].file = targets[i].name;
		check_on_disk(o, &dir, &targets[i], &files[i]);
	}
	check_default_acl(o, &dir, files, NFILES);
	for (i = 0; i < NFILES; i++) {
		detected_reader(o, &targets[i]);
		read_test_start(&dir, &targets[i]);
	}
	/* The read tests' children run (on other CPUs) while this process,
	 * forked before it read any key, checks the contents. */
	for (i = 0; i < NFILES; i++)
		if (check_content(o, &dir, &targets[i], &s, &files[i]) == -1) {
			msg_print_error();
			goto out;
		}
	for (i = 0; i < NFILES; i++) {
		read_test_finish(&targets[i]);
		verify_add(&files[i], targets[i].read_test.name,
		    targets[i].read_test.status, "%s",
		    targets[i].read_test.message);
		if (targets[i].reader_cannot.name[0])
			verify_add(&files[i], targets[i].reader_cannot.name,
			    targets[i].reader_cannot.status, "%s",
			    targets[i].reader_cannot.message);
	}
	/* Cheap (two fingerprints): always in json and prometheus; the
	 * nagios line shows it, like every check, with -v. */
	check_shared_key(files);
	if (o->live.connect != NULL && verify_live_run(&o->live, &dir,
	    o->warn_days, o->crit_days, s.now, &files[NFILES]) == -1) {
		msg_print_error();
		goto out;
	}
	s.files = files;
	s.nfiles = NFILES + (o->live.connect != NULL);
	if (other_tls_files(o, &dir, files, s.nfiles, s.now, &tls, &all) ==
	    -1) {
		msg_print_error();
		goto out;
	}
	s.files = all;
	s.nfiles += tls.nfiles;
	if (emit(o, &out, &s) == -1) {
		msg_print_error();
		goto out;
	}
	rc = s.status;
out:
	free(all);
	tlsfiles_free(&tls);
	for (i = 0; i < NFILES; i++)
		probe_reap(&targets[i].probe);
	readers_free(&o->readers);
	perms_output_close(&out);
	perms_close_dir(&dir);
	return rc;
}

/* --connect without -d: the server only, no files, so that the check can
 * run on a monitoring host. */
static int
run_live_only(struct verify_cmd *o)
{
	struct perms_output out = { .dirfd = -1 };
	struct file_report live;
	struct verify_summary s;
	int rc = CHECK_UNKNOWN;

	memset(&s, 0, sizeof(s));
	memset(&live, 0, sizeof(live));
	s.warn_days = o->warn_days;
	s.crit_days = o->crit_days;
	s.now = time(NULL);
	s.verbose = o->verbose;
	if ((o->output != NULL && perms_output_open(o->output, NULL, -1, &out)
	    == -1) || verify_live_run(&o->live, NULL, o->warn_days,
	    o->crit_days, s.now, &live) == -1) {
		msg_print_error();
		goto out;
	}
	s.files = &live;
	s.nfiles = 1;
	if (emit(o, &out, &s) == -1) {
		msg_print_error();
		goto out;
	}
	rc = s.status;
out:
	perms_output_close(&out);
	return rc;
}

static const char verify_usage[] =
"usage: qmail-pem verify [-d DIR] [-w DAYS] [-c DAYS] [--hostname NAME]\n"
"                        [--format nagios|json|prometheus] [--output FILE]\n"
"                        [--server-group G] [--client-group G] [--owner U]\n"
"                        [--server-user U] [--client-user U] [-v]\n"
"                        [--service-dir D]...\n"
"                        [--connect HOST[:PORT] [--starttls smtp | --tls]\n"
"                         [--timeout SEC] [--helo NAME]]\n"
"\n"
"Check servercert.pem and clientcert.pem in DIR (default /var/qmail/control),\n"
"and the other TLS files there (client CAs and CRL, tlsclients, tlshosts/,\n"
"cipher lists, DH and temporary RSA files), and report as a Nagios plugin\n"
"(exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), as JSON or as a Prometheus\n"
"textfile.  Changes nothing in DIR.\n"
"\n"
"  -d DIR               qmail control directory\n"
"  -w, --warning DAYS   WARNING when a certificate expires within DAYS (30)\n"
"  -c, --critical DAYS  CRITICAL when it expires within DAYS (7)\n"
"  --hostname NAME      name the server certificate must cover (default: DIR/me)\n"
"  --format F           nagios (default), json or prometheus\n"
"  --output FILE        write the report to FILE atomically (temp + rename)\n"
"  --server-group G     group that reads servercert.pem (default nofiles)\n"
"  --client-group G     group that reads clientcert.pem (default qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --server-user U      user qmail-smtpd runs as, for the read test (qmaild)\n"
"  --client-user U      user qmail-remote runs as, for the read test (qmailr)\n"
"  --service-dir D      run scripts that say who reads the files, for the read\n"
"                       test and reader-cannot-read (repeatable; default\n"
"                       /service, /etc/service, /var/service)\n"
"  -v                   a line per check; also whether the files share a key\n"
"  --connect HOST[:PORT]\n"
"                       also check the running server over SMTP ([::1]:25\n"
"                       for IPv6); without -d the server only, no files\n"
"  --starttls smtp      STARTTLS on port 25 (the default)\n"
"  --tls                TLS from the first byte (SMTPS, port 465)\n"
"  --timeout SEC        time for each step of the dialogue (default 10)\n"
"  --helo NAME          name to send with EHLO (default: this host's name)\n";

/* Nagios: usage errors are UNKNOWN, with a status line like any other. */
static int
verify_usage_error(void)
{
	struct verify_summary s;
	char *text = NULL;
	size_t len = 0;

	/* The status line as report.c writes every other one: an argument
	 * with '|' or a newline must not split it. */
	memset(&s, 0, sizeof(s));
	s.status = CHECK_UNKNOWN;
	s.error = msg_error()[0] ? msg_error() : "bad command line: see "
	    "qmail-pem help verify";
	if (report_render(&s, REPORT_NAGIOS, &text, &len) == 0)
		fwrite(text, 1, len, stdout);
	free(text);
	fflush(stdout);
	(void)usage_error(verify_usage);
	return CHECK_UNKNOWN;
}

int
cmd_verify(int argc, char *argv[])
{
	enum { OPT_HOSTNAME = 256, OPT_FORMAT, OPT_OUTPUT, OPT_SERVER_GROUP,
	    OPT_CLIENT_GROUP, OPT_OWNER, OPT_SERVER_USER, OPT_CLIENT_USER,
	    OPT_SERVICE_DIR };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "server-group", required_argument, NULL, OPT_SERVER_GROUP },
		{ "client-group", required_argument, NULL, OPT_CLIENT_GROUP },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "server-user", required_argument, NULL, OPT_SERVER_USER },
		{ "client-user", required_argument, NULL, OPT_CLIENT_USER },
		{ "service-dir", required_argument, NULL, OPT_SERVICE_DIR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "connect", required_argument, NULL, LIVE_OPT_CONNECT },
		{ "starttls", required_argument, NULL, LIVE_OPT_STARTTLS },
		{ "tls", no_argument, NULL, LIVE_OPT_TLS },
		{ "timeout", required_argument, NULL, LIVE_OPT_TIMEOUT },
		{ "helo", required_argument, NULL, LIVE_OPT_HELO },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct verify_cmd o;
	int ch;

	/* Monitoring runs verify every minute and it exits right after its
	 * report: OpenSSL's cleanup at exit would spend a fifth of a
	 * millisecond freeing what the exit frees anyway.  This must be the
	 * process's first OpenSSL call. */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	memset(&o, 0, sizeof(o));
	o.dir = DEFAULT_DIR;
	o.owners.owner = "root";
	o.owners.server_group = "nofiles";
	o.owners.client_group = "qmail";
	o.server_user = "qmaild";
	o.client_user = "qmailr";
	o.warn_days = 30;
	o.crit_days = 7;
	o.format = REPORT_NAGIOS;
	verify_live_init(&o.live);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:w:c:vh", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			o.live.dir_given = 1;
			break;
		case LIVE_OPT_CONNECT:
		case LIVE_OPT_STARTTLS:
		case LIVE_OPT_TLS:
		case LIVE_OPT_TIMEOUT:
		case LIVE_OPT_HELO:
			if (verify_live_option(&o.live, ch, optarg) == -1)
				return verify_usage_error();
			break;
		case 'w':
			if (usage_number(optarg, 0, 36500, &o.warn_days,
			    "-w") == -1)
				return verify_usage_error();
			break;
		case 'c':
			if (usage_number(optarg, 0, 36500, &o.crit_days,
			    "-c") == -1)
				return verify_usage_error();
			break;
		case OPT_HOSTNAME:
			if (!x509gen_valid_dns_name(optarg)) {
				msg_fail(EX_USAGE, "--hostname '%s' is not a "
				    "valid host name", optarg);
				return verify_usage_error();
			}
			o.hostname = optarg;
			break;
		case OPT_FORMAT:
			if (report_parse_format(optarg, &o.format) == -1)
				return verify_usage_error();
			break;
		case OPT_OUTPUT:
			o.output = optarg;
			break;
		case OPT_SERVER_GROUP:
			o.owners.server_group = optarg;
			o.server_group_given = 1;
			break;
		case OPT_CLIENT_GROUP:
			o.owners.client_group = optarg;
			break;
		case OPT_OWNER:
			o.owners.owner = optarg;
			break;
		case OPT_SERVER_USER:
			o.server_user = optarg;
			o.server_user_given = 1;
			break;
		case OPT_SERVICE_DIR:
			if (service_dirs_add(&o.services, optarg) == -1)
				return verify_usage_error();
			break;
		case OPT_CLIENT_USER:
			o.client_user = optarg;
			break;
		case 'v':
			o.verbose = 1;
			msg_set_verbosity(MSG_VERBOSE);
			break;
		case 'h':
			fputs(verify_usage, stdout);
			return EX_OK;
		default:
			return verify_usage_error();
		}
	}
	if (optind != argc) {
		msg_fail(EX_USAGE, "unexpected argument '%s'", argv[optind]);
		return verify_usage_error();
	}
	if (o.crit_days > o.warn_days) {
		msg_fail(EX_USAGE, "-c %d is more than -w %d: the critical "
		    "threshold must be the nearer one", o.crit_days,
		    o.warn_days);
		return verify_usage_error();
	}
	if (verify_live_finish(&o.live) == -1)
		return verify_usage_error();
	if (o.live.connect != NULL && !o.live.dir_given)
		return run_live_only(&o);
	return run_verify(&o);
}
