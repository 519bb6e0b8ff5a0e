/*
 * readable.c: qmail-pem readers.
 *
 * For servercert.pem and clientcert.pem: who reads the file (program,
 * user and group), from which run script, and whether that user can read
 * the file as it is in DIR today.  The run scripts are read as text and
 * never run; the files are examined with fstatat(AT_SYMLINK_NOFOLLOW)
 * relative to the directory, so a symlink is reported as one, never
 * followed.  The search permission of DIR itself is checked too (not that
 * of its parents).
 *
 * Exit status:
 *	0   every reader can read its file (a file that does not exist yet
 *	    is reported and not counted: the readers say who will read it)
 *	1   some reader cannot read its file
 *	2   none is known to fail, but for some reader qmail-pem cannot
 *	    tell: its user is only known by running the run script, or the
 *	    file is a symlink, not a regular file, or cannot be examined
 *	64  usage error (EX_USAGE)
 *	66  DIR cannot be opened (EX_NOINPUT)
 *	71  out of memory or a similar failure (EX_OSERR)
 * (readable_run() returns the first three; the others are errors.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "base/userdb.h"
#include "fs/plan.h"
#include "ops/readable.h"
#include "site/readerbin.h"
#include "site/policy.h"
#include "site/readerperm.h"
#include "site/readers.h"

enum verdict { V_CAN, V_CANNOT, V_UNSURE, V_MISSING };

/* What one reader can do with its file today. */
struct judgement {
	enum verdict	 verdict;
	const char	*state;		/* regular, missing, symlink, other, error */
	int		 have_stat;
	struct stat	 st;
	char		 perms[160];	/* "root:nofiles 0640" */
	char		 reason[600];	/* why not, or why not known */
	char		 fix[3000];	/* cannot: the fix, a complete
					 * command (the model's) */
};

/* "root:nofiles 0640", names from userdb.h like the readers'. */
static void
describe_file(const struct stat *st, char *buf, size_t size)
{
	char user[USERDB_NAME_MAX], group[USERDB_NAME_MAX];

	if (userdb_user_by_uid(st->st_uid, user, sizeof(user)) == -1)
		snprintf(user, sizeof(user), "%lu", (unsigned long)st->st_uid);
	if (userdb_group_by_gid(st->st_gid, group, sizeof(group)) == -1)
		snprintf(group, sizeof(group), "%lu",
		    (unsigned long)st->st_gid);
	snprintf(buf, size, "%s:%s %04o", user, group,
	    (unsigned)(st->st_mode & 07777));
}

static void
judge(int dfd, const char *dir, const struct stat *dst,
    const struct reader *r, struct judgement *j)
{
	char target[1024], dperms[160];
	struct err why = { 0 };
	ssize_t n;
	int can;

	memset(j, 0, sizeof(*j));
	j->verdict = V_UNSURE;
	j->state = "error";
	if (fstatat(dfd, r->file, &j->st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT) {
			j->verdict = V_MISSING;
			j->state = "missing";
			snprintf(j->reason, sizeof(j->reason), "%s does not "
			    "exist", r->file);
		} else
			snprintf(j->reason, sizeof(j->reason), "cannot "
			    "examine %s/%s: %s", dir, r->file,
			    strerror(errno));
		return;
	}
	j->have_stat = 1;
	describe_file(&j->st, j->perms, sizeof(j->perms));
	if (S_ISLNK(j->st.st_mode)) {
		j->state = "symlink";
		n = readlinkat(dfd, r->file, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(j->reason, sizeof(j->reason), "%s is a symlink to "
		    "%.300s, which qmail-pem does not follow", r->file,
		    n > 0 ? target : "?");
		return;
	}
	if (!S_ISREG(j->st.st_mode)) {
		j->state = "other";
		snprintf(j->reason, sizeof(j->reason), "%s is not a regular "
		    "file", r->file);
		return;
	}
	j->state = "regular";
	can = readers_can_access(r, dst->st_uid, dst->st_gid, dst->st_mode,
	    X_OK, &why);
	if (can == 0) {
		describe_file(dst, dperms, sizeof(dperms));
		j->verdict = V_CANNOT;
		snprintf(j->reason, sizeof(j->reason), "it cannot enter %.300s "
		    "(%s)", dir, dperms);
		return;
	}
	if (can == 1)
		can = readers_can_read(r, j->st.st_uid, j->st.st_gid,
		    j->st.st_mode, &why);
	if (can == -1) {
		snprintf(j->reason, sizeof(j->reason), "%s", why.text);
		return;
	}
	j->verdict = can ? V_CAN : V_CANNOT;
}

static int
verdict_status(enum verdict v)
{
	switch (v) {
	case V_CANNOT:
		return READERS_CANNOT;
	case V_UNSURE:
		return READERS_UNSURE;
	default:
		return READERS_OK;
	}
}

/* "  binary: PATH (how); keys: ...; certificates: ..." */
static void
print_binary(const struct readerbin *b)
{
	const struct loaders *l = &b->loads;

	if (b->path[0] == '\0') {
		msg_say(stdout, "  binary: ", "not known: %s", l->key_why);
		return;
	}
	msg_say(stdout, "  binary: ", "%s: %s", b->path, b->how_text);
	if (l->key == LOADERS_KEY_UNKNOWN)
		msg_say(stdout, "  loads: ", "keys: unknown (%s)", l->key_why);
	else
		msg_say(stdout, "  loads: ", "keys: %s (%s); certificates: "
		    "%s%s%s%s", loaders_key_words(l->key), l->key_with,
		    loaders_cert_words(l->cert), l->cert == LOADERS_CERT_UNKNOWN ?
		    "" : " (", l->cert == LOADERS_CERT_UNKNOWN ? "" :
		    l->cert_with, l->cert == LOADERS_CERT_UNKNOWN ? "" : ")");
}

static void
print_text(const struct reader *r, const struct judgement *j,
    const struct readerbin *b)
{
	char who[4400], what[4000];

	readers_describe(r, who, sizeof(who));
	switch (j->verdict) {
	case V_CAN:
		snprintf(what, sizeof(what), "can read it today (%s)",
		    j->perms);
		break;
	case V_CANNOT:
		snprintf(what, sizeof(what), "cannot read it today (%s)%s%s: "
		    "%s", j->perms, j->reason[0] ? ": " : "", j->reason,
		    j->fix);
		break;
	case V_MISSING:
		snprintf(what, sizeof(what), "%s", j->reason);
		break;
	default:
		if (j->have_stat && strcmp(j->state, "regular") == 0)
			snprintf(what, sizeof(what), "cannot tell whether it "
			    "can read it (%s)", j->perms);
		else
			snprintf(what, sizeof(what), "cannot tell whether it "
			    "can read it: %s", j->reason);
		break;
	}
	/* Names and paths come from run scripts: printable only. */
	msg_say(stdout, "", "%s: read by %s; %s", r->file, who, what);
	if (r->note[0])
		msg_say(stdout, "  note: ", "%s", r->note);
	print_binary(b);
}

static json_t *
str_or_null(const char *s, int present)
{
	return present && s[0] ? json_string(s) : json_null();
}

/* "binary": where the reader's program is and what it loads. */
static json_t *
binary_json(const struct readerbin *b)
{
	static const char *const hows[] = { NULL, "run-script", "qmailhome" };
	static const char *const keys[] = { "unknown", "rsa-only", "any" };
	static const char *const certs[] = { "unknown", "leaf-only", "chain" };
	const struct loaders *l = &b->loads;
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "program", json_string(b->program));
	json_object_set_new(o, "path", str_or_null(b->path, 1));
	json_object_set_new(o, "found_by", hows[b->how] ?
	    json_string(hows[b->how]) : json_null());
	json_object_set_new(o, "how", str_or_null(b->how_text, 1));
	json_object_set_new(o, "keys", json_string(keys[l->key]));
	json_object_set_new(o, "key_loaders", str_or_null(l->key_with, 1));
	json_object_set_new(o, "keys_why", str_or_null(l->key_why, 1));
	json_object_set_new(o, "certificates", json_string(certs[l->cert]));
	json_object_set_new(o, "cert_loaders", str_or_null(l->cert_with, 1));
	json_object_set_new(o, "certificates_why", str_or_null(l->cert_why,
	    1));
	return o;
}

static json_t *
reader_json(const struct reader *r, const struct judgement *j,
    const struct readerbin *b)
{
	static const char *const sources[] = { "default", "script", "unknown" };
	json_t *o, *groups;
	char mode[8];
	size_t i;

	if ((o = json_object()) == NULL || (groups = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < r->ngroups; i++)
		json_array_append_new(groups, json_integer(r->groups[i]));
	json_object_set_new(o, "file", json_string(r->file));
	json_object_set_new(o, "program", json_string(r->program));
	json_object_set_new(o, "source", json_string(sources[r->source]));
	json_object_set_new(o, "script", str_or_null(r->script, 1));
	json_object_set_new(o, "line", r->line ? json_integer(r->line) :
	    json_null());
	json_object_set_new(o, "user", str_or_null(r->user, r->have_uid));
	json_object_set_new(o, "group", str_or_null(r->group, r->have_gid));
	json_object_set_new(o, "uid", r->have_uid ? json_integer(r->uid) :
	    json_null());
	json_object_set_new(o, "gid", r->have_gid ? json_integer(r->gid) :
	    json_null());
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "note", str_or_null(r->note, 1));
	json_object_set_new(o, "file_state", json_string(j->state));
	if (j->have_stat) {
		snprintf(mode, sizeof(mode), "%04o",
		    (unsigned)(j->st.st_mode & 07777));
		json_object_set_new(o, "file_uid", json_integer(j->st.st_uid));
		json_object_set_new(o, "file_gid", json_integer(j->st.st_gid));
		json_object_set_new(o, "file_mode", json_string(mode));
		json_object_set_new(o, "file_perms", json_string(j->perms));
	}
	json_object_set_new(o, "can_read", j->verdict == V_CAN ? json_true() :
	    j->verdict == V_CANNOT ? json_false() : json_null());
	json_object_set_new(o, "reason", str_or_null(j->reason, 1));
	json_object_set_new(o, "fix", j->verdict == V_CANNOT ?
	    json_string(j->fix) : json_null());
	json_object_set_new(o, "binary", binary_json(b));
	return o;
}

/* The JSON document: the directories, the readers, the status. */
static int
print_json(const char *dir, const char *const *sdirs, size_t nsdirs,
    json_t *readers, int status, struct err *err)
{
	json_t *root, *dirs = json_array();
	size_t i;
	int rc = 0;

	if ((root = json_object()) == NULL) {
		json_decref(dirs);
		return err_set(err, EX_OSERR, "out of memory");
	}
	for (i = 0; dirs != NULL && i < nsdirs; i++)
		json_array_append_new(dirs, json_string(sdirs[i]));
	json_object_set_new(root, "command", json_string("readers"));
	json_object_set_new(root, "ok", json_true());
	json_object_set_new(root, "exit", json_integer(status));
	json_object_set_new(root, "dir", json_string(dir));
	json_object_set_new(root, "service_dirs", dirs ? dirs : json_null());
	json_object_set(root, "readers", readers);
	json_object_set_new(root, "status", json_integer(status));
	plan_json_warnings(root);
	if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ==
	    -1)
		rc = err_set(err, EX_IOERR, "cannot write the JSON output");
	else
		putchar('\n');
	json_decref(root);
	return rc;
}

/* The fix for r as a complete command: the model's install with the
 * group r runs as (site/model.h). */
static void
fix_of(const struct site_model *m, const struct reader *r,
    struct judgement *j)
{
	const struct model_file *f = model_file(m, r->file);
	char cmd[2400];

	if (f != NULL && r->group[0])
		model_command(m, "install", f->role, r->group, cmd,
		    sizeof(cmd));
	readers_fix_cmd(r, f != NULL && r->group[0] ? cmd : NULL, j->fix,
	    sizeof(j->fix));
}

/* Judge each reader of the model, print it (text) or add it to arr
 * (JSON); the command's status, or -1. */
static int
judge_all(int dfd, const char *dir, const struct stat *dst,
    const struct site_model *m, json_t *arr, struct err *err)
{
	const struct reader_list *list = &m->readers;
	struct judgement j;
	struct loaders_cache cache;
	struct readerbin b;
	json_t *item;
	size_t i;
	int status = READERS_OK, s;

	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < list->n; i++) {
		judge(dfd, dir, dst, &list->v[i], &j);
		if (readerbin_find(dir, &list->v[i], &cache, &b, err) == -1)
			return -1;
		if (j.verdict == V_CANNOT)
			fix_of(m, &list->v[i], &j);
		s = verdict_status(j.verdict);
		if (s == READERS_CANNOT || (s == READERS_UNSURE &&
		    status == READERS_OK))
			status = s;
		if (arr == NULL) {
			print_text(&list->v[i], &j, &b);
			continue;
		}
		if ((item = reader_json(&list->v[i], &j, &b)) == NULL ||
		    json_array_append_new(arr, item) == -1)
			return err_set(err, EX_OSERR, "out of memory");
	}
	return status;
}

int
readable_run(struct readable_opts *o, struct err *err)
{
	const char *const *sdirs = o->c.services.v;
	size_t nsdirs = o->c.services.n;
	struct perms_dir dir = { .fd = -1 };
	struct stat dst;
	json_t *arr = NULL;
	int rc = -1, status;

	if (nsdirs == 0) {	/* the model reads the usual ones */
		sdirs = default_service_dirs;
		nsdirs = NDEFAULT_SERVICE_DIRS;
	}
	if (privs_limit(PRIVS_READ, err) == -1)
		return -1;
	/* Opened as given, not refused when unsafe: readers explains. */
	snprintf(dir.path, sizeof(dir.path), "%s", o->c.dir);
	if ((dir.fd = open(o->c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || fstat(dir.fd, &dst) == -1) {
		err_set(err, EX_NOINPUT, "cannot open the control directory "
		    "%s: %s", o->c.dir, strerror(errno));
		goto out;
	}
	if (common_model(&o->c, &dir, "install", 1, err) == -1)
		goto out;
	if (o->c.json && (arr = json_array()) == NULL) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	if ((status = judge_all(dir.fd, o->c.dir, &dst, &o->c.model, arr,
	    err)) == -1 || (arr != NULL && print_json(o->c.dir, sdirs, nsdirs,
	    arr, status, err) == -1))
		goto out;
	if (fflush(stdout) == EOF) {
		err_set(err, EX_IOERR, "cannot write the output: %s",
		    strerror(errno));
		goto out;
	}
	rc = status;
out:
	json_decref(arr);
	common_free(&o->c);
	perms_close_dir(&dir);
	return rc;
}
