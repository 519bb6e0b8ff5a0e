/*
 * status.c: qmail-pem status (status.h).
 *
 * Everything it shows it takes from the modules that decide it: verify's
 * checks (ops/verify.c's verify_collect, so the verdict is verify's), the
 * readers of the run scripts (site/readers.h), the programs and what they
 * load (site/programs.h, site/loaders.h), the backups (fs/backup.h) and
 * the staged key's name (site/policy.h).  The findings are gathered into
 * one JSON object; --format json prints it, the text form (statusprint.c)
 * is read from it, so both say the same.  Nothing is written.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/text.h"
#include "base/userdb.h"
#include "fs/backup.h"
#include "fs/plan.h"
#include "ops/status.h"
#include "ops/statusprint.h"
#include "ops/verify.h"
#include "site/loaders.h"
#include "site/policy.h"
#include "site/programs.h"
#include "site/readerperm.h"
#include "site/readerbin.h"
#include "site/readers.h"

/* Text from a certificate or the file system may be any bytes: JSON
 * takes UTF-8, so anything else goes out as printable ASCII. */
static json_t *
jstr(const char *s)
{
	char buf[4200];
	json_t *j;
	size_t i;

	if ((j = json_string(s)) != NULL)
		return j;
	for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

static json_t *
text_or_null(const char *s)
{
	return s != NULL && s[0] ? jstr(s) : json_null();
}

static json_t *
check_json(const struct check *c)
{
	if (c == NULL)
		return json_null();
	return json_pack("{s:s, s:o}", "status",
	    verify_status_name(c->status), "message", jstr(c->message));
}

static json_int_t
days_since(time_t then, time_t now)
{
	return now > then ? (json_int_t)((now - then) / 86400) : 0;
}

/* The key and the certificate, from verify's report. */
static void
cert_json(json_t *o, const struct file_report *r)
{
	json_t *sans = json_array();
	char buf[64], copy[sizeof(r->sans)], *p, *save = NULL;
	const struct check *shared = verify_find(r, "shared-key");

	if (!r->have_cert) {
		json_decref(sans);
		json_object_set_new(o, "certificate", json_null());
		return;
	}
	snprintf(copy, sizeof(copy), "%s", r->sans);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		json_array_append_new(sans, jstr(p));
	json_object_set_new(o, "certificate", json_pack("{s:s, s:i, s:o, "
	    "s:o, s:b, s:o, s:s, s:I}", "key_type", r->key_type, "key_bits",
	    r->key_bits, "subject", jstr(r->subject), "issuer", jstr(r->issuer),
	    "self_signed", strcmp(r->subject, r->issuer) == 0, "sans", sans,
	    "not_after", text_iso_time(r->not_after, buf, sizeof(buf)),
	    "days_left", (json_int_t)verify_days(r)));
	json_object_set_new(o, "shared_key", shared != NULL ?
	    jstr(shared->message) : json_null());
}

/* The program that reads the file and what it can load: the program at
 * qmail's own path under QMAILHOME (the control directory's parent). */
/* The program that reads file, and what it loads: the one the run script
 * starts, else QMAILHOME/bin's (site/readerbin.h, as install and verify
 * find it). */
static json_t *
program_json(const struct perms_dir *dir, const char *file,
    const struct reader_list *readers, struct loaders_cache *cache)
{
	struct reader fallback;
	const struct reader *r = NULL;
	struct readerbin bin;
	struct err why = { 0 };
	char key[600], cert[600];
	size_t i;

	for (i = 0; i < readers->n && r == NULL; i++)
		if (strcmp(readers->v[i].file, file) == 0)
			r = &readers->v[i];
	if (r == NULL) {
		memset(&fallback, 0, sizeof(fallback));
		snprintf(fallback.file, sizeof(fallback.file), "%s", file);
		snprintf(fallback.program, sizeof(fallback.program), "%s",
		    strcmp(file, CLIENTCERT) == 0 ? "qmail-remote" :
		    "qmail-smtpd");
		r = &fallback;
	}
	if (readerbin_find(dir->path, r, cache, &bin, &why) == -1)
		return json_pack("{s:n, s:s}", "path", "why", why.text);
	if (bin.how == READERBIN_UNKNOWN)
		return json_pack("{s:n, s:s, s:s}", "path", "keys", "unknown",
		    "why", bin.how_text);
	loaders_describe_key(&bin.loads, bin.program, bin.path, key,
	    sizeof(key));
	loaders_describe_cert(&bin.loads, bin.program, bin.path, cert,
	    sizeof(cert));
	return json_pack("{s:o, s:s, s:s, s:s, s:o, s:o}", "path",
	    jstr(bin.path), "found", bin.how_text, "keys",
	    loaders_key_words(bin.loads.key), "certificates",
	    loaders_cert_words(bin.loads.cert), "key_loader", jstr(key),
	    "cert_loader", jstr(cert));
}

static json_t *
groups_json(const struct reader *r)
{
	json_t *a = json_array();
	char name[64];
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		if (userdb_group_by_gid(r->groups[i], name, sizeof(name)) == -1)
			snprintf(name, sizeof(name), "%lu",
			    (unsigned long)r->groups[i]);
		json_array_append_new(a, json_string(name));
	}
	return a;
}

static json_t *
reader_json(const struct reader *r, const struct stat *st, int have_st)
{
	struct err why = { 0 };
	char who[4400], fix[600];
	int can = -1;

	if (have_st)
		can = readers_can_read(r, st->st_uid, st->st_gid,
		    st->st_mode & 07777, &why);
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "reader", jstr(readers_describe(r, who, sizeof(who))), "program",
	    r->program, "user", text_or_null(r->user), "group",
	    text_or_null(r->group), "groups", groups_json(r), "script",
	    text_or_null(r->script), "can_read", can == 1 ? json_true() :
	    can == 0 ? json_false() : json_null(), "why", text_or_null(
	    can == -1 ? (have_st ? why.text : "the file is not there") : ""),
	    "fix", text_or_null(can == 0 ? readers_fix(r, fix, sizeof(fix)) :
	    ""));
}

static json_t *
readers_json(const struct reader_list *list, const char *file,
    const struct stat *st, int have_st)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < list->n; i++)
		if (strcmp(list->v[i].file, file) == 0)
			json_array_append_new(a, reader_json(&list->v[i], st,
			    have_st));
	return a;
}

/* NAME.next, as rotate --stage leaves it. */
static json_t *
staged_json(const struct perms_dir *dir, const char *staged, time_t now)
{
	struct stat st;
	char buf[64];

	if (fstatat(dir->fd, staged, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return json_null();
	return json_pack("{s:s, s:s, s:I}", "file", staged, "since",
	    text_iso_time(st.st_mtime, buf, sizeof(buf)), "age_days",
	    days_since(st.st_mtime, now));
}

static time_t
backup_time(const struct backup_name *b)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(b->stamp, "%Y%m%dT%H%M%SZ", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

static json_t *
backups_json(const struct perms_dir *dir, const char *file, time_t now)
{
	struct backup_name *list = NULL;
	struct err why = { 0 };
	size_t n = 0;
	json_t *o;

	if (backup_list(dir, file, &list, &n, &why) == -1)
		return json_pack("{s:n, s:s}", "count", "why", why.text);
	if (n == 0)
		o = json_pack("{s:i}", "count", 0);
	else
		o = json_pack("{s:I, s:s, s:I, s:s, s:I}", "count",
		    (json_int_t)n, "newest", list[n - 1].name,
		    "newest_age_days", days_since(backup_time(&list[n - 1]),
		    now), "oldest", list[0].name, "oldest_age_days",
		    days_since(backup_time(&list[0]), now));
	free(list);
	return o;
}

/* "file", "symlink", "missing", "other"; st filled when it exists. */
static json_t *
disk_json(const struct perms_dir *dir, const char *file, struct stat *st,
    int *have_st)
{
	struct stat lst;
	char perms[160], target[4096];
	ssize_t n;

	*have_st = fstatat(dir->fd, file, st, 0) == 0;
	if (fstatat(dir->fd, file, &lst, AT_SYMLINK_NOFOLLOW) == -1)
		return json_pack("{s:s}", "type", "missing");
	perms_describe(lst.st_uid, lst.st_gid, lst.st_mode, perms,
	    sizeof(perms));
	if (S_ISLNK(lst.st_mode)) {
		if ((n = readlinkat(dir->fd, file, target,
		    sizeof(target) - 1)) < 0)
			n = 0;
		target[n] = '\0';
		return json_pack("{s:s, s:o}", "type", "symlink", "target",
		    jstr(target));
	}
	return json_pack("{s:s, s:s}", "type", S_ISREG(lst.st_mode) ? "file" :
	    "other", "permissions", perms);
}

/* What the file should be (site/model.h: an SNI file is servercert.pem's
 * like); a group that does not exist is said, with its fix. */
static json_t *
wanted_json(const struct site_model *m, const char *name)
{
	const struct model_file *f = model_file(m, name);
	char why[160], mode[8];

	if (f == NULL)
		return json_null();
	snprintf(mode, sizeof(mode), "%04o", (unsigned)f->want.mode);
	return json_pack("{s:o, s:o, s:b, s:s, s:s, s:o}", "owner",
	    jstr(f->owner), "group", jstr(f->group), "group_exists",
	    !f->group_missing[0], "mode", mode, "why", model_group_reason(f,
	    why, sizeof(why)), "fix", text_or_null(f->group_missing));
}

/* An SNI folder that cannot be used: verify's reason for it. */
static json_t *
unusable_json(const struct file_report *r)
{
	const struct check *c = verify_find(r, "sni-folder");

	return json_pack("{s:s, s:o}", "type", "unusable", "why",
	    jstr(c != NULL ? c->message : "the folder cannot be used"));
}

/* One file: r is verify's report of it, p where it is, m the model of
 * DIR; top: DIR. */
static json_t *
file_json(const struct perms_dir *top, const struct verify_place *p,
    const struct file_report *r, const struct site_model *m,
    const struct reader_list *readers, struct loaders_cache *cache,
    time_t now)
{
	json_t *o = json_object();
	struct stat st;
	int have_st = 0;
	const char *staged = strcmp(p->name, CLIENTCERT) == 0 ?
	    CLIENTCERT_NEXT : SERVERCERT_NEXT;

	json_object_set_new(o, "file", jstr(r->file));
	json_object_set_new(o, "on_disk", p->dir != NULL ? disk_json(p->dir,
	    p->name, &st, &have_st) : unusable_json(r));
	json_object_set_new(o, "wanted", wanted_json(m, p->name));
	cert_json(o, r);
	json_object_set_new(o, "readers", readers_json(readers, p->name, &st,
	    have_st));
	json_object_set_new(o, "program", program_json(top, p->name, readers,
	    cache));
	json_object_set_new(o, "read_test", check_json(verify_find(r,
	    "reader-can-read")));
	json_object_set_new(o, "staged", p->dir != NULL ? staged_json(p->dir,
	    staged, now) : json_null());
	json_object_set_new(o, "backups", p->dir != NULL ?
	    backups_json(p->dir, p->name, now) : json_pack("{s:n, s:s}",
	    "count", "why", "the folder cannot be used"));
	json_object_set_new(o, "status",
	    json_string(verify_status_name(verify_worst(r))));
	return o;
}

/* verify's status line without its perfdata. */
static json_t *
verdict_json(const struct verify_summary *s)
{
	struct err ignored = { 0 };
	char *text = NULL, *cut;
	size_t len = 0;
	json_t *o;

	if (report_render(s, REPORT_NAGIOS, &text, &len, &ignored) == -1)
		return json_null();
	if ((cut = strstr(text, " |")) != NULL || (cut = strchr(text, '\n'))
	    != NULL)
		*cut = '\0';
	o = json_pack("{s:s, s:o}", "status", verify_status_name(s->status),
	    "line", jstr(text));
	free(text);
	return o;
}

static json_t *
status_json(const struct status_opts *o, const struct perms_dir *dir,
    const struct verify_found *f, const struct site_model *m,
    const struct reader_list *readers, struct loaders_cache *cache)
{
	json_t *root = json_object(), *files = json_array();
	size_t i;

	json_object_set_new(root, "command", json_string("status"));
	json_object_set_new(root, "ok", json_true());
	json_object_set_new(root, "exit", json_integer(0));
	json_object_set_new(root, "dir", jstr(o->c.dir));
	json_object_set_new(root, "hostname", text_or_null(f->s.hostname));
	for (i = 0; i < f->s.nfiles; i++)
		json_array_append_new(files, file_json(dir, &f->place[i],
		    &f->s.files[i], m, readers, cache, f->s.now));
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "verdict", verdict_json(&f->s));
	plan_json_warnings(root);
	return root;
}

static void
verify_args_of(const struct status_opts *o, struct verify_args *a)
{
	memset(a, 0, sizeof(*a));
	a->c = o->c;
	a->server_user = DEFAULT_SERVER_USER;
	a->client_user = DEFAULT_CLIENT_USER;
	a->warn_days = DEFAULT_WARN_DAYS;
	a->crit_days = DEFAULT_CRIT_DAYS;
	a->format = REPORT_NAGIOS;
	/* status shows a group or a reader that does not exist, as it
	 * shows everything else, and exits 0 (site/model.h) */
	a->c.lenient = 1;
}

int
status_run(struct status_opts *o, struct err *err)
{
	struct reader_list readers = { NULL, 0 };
	struct loaders_cache *cache = NULL;
	struct verify_found *f = NULL;
	struct verify_args a;
	json_t *root = NULL;
	int rc = -1;

	verify_args_of(o, &a);
	/* f, once there, is verify_collect()'s, and so verify_found_free()'s */
	if ((cache = calloc(1, sizeof(*cache))) == NULL ||
	    (f = calloc(1, sizeof(*f))) == NULL) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	if (verify_collect(&a, f, err) == -1 ||
	    readercheck_scan(&o->c.services, &readers, err) == -1)
		goto out;
	if ((root = status_json(o, &f->dir, f, &a.c.model, &readers,
	    cache)) == NULL) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	rc = o->c.json ? statusprint_json(root, err) :
	    statusprint_text(root, err);
out:
	json_decref(root);
	readers_free(&readers);
	if (f != NULL)
		verify_found_free(f);
	free(cache);
	free(f);
	return rc;
}
