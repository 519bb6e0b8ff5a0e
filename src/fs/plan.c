/* plan.c: plan-then-apply for the control directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "fs/backup.h"
#include "fs/fileacl.h"
#include "fs/plan.h"
#include "fs/readfile.h"

/* Every change that puts a new file in place by rename: new content, and
 * a repair of owner, mode or ACL (the same bytes in a new inode). */
#define ACT_RENAMES	(ACT_WRITES | ACT_FIXES)

int
plan_same_as(struct file_plan *to, const struct file_plan *from,
    const char *from_name, struct err *err)
{
	if ((to->content = secret_copy(from->content, from->len, err)) == NULL)
		return -1;
	to->len = from->len;
	to->info = from->info;
	snprintf(to->note, sizeof(to->note), "same key and certificate as %s",
	    from_name);
	return 0;
}

int
plan_decide(const struct perms_dir *dir, struct file_plan *p, struct err *err)
{
	char *data = NULL;
	size_t len = 0;
	struct stat st;
	int rc, same, acl;

	p->actions = 0;
	p->old_acl[0] = '\0';
	if ((rc = perms_stat(dir, p->name, &p->old, err)) == -1)
		return -1;
	p->old_exists = rc;
	if (p->content == NULL) {	/* the file is to go away */
		if (p->old_exists)
			p->actions = ACT_REMOVE;
		return 0;
	}
	if (!p->old_exists) {
		p->actions = ACT_CREATE;
		return 0;
	}
	if (S_ISLNK(p->old.st_mode)) {
		p->actions = ACT_REPLACE_SYMLINK;
		return 0;
	}
	if (!S_ISREG(p->old.st_mode))
		return err_set(err, EX_DATAERR, "%s/%s is not a regular file: "
		    "remove it and run again", dir->path, p->name);
	if (p->old.st_nlink > 1) {
		p->actions = ACT_REPLACE_HARDLINK;
		return 0;
	}
	if (readfile_dir(dir, p->name, &data, &len, &st, err) == -1)
		return -1;
	same = len == p->len && memcmp(data, p->content, len) == 0;
	secret_free(data, len);
	/* Shown in the plan whatever is done; a new file has none. */
	if ((acl = fileacl_extended_at(dir->fd, p->name, &st, p->old_acl,
	    sizeof(p->old_acl))) == -1)
		return err_set(err, errno == ELIBACC ? EX_OSFILE :
		    EX_NOINPUT, "%s/%s: cannot read its ACL: %s",
		    dir->path, p->name, fileacl_strerror(errno));
	if (!same) {
		p->actions = p->same_key_as_old ? ACT_REWRITE : ACT_REPLACE;
		return 0;
	}
	if (p->old.st_uid != p->target.uid || p->old.st_gid != p->target.gid)
		p->actions |= ACT_FIX_OWNER;
	if ((p->old.st_mode & 07777) != p->target.mode)
		p->actions |= ACT_FIX_MODE;
	if (acl == 1)
		p->actions |= ACT_FIX_ACL;
	return 0;
}

int
plan_changes(const struct file_plan *plans, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (plans[i].actions)
			return 1;
	return 0;
}

static void
undo_backups(const struct perms_dir *dir, struct file_plan *plans, size_t n)
{
	struct err ignored = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		if (plans[i].backup[0]) {
			(void)perms_unlink(dir, plans[i].backup, &ignored);
			plans[i].backup[0] = '\0';
		}
	}
	(void)perms_sync_dir(dir, &ignored);
}

/*
 * Whether this run's change to p can be put back: a file it created goes
 * again, a file it repaired is written again with its old owner and mode
 * (the bytes are the same), a file it replaced or
 * removed comes back from the backup it just made (a regular file, or a
 * symlink recorded as one).  A file removed without a backup (a used
 * pending key, a committed staged file) cannot come back.
 */
static int
undo_possible(const struct file_plan *p)
{
	if (!p->old_exists || !(p->actions & (ACT_WRITES | ACT_REMOVE)))
		return 1;
	return p->backup[0] != '\0' &&
	    (S_ISREG(p->old.st_mode) || S_ISLNK(p->old.st_mode));
}

static int
undo_one(const struct perms_dir *dir, struct file_plan *p, struct err *err)
{
	struct perms_target was;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	was.uid = p->old.st_uid;
	was.gid = p->old.st_gid;
	was.mode = p->old.st_mode & 07777;
	if (!p->old_exists)
		return perms_unlink(dir, p->name, err);
	if (!(p->actions & (ACT_WRITES | ACT_REMOVE)))
		return perms_write_atomic(dir, p->name, p->content, p->len,
		    &was, err);
	if (S_ISLNK(p->old.st_mode)) {
		/* The backup is the same symlink: it takes its name back. */
		while ((rc = renameat(dir->fd, p->backup, dir->fd, p->name))
		    == -1 && errno == EINTR)
			;
		if (rc == -1)
			return -1;
		p->backup[0] = '\0';
		return 0;
	}
	if (readfile_dir(dir, p->backup, &data, &len, &st, err) == -1)
		return -1;
	rc = perms_write_atomic(dir, p->name, data, len, &was, err);
	secret_free(data, len);
	return rc;
}

/* "servercert.pem, clientcert.pem": the names of the plans in `which'. */
static void
names_of(const struct file_plan *plans, const int *which, size_t n,
    char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < size; i++)
		if (which[i])
			used += (size_t)snprintf(buf + used, size - used,
			    "%s%s", used ? ", " : "", plans[i].name);
}

/*
 * A step failed after some files were changed.  When every change can be
 * put back, put them back, so that the failed run leaves the directory as
 * it found it.  When one cannot (a file removed without a backup), put
 * nothing back: the new files, each complete, stay, and the message says
 * which.  A second fault while putting back is said the same way.
 */
static void
undo_done(const struct perms_dir *dir, struct file_plan *plans,
    const int *done, size_t n, struct err *err)
{
	struct err undo = { 0 };
	char names[512];
	int left[8] = { 0 };
	size_t i, changed = 0, kept = 0;

	for (i = 0; i < n; i++) {
		changed += done[i] != 0;
		if (done[i] && !undo_possible(&plans[i]))
			kept++;
	}
	if (changed == 0) {
		undo_backups(dir, plans, n);
		return;
	}
	if (kept > 0) {
		int stuck[8] = { 0 };
		char gone[512];
		for (i = 0; i < n; i++)
			stuck[i] = done[i] && !undo_possible(&plans[i]);
		(void)perms_sync_dir(dir, &undo);
		names_of(plans, stuck, n, gone, sizeof(gone));
		names_of(plans, done, n, names, sizeof(names));
		err_suffix(err, "; %s cannot be put back (no backup), so the "
		    "run's changes stay: %s changed, each file complete; check "
		    "%s with qmail-pem verify", gone, names, dir->path);
		return;
	}
	kept = 0;
	for (i = 0; i < n; i++)
		if (done[i] && undo_one(dir, &plans[i], &undo) == -1) {
			left[i] = 1;
			kept++;
		}
	if (kept == 0) {
		undo_backups(dir, plans, n);
		err_suffix(err, "; the files already changed were put back: "
		    "nothing was changed");
		return;
	}
	(void)perms_sync_dir(dir, &undo);
	names_of(plans, left, n, names, sizeof(names));
	err_suffix(err, "; %s could not be put back and %s new (each file "
	    "complete): run the command again", names,
	    kept > 1 ? "are" : "is");
}

static int
sync_or_fail(const struct perms_dir *dir, struct err *err)
{
	int e;

	if (perms_sync_dir(dir, err) == 0)
		return 0;
	e = errno;
	return err_set(err, EX_IOERR, "%s: cannot sync the directory: %s",
	    dir->path, strerror(e));
}

int
plan_apply(const struct perms_dir *dir, struct file_plan *plans, size_t n,
    time_t now, struct err *err)
{
	struct perms_staged staged[8];
	int done[8] = { 0 };
	size_t i;

	if (n > sizeof(staged) / sizeof(staged[0]))
		return err_set(err, EX_SOFTWARE, "too many files in one plan");
	memset(staged, 0, sizeof(staged));
	/* A killed run's temp files go even when nothing else changes. */
	perms_remove_stale_temps(dir);
	if (!plan_changes(plans, n))
		return 0;

	/* 1. Backups of everything that will be replaced or removed. */
	for (i = 0; i < n; i++) {
		struct file_plan *p = &plans[i];
		p->backup[0] = '\0';
		if (!p->old_exists || !p->keep_backup ||
		    !(p->actions & (ACT_WRITES | ACT_REMOVE)))
			continue;
		if (backup_create(dir, p->name, now, p->backup,
		    sizeof(p->backup), err) == -1) {
			p->backup[0] = '\0';
			goto undo;
		}
	}
	/* 2. Every new file, complete and with its final owner and mode; a
	 * repair of owner or mode too: the same bytes in a new file, so that
	 * no live inode changes (a descriptor opened on the old one while it
	 * was someone else's stays on the old one). */
	for (i = 0; i < n; i++) {
		if (!(plans[i].actions & ACT_RENAMES))
			continue;
		if (perms_stage(dir, plans[i].name, plans[i].content,
		    plans[i].len, &plans[i].target, &staged[i], err) == -1)
			goto undo;
	}
	/* 3. The renames, back to back. */
	for (i = 0; i < n; i++) {
		if (!(plans[i].actions & ACT_RENAMES))
			continue;
		if (perms_commit(dir, &staged[i], err) == -1)
			goto partial;
		done[i] = 1;
	}
	if (sync_or_fail(dir, err) == -1)
		goto partial;
	/* 4. Removals last: one without a backup cannot be undone. */
	for (i = 0; i < n; i++) {
		if (!(plans[i].actions & ACT_REMOVE))
			continue;
		if (perms_unlink(dir, plans[i].name, err) == -1)
			goto partial;
		done[i] = 1;
	}
	if (sync_or_fail(dir, err) == -1)
		goto partial;
	return 0;
undo:
	for (i = 0; i < n; i++)
		perms_discard(dir, &staged[i]);
	undo_backups(dir, plans, n);
	return -1;
partial:
	for (i = 0; i < n; i++)
		perms_discard(dir, &staged[i]);
	undo_done(dir, plans, done, n, err);
	return -1;
}

const char *
plan_describe(const struct file_plan *p, char *buf, size_t size)
{
	static const struct {
		int		 flag;
		const char	*word;
	} words[] = {
		{ ACT_CREATE, "create" },
		{ ACT_REPLACE_SYMLINK, "replace symlink" },
		{ ACT_REPLACE_HARDLINK, "replace hard link" },
		{ ACT_REPLACE, "replace" },
		{ ACT_REWRITE, "rewrite layout" },
		{ ACT_REMOVE, "remove" },
		{ ACT_FIX_OWNER, "fix owner" },
		{ ACT_FIX_MODE, "fix mode" },
		{ ACT_FIX_ACL, "remove ACL" },
		{ ACT_NEW_KEY, "new key" },
		{ ACT_NEW_CERT, "new certificate" },
		{ ACT_IMPORT, "import" },
	};
	int all = p->actions | (p->actions ? p->info : 0);
	size_t i, used;

	buf[0] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!(all & words[i].flag))
			continue;
		used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
		    words[i].word);
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "unchanged");
	return buf;
}

/* What a plan's file is called in the reports. */
#define SHOWN(p)	((p)->shown[0] ? (p)->shown : (p)->name)

void
plan_show_in(struct file_plan *plans, size_t n, const char *sub)
{
	size_t i;

	for (i = 0; sub != NULL && i < n; i++)
		if (plans[i].name != NULL)
			snprintf(plans[i].shown, sizeof(plans[i].shown),
			    "%s/%s", sub, plans[i].name);
}

void
plan_print(const struct file_plan *plans, size_t n, int dry_run)
{
	char what[256], perm[128];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct file_plan *p = &plans[i];
		plan_describe(p, what, sizeof(what));
		if (p->actions & ACT_REMOVE) {
			msg_info("%s: %s%s", SHOWN(p), dry_run ? "would " : "",
			    what);
			continue;
		}
		perms_describe(p->target.uid, p->target.gid, p->target.mode,
		    perm, sizeof(perm));
		if (!p->actions)
			msg_info("%s: unchanged (%s)", SHOWN(p), perm);
		else if (p->old_exists && !S_ISLNK(p->old.st_mode)) {
			char was[128];
			perms_describe(p->old.st_uid, p->old.st_gid,
			    p->old.st_mode, was, sizeof(was));
			msg_info("%s: %s%s (was %s%s%s) -> %s%s%s", SHOWN(p),
			    dry_run ? "would " : "", what, was,
			    p->old_acl[0] ? " with ACL " : "", p->old_acl, perm,
			    p->note[0] ? "; " : "", p->note);
		} else
			msg_info("%s: %s%s -> %s%s%s", SHOWN(p),
			    dry_run ? "would " : "", what, perm,
			    p->note[0] ? "; " : "", p->note);
		if (p->backup[0])
			msg_info("%s: old file kept as %s", SHOWN(p), p->backup);
	}
	if (dry_run)
		msg_info("dry run: nothing was changed");
}

json_t *
plan_json(const char *command, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, int dry_run)
{
	json_t *root, *files, *f, *acts;
	char perm[128];
	size_t i;

	root = json_object();
	files = json_array();
	json_object_set_new(root, "command", json_string(command));
	json_object_set_new(root, "ok", json_true());
	json_object_set_new(root, "exit", json_integer(0));
	json_object_set_new(root, "dir", json_string(dir->path));
	json_object_set_new(root, "dry_run", json_boolean(dry_run));
	json_object_set_new(root, "changed",
	    json_boolean(plan_changes(plans, n)));
	for (i = 0; i < n; i++) {
		const struct file_plan *p = &plans[i];
		char what[256], *w, *save = NULL;
		f = json_object();
		acts = json_array();
		plan_describe(p, what, sizeof(what));
		for (w = strtok_r(what, ",", &save); w;
		    w = strtok_r(NULL, ",", &save))
			json_array_append_new(acts, json_string(w[0] == ' ' ?
			    w + 1 : w));
		json_object_set_new(f, "name", json_string(p->name));
		json_object_set_new(f, "changed",
		    json_boolean(p->actions != 0));
		json_object_set_new(f, "actions", acts);
		perms_describe(p->target.uid, p->target.gid, p->target.mode,
		    perm, sizeof(perm));
		json_object_set_new(f, "permissions", json_string(perm));
		plan_json_text(f, "note", p->note);
		plan_json_text(f, "backup", p->backup);
		plan_json_text(f, "removed_acl", p->old_acl);
		json_array_append_new(files, f);
	}
	json_object_set_new(root, "files", files);
	return root;
}

void
plan_json_text(json_t *obj, const char *key, const char *text)
{
	if (text[0] != '\0')
		json_object_set_new(obj, key, json_string(text));
}

void
plan_json_warnings(json_t *obj)
{
	const char *list[MSG_MAX_WARNINGS];
	json_t *a = json_array();
	size_t i, n = msg_warnings(list);

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]));
	json_object_set_new(obj, "warnings", a);
}

static int json_printed;

int
plan_json_printed(void)
{
	return json_printed;
}

int
plan_dump_json(json_t *root, struct err *err)
{
	char *text;
	int rc;

	json_printed = 1;
	plan_json_warnings(root);
	text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(root);
	if (text == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	rc = printf("%s\n", text) < 0 ? -1 : 0;
	free(text);
	return rc;
}

int
plan_print_json(const char *command, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, int dry_run, struct err *err)
{
	return plan_dump_json(plan_json(command, dir, plans, n, dry_run), err);
}

void
plan_free(struct file_plan *plans, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		secret_free(plans[i].content, plans[i].len);
		plans[i].content = NULL;
	}
}
