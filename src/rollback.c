/*
 * rollback.c: qmail-pem rollback, the way back from a rotation.
 *
 * Puts back the newest backups: the files whose newest backup carries the
 * newest stamp (the files the last replacement changed: both after a
 * rotation).  The restore is a plan like any other, so the files it
 * replaces are backed up first and a second rollback undoes the first;
 * the backups it restored are then removed, as they are live again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "backup.h"
#include "msg.h"
#include "posthook.h"
#include "privs.h"
#include "rotate.h"
#include "usage.h"

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

static int
newest_backup(const struct perms_dir *dir, struct restore *r)
{
	struct backup_name *list = NULL;
	size_t count = 0;

	if (backup_list(dir, r->name, &list, &count) == -1)
		return -1;
	if (count > 0) {
		r->newest = list[count - 1];
		r->have = 1;
	}
	free(list);
	return 0;
}

/* Read the backup to restore; a recorded symlink is not restored. */
static int
read_backup(const struct perms_dir *dir, struct restore *r)
{
	char shown[300];
	struct stat st;
	int rc;

	if ((rc = perms_stat(dir, r->newest.name, &st)) == -1)
		return -1;
	if (rc == 1 && S_ISLNK(st.st_mode))
		return msg_fail(EX_DATAERR, "%s/%s records a symlink (the "
		    "layout qmail-pem install replaced, in which the key is "
		    "readable by both qmail users); rollback does not bring it "
		    "back: nothing was changed", dir->path, r->newest.name);
	if ((rc = replace_read_pem(dir, r->newest.name, &r->data, &r->len,
	    &r->b)) == -1)
		return -1;
	if (rc == 0)
		return msg_fail(EX_NOINPUT, "%s/%s vanished while qmail-pem "
		    "ran; run again", dir->path, r->newest.name);
	/* It was in place before: warn about what verify would, but put it
	 * back as it was. */
	snprintf(shown, sizeof(shown), "backup %s", r->newest.name);
	return replace_verify(shown, r->data, r->len, r->target, r->usage,
	    NULL, REPLACE_WARN_ONLY);
}

static int
choose(const struct perms_dir *dir, struct restore *r)
{
	const struct backup_name *max = NULL;
	int i;

	for (i = 0; i < 2; i++) {
		if (newest_backup(dir, &r[i]) == -1)
			return -1;
		if (r[i].have && (max == NULL ||
		    backup_compare(&r[i].newest, max) > 0))
			max = &r[i].newest;
	}
	if (max == NULL)
		return msg_fail(EX_NOINPUT, "%s holds no backup of %s or %s "
		    "(NAME.YYYYMMDDTHHMMSSZ.bak): there is nothing to roll "
		    "back to", dir->path, SERVERCERT, CLIENTCERT);
	for (i = 0; i < 2; i++)
		r[i].chosen = r[i].have &&
		    backup_compare(&r[i].newest, max) == 0;
	return 0;
}

static int
print_rollback(const struct rollback_opts *o, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, const struct restore *r)
{
	json_t *root, *restored;
	int i;

	if (o->json) {
		if ((root = plan_json("rollback", dir, plans, n, o->dry_run))
		    == NULL)
			return msg_fail(EX_OSERR, "out of memory");
		restored = json_array();
		for (i = 0; i < 2; i++)
			if (r[i].chosen)
				json_array_append_new(restored,
				    json_string(r[i].newest.name));
		json_object_set_new(root, "restored_from", restored);
		return plan_dump_json(root);
	}
	plan_print(plans, n, o->dry_run);
	for (i = 0; i < 2; i++)
		if (r[i].chosen && !o->dry_run)
			msg_info("%s: restored from %s (that backup is removed)",
			    r[i].name, r[i].newest.name);
	return 0;
}

static int
restore_files(const struct rollback_opts *o, const struct perms_dir *dir,
    struct restore *r, char *changed, size_t size)
{
	struct file_plan plans[2];
	size_t n = 0, i;
	int rc = -1;

	memset(plans, 0, sizeof(plans));
	if (choose(dir, r) == -1)
		goto out;
	for (i = 0; i < 2; i++) {
		if (!r[i].chosen)
			continue;
		if (read_backup(dir, &r[i]) == -1)
			goto out;
		plans[n].name = r[i].name;
		plans[n].target = *r[i].target;
		plans[n].keep_backup = 1;
		snprintf(plans[n].note, sizeof(plans[n].note), "from %s",
		    r[i].newest.name);
		if ((plans[n].content = pemfile_copy_bytes(r[i].data,
		    r[i].len)) == NULL)
			goto out;
		plans[n].len = r[i].len;
		if (plan_decide(dir, &plans[n++]) == -1)
			goto out;
	}
	if (!o->dry_run) {
		if (plan_apply(dir, plans, n, time(NULL)) == -1 ||
		    replace_check_result(dir, plans, n) == -1)
			goto out;
		for (i = 0; i < 2; i++)
			if (r[i].chosen &&
			    perms_unlink(dir, r[i].newest.name) == -1)
				goto out;
		if (perms_sync_dir(dir) == -1)
			goto out;
		replace_changed(plans, n, changed, size);
	}
	rc = print_rollback(o, dir, plans, n, r);
out:
	plan_free(plans, n);
	return rc;
}

static int
run_rollback(struct rollback_opts *o)
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
	if (owners_resolve(&o->owners) == -1)
		goto out;
	if (!o->dry_run && privs_check_can_write() == -1)
		goto out;
	if (perms_open_dir(o->dir, &dir) == -1)
		goto out;
	if (!o->dry_run && perms_lock_dir(&dir, o->lock_timeout) == -1)
		goto out;
	if (restore_files(o, &dir, r, changed, sizeof(changed)) == -1)
		goto out;
	perms_close_dir(&dir);
	rc = 0;
	if (changed[0] && o->post_hook) {
		fflush(stdout);
		rc = posthook_run(o->post_hook, o->dir, changed);
	}
out:
	for (i = 0; i < 2; i++) {
		perms_free_secret(r[i].data, r[i].len);
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
			if (usage_format(optarg, &o.json) == -1)
				return usage_error(rollback_usage);
			break;
		case OPT_WAIT:
			if (usage_number(optarg, 0, 3600, &o.lock_timeout,
			    "--wait") == -1)
				return usage_error(rollback_usage);
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
			return usage_error(rollback_usage);
		}
	}
	if (optind != argc) {
		msg_fail(EX_USAGE, "unexpected argument '%s'", argv[optind]);
		return usage_error(rollback_usage);
	}
	if (o.post_hook != NULL && o.post_hook[0] == '\0') {
		msg_fail(EX_USAGE, "--post-hook needs a command");
		return usage_error(rollback_usage);
	}
	if (run_rollback(&o) == -1) {
		msg_print_error();
		return msg_status();
	}
	return EX_OK;
}
