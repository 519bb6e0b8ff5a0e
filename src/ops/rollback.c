/*
 * rollback.c: qmail-pem rollback, the way back from a rotation.
 *
 * Puts back the newest backups: the files whose newest backup carries the
 * newest stamp (the files the last replacement changed: both after a
 * rotation).  The restore is a plan like any other, so the files it
 * replaces are backed up first and a second rollback undoes the first;
 * the backups it restored are then removed, as they are live again.
 *
 * A rollback writes down what it restores (JOURNAL, root:root 0600, the
 * names only) before it replaces anything and removes that note last.  A
 * rollback killed in between leaves the note, and the next one finishes
 * that rollback instead of choosing anew: the backups the killed run made
 * of the files it replaced carry the newest stamp, and choosing anew would
 * put those back.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "base/secret.h"
#include "cmd/usage.h"
#include "fs/backup.h"
#include "ops/posthook.h"
#include "ops/rotate.h"

#define JOURNAL	".qmail-pem-rollback"

struct rollback_opts {
	const char	*dir;
	struct owners	 owners;
	const char	*post_hook;
	int		 dry_run;
	int		 json;
	int		 lock_timeout;
};

/* One live file and its newest backup. */
struct restore {
	const char		*name;
	const struct perms_target *target;
	int			 usage;
	int			 have;		/* it has a backup */
	struct backup_name	 newest;
	int			 chosen;	/* it is restored */
	char			*data;
	size_t			 len;
	struct pem_bundle	 b;
};

/*
 * 1 if restoring the backup would change nothing: the live file is in its
 * final state (one link, owner, group, mode) and holds the backup's bytes,
 * as a copy left by a run that failed and could not remove it does.
 * Rollback looks past such a backup.
 */
static int
same_as_live(const struct perms_dir *dir, const struct restore *r,
    const char *backup)
{
	const char *name = r->name;
	struct err ignored = { 0 };
	struct stat a, b;
	char *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;
	int same = 0;

	if (perms_stat(dir, name, &a, &ignored) != 1 ||
	    perms_stat(dir, backup, &b, &ignored) != 1 ||
	    !S_ISREG(a.st_mode) || !S_ISREG(b.st_mode) ||
	    a.st_size != b.st_size || !perms_matches(&a, r->target))
		return 0;
	if (perms_read_file(dir, name, &x, &xl, &a, &ignored) == 0 &&
	    perms_read_file(dir, backup, &y, &yl, &b, &ignored) == 0)
		same = xl == yl && memcmp(x, y, xl) == 0;
	secret_free(x, xl);
	secret_free(y, yl);
	return same;
}

static int
newest_backup(const struct perms_dir *dir, struct restore *r, struct err *err)
{
	struct backup_name *list = NULL;
	size_t count = 0;

	if (backup_list(dir, r->name, &list, &count, err) == -1)
		return -1;
	while (count > 0 && same_as_live(dir, r, list[count - 1].name))
		count--;
	if (count > 0) {
		r->newest = list[count - 1];
		r->have = 1;
	}
	free(list);
	return 0;
}

/* Read the backup to restore; a recorded symlink is not restored. */
static int
read_backup(const struct perms_dir *dir, struct restore *r, struct err *err)
{
	char shown[300];
	struct stat st;
	int rc;

	if ((rc = perms_stat(dir, r->newest.name, &st, err)) == -1)
		return -1;
	if (rc == 1 && S_ISLNK(st.st_mode))
		return err_set(err, EX_DATAERR, "%s/%s records a symlink (the "
		    "layout qmail-pem install replaced, in which the key is "
		    "readable by both qmail users); rollback does not bring it "
		    "back: nothing was changed", dir->path, r->newest.name);
	if ((rc = replace_read_pem(dir, r->newest.name, &r->data, &r->len,
	    &r->b, err)) == -1)
		return -1;
	if (rc == 0)
		return err_set(err, EX_NOINPUT, "%s/%s vanished while "
		    "qmail-pem ran; run again", dir->path, r->newest.name);
	/* It was in place before: warn about what verify would, but put it
	 * back as it was. */
	snprintf(shown, sizeof(shown), "backup %s", r->newest.name);
	return replace_verify(shown, r->data, r->len, r->target, r->usage,
	    NULL, REPLACE_WARN_ONLY, err);
}

static int
choose(const struct perms_dir *dir, struct restore *r, struct err *err)
{
	const struct backup_name *max = NULL;
	int i;

	for (i = 0; i < 2; i++) {
		if (newest_backup(dir, &r[i], err) == -1)
			return -1;
		if (r[i].have && (max == NULL ||
		    backup_compare(&r[i].newest, max) > 0))
			max = &r[i].newest;
	}
	if (max == NULL)
		return err_set(err, EX_NOINPUT, "%s holds no backup of %s or "
		    "%s (NAME.YYYYMMDDTHHMMSSZ.bak): there is nothing to roll "
		    "back to", dir->path, SERVERCERT, CLIENTCERT);
	for (i = 0; i < 2; i++)
		r[i].chosen = r[i].have &&
		    backup_compare(&r[i].newest, max) == 0;
	return 0;
}

static int
print_rollback(const struct rollback_opts *o, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, const struct restore *r,
    struct err *err)
{
	json_t *root, *restored;
	int i;

	if (o->json) {
		if ((root = plan_json("rollback", dir, plans, n, o->dry_run))
		    == NULL)
			return err_set(err, EX_OSERR, "out of memory");
		restored = json_array();
		for (i = 0; i < 2; i++)
			if (r[i].chosen)
				json_array_append_new(restored,
				    json_string(r[i].newest.name));
		json_object_set_new(root, "restored_from", restored);
		return plan_dump_json(root, err);
	}
	plan_print(plans, n, o->dry_run);
	for (i = 0; i < 2; i++)
		if (r[i].chosen && !o->dry_run)
			msg_info("%s: restored from %s (that backup is removed)",
			    r[i].name, r[i].newest.name);
	return 0;
}

/*
 * The note of an unfinished rollback: "qmail-pem-rollback" and one
 * "FILE BACKUP" line per file.  Returns 1 and fills r (chosen, newest),
 * 0 when there is no note, -1 on error.  A backup named in the note
 * that is gone was restored and removed already.
 */
static int
journal_read(const struct perms_dir *dir, struct restore *r, struct err *err)
{
	char *data = NULL, *line, *save = NULL, file[64], bak[256];
	struct backup_name b;
	struct stat st;
	size_t len = 0;
	int rc, i, first = 1;

	if ((rc = perms_stat(dir, JOURNAL, &st, err)) != 1)
		return rc;
	if (perms_read_file(dir, JOURNAL, &data, &len, &st, err) == -1)
		return -1;
	rc = -1;
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (first) {
			if (strcmp(line, "qmail-pem-rollback") != 0)
				goto bad;
			first = 0;
			continue;
		}
		if (sscanf(line, "%63s %255s", file, bak) != 2)
			goto bad;
		for (i = 0; i < 2; i++)
			if (strcmp(file, r[i].name) == 0)
				break;
		if (i == 2 || backup_parse(bak, file, &b) == -1)
			goto bad;
		if (perms_stat(dir, bak, &st, err) == 1) {
			r[i].newest = b;
			r[i].have = r[i].chosen = 1;
		}
	}
	if (first)
		goto bad;
	rc = 1;
	goto out;
bad:
	err_set(err, EX_DATAERR, "%s/%s is not a note qmail-pem rollback "
	    "wrote: look at it, remove it and run rollback again", dir->path,
	    JOURNAL);
out:
	free(data);
	return rc;
}

/* Remove the note after a failure (whose message stays in the caller's
 * struct err). */
static void
journal_drop(const struct perms_dir *dir)
{
	struct err ignored = { 0 };

	(void)perms_unlink(dir, JOURNAL, &ignored);
	(void)perms_sync_dir(dir, &ignored);
}

int
rollback_note_refuse(const struct perms_dir *dir, struct err *err)
{
	struct stat st;
	int rc;

	if ((rc = perms_stat(dir, JOURNAL, &st, err)) != 1)
		return rc;
	return err_set(err, EX_CONFIG, "%s/%s: a rollback was interrupted and "
	    "is not finished: run qmail-pem rollback -d %s to finish it (or "
	    "remove the note if you know better), then run this again",
	    dir->path, JOURNAL, dir->path);
}

static int
journal_write(const struct perms_dir *dir, const struct restore *r,
    struct err *err)
{
	const struct perms_target root_only = { 0, 0, 0600 };
	char text[1024];
	size_t used;
	int i;

	used = (size_t)snprintf(text, sizeof(text), "qmail-pem-rollback\n");
	for (i = 0; i < 2; i++)
		if (r[i].chosen)
			used += (size_t)snprintf(text + used,
			    sizeof(text) - used,
			    "%s %s\n", r[i].name, r[i].newest.name);
	if (perms_write_atomic(dir, JOURNAL, text, used, &root_only,
	    err) == -1 ||
	    perms_sync_dir(dir, err) == -1) {
		journal_drop(dir);
		return -1;
	}
	return 0;
}

/*
 * A rollback that failed and put everything back leaves no note: the
 * directory is as it was.  When a file was restored, the note stays so
 * that the next rollback finishes the job.
 */
static void
journal_drop_if_unchanged(const struct perms_dir *dir,
    const struct file_plan *plans, size_t n)
{
	struct err ignored = { 0 };
	char *data = NULL;
	size_t len = 0, i;
	struct stat st;
	int restored = 0;

	for (i = 0; i < n && !restored; i++) {
		if (!(plans[i].actions & ACT_WRITES))
			continue;
		if (perms_read_file(dir, plans[i].name, &data, &len, &st,
		    &ignored) == 0)
			restored = len == plans[i].len &&
			    memcmp(data, plans[i].content, len) == 0;
		else
			restored = 1;	/* cannot tell: keep the note */
		secret_free(data, len);
		data = NULL;
	}
	if (!restored)
		journal_drop(dir);
}

static int
restore_files(const struct rollback_opts *o, const struct perms_dir *dir,
    struct restore *r, char *changed, size_t size, struct err *err)
{
	struct file_plan plans[2];
	struct err left = { 0 };
	time_t when = time(NULL);
	size_t n = 0, i;
	int rc = -1, resume;

	memset(plans, 0, sizeof(plans));
	if ((resume = journal_read(dir, r, err)) == -1)
		goto out;
	if (resume)
		msg_info("%s/%s: finishing the rollback that was interrupted",
		    dir->path, JOURNAL);
	else if (choose(dir, r, err) == -1)
		goto out;
	for (i = 0; i < 2; i++) {
		if (!r[i].chosen)
			continue;
		if (read_backup(dir, &r[i], err) == -1)
			goto out;
		plans[n].name = r[i].name;
		plans[n].target = *r[i].target;
		plans[n].keep_backup = 1;
		snprintf(plans[n].note, sizeof(plans[n].note), "from %s",
		    r[i].newest.name);
		if ((plans[n].content = secret_copy(r[i].data,
		    r[i].len, err)) == NULL)
			goto out;
		plans[n].len = r[i].len;
		if (plan_decide(dir, &plans[n++], err) == -1)
			goto out;
	}
	if (!o->dry_run) {
		if (!resume && journal_write(dir, r, err) == -1)
			goto out;
		if (plan_apply(dir, plans, n, when, err) == -1) {
			journal_drop_if_unchanged(dir, plans, n);
			goto out;
		}
		if (replace_check_result(dir, plans, n, err) == -1)
			goto out;
		/* The files are back: a backup that cannot be removed now
		 * is a copy of a live file, which the next rollback passes
		 * over.  Say so, but the rollback is done. */
		for (i = 0; i < 2; i++)
			if (r[i].chosen &&
			    perms_unlink(dir, r[i].newest.name, &left) == -1)
				msg_warn("%s; it is a copy of the restored %s: "
				    "remove it by hand", left.text, r[i].name);
		/* A note left behind would make the next rollback finish
		 * this one (a no-op) instead of undoing it: an error. */
		if (perms_unlink(dir, JOURNAL, err) == -1) {
			err_suffix(err, "; the files are restored, but remove "
			    "%s/%s by hand before the next rollback",
			    dir->path, JOURNAL);
			goto out;
		}
		if (perms_sync_dir(dir, &left) == -1)
			msg_warn("%s", left.text);
		replace_changed(plans, n, changed, size);
		/* Finishing a killed rollback: the files it had already
		 * restored changed too, and the hook has not seen them. */
		if (resume) {
			changed[0] = '\0';
			for (i = 0; i < 2; i++)
				if (r[i].chosen)
					snprintf(changed + strlen(changed),
					    size - strlen(changed), "%s%s",
					    changed[0] ? " " : "", r[i].name);
		}
	}
	rc = print_rollback(o, dir, plans, n, r, err);
out:
	plan_free(plans, n);
	return rc;
}

static int
run_rollback(struct rollback_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct restore r[2];
	char changed[128];
	int rc = -1, i;

	memset(r, 0, sizeof(r));
	changed[0] = '\0';
	r[0].name = SERVERCERT;
	r[0].target = &o->owners.server;
	r[0].usage = USAGE_SERVER;
	r[1].name = CLIENTCERT;
	r[1].target = &o->owners.client;
	r[1].usage = USAGE_CLIENT;
	if (owners_resolve(&o->owners, err) == -1)
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
	if (restore_files(o, &dir, r, changed, sizeof(changed), err) == -1)
		goto out;
	perms_close_dir(&dir);
	rc = 0;
	if (changed[0] && o->post_hook) {
		fflush(stdout);
		rc = posthook_run(o->post_hook, o->dir, changed, err);
	}
out:
	for (i = 0; i < 2; i++) {
		secret_free(r[i].data, r[i].len);
		pemfile_free(&r[i].b);
	}
	perms_close_dir(&dir);
	return rc;
}

static const char rollback_usage[] =
"usage: qmail-pem rollback [-d DIR] [--post-hook CMD] [--server-group G]\n"
"                          [--client-group G] [--owner U]\n"
"                          [--format text|json] [--wait SEC] [--dry-run]\n"
"                          [-q | -v]\n"
"\n"
"Put back the newest backups of servercert.pem and clientcert.pem (those of\n"
"the last rotation), both at once, with their owners and modes. The files\n"
"replaced are kept as backups, so running rollback again undoes it.\n"
"\n"
"  -d DIR               qmail control directory\n"
"  --post-hook CMD      run CMD (sh -c) after files were replaced\n"
"  --server-group G     group that reads servercert.pem (default nofiles)\n"
"  --client-group G     group that reads clientcert.pem (default qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --format json        print the result as JSON (per-file \"changed\")\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  --dry-run            print the plan and change nothing\n"
"  -q, -v               quieter, more detail\n";

int
cmd_rollback(int argc, char *argv[])
{
	enum { OPT_POST_HOOK = 256, OPT_SERVER_GROUP, OPT_CLIENT_GROUP,
	    OPT_OWNER, OPT_FORMAT, OPT_WAIT, OPT_DRY_RUN };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "post-hook", required_argument, NULL, OPT_POST_HOOK },
		{ "server-group", required_argument, NULL, OPT_SERVER_GROUP },
		{ "client-group", required_argument, NULL, OPT_CLIENT_GROUP },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rollback_opts o;
	int ch;
	struct err err = { 0 };

	memset(&o, 0, sizeof(o));
	o.dir = DEFAULT_DIR;
	o.owners.owner = "root";
	o.owners.server_group = "nofiles";
	o.owners.client_group = "qmail";
	o.lock_timeout = 30;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			break;
		case OPT_POST_HOOK:
			o.post_hook = optarg;
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
				return usage_error(rollback_usage, &err);
			break;
		case OPT_WAIT:
			if (usage_number(optarg, 0, 3600, &o.lock_timeout,
			    "--wait", &err) == -1)
				return usage_error(rollback_usage, &err);
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case 'q':
			msg_set_verbosity(MSG_QUIET);
			break;
		case 'v':
			msg_set_verbosity(MSG_VERBOSE);
			break;
		case 'h':
			fputs(rollback_usage, stdout);
			return EX_OK;
		default:
			return usage_error(rollback_usage, &err);
		}
	}
	if (optind != argc) {
		err_set(&err, EX_USAGE, "unexpected argument '%s'",
		    argv[optind]);
		return usage_error(rollback_usage, &err);
	}
	if (o.post_hook != NULL && o.post_hook[0] == '\0') {
		err_set(&err, EX_USAGE, "--post-hook needs a command");
		return usage_error(rollback_usage, &err);
	}
	if (run_rollback(&o, &err) == -1) {
		return err_print(&err);
	}
	return EX_OK;
}
