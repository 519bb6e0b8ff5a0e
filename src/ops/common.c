/* common.c: the defaults of the options several commands share. */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/privs.h"
#include "fs/subdir.h"
#include "ops/common.h"
#include "site/policy.h"
#include "site/sni.h"

void
common_defaults(struct common_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->command = "install";
	c->dir = DEFAULT_DIR;
	owners_defaults(&c->owners);
	c->newcert.key_type = DEFAULT_KEY_TYPE;
	c->newcert.days = DEFAULT_DAYS;
	c->wait = DEFAULT_WAIT;
}

int
common_prepare(struct common_opts *c, int refuse_readers, struct err *err)
{
	c->refuse_readers = refuse_readers;
	if (!c->dry_run && privs_check_can_write(err) == -1)
		return -1;
	return privs_limit(c->dry_run ? PRIVS_READ : c->post_hook ?
	    PRIVS_WRITE_HOOK : PRIVS_WRITE, err);
}

const char *
common_sni_sub(const struct common_opts *c, char *buf, size_t size)
{
	if (c->sni == NULL)
		return NULL;
	snprintf(buf, size, "%s/%s", SNI_DIR, c->sni);
	return buf;
}

int
common_open_sni(const struct common_opts *c, int create, struct perms_dir *dir,
    struct err *err)
{
	if (perms_open_dir(c->dir, dir, err) == -1)
		return -1;
	return common_enter_sni(c, create, dir, err);
}

const char *
common_command(const struct common_opts *c, const char *command, char *buf,
    size_t size)
{
	struct site_model told;

	/* c->sni, not the model's: rotate's sweep of the SNI files runs
	 * each under the model of DIR */
	if (c->model.dir[0])
		return model_command_sni(&c->model, command, c->sni ? c->sni :
		    "", NULL, buf, size);
	model_init(&told, c->dir, c->sni, &c->services);
	return model_command(&told, command, MODEL_SERVER, NULL, buf, size);
}

int
common_enter_sni(const struct common_opts *c, int create,
    struct perms_dir *dir, struct err *err)
{
	struct perms_dir top = *dir;
	char cmd[2400];
	int rc;

	if (c->sni == NULL)
		return 0;
	rc = sni_open(&top, c->sni, create, dir, err);
	perms_close_dir(&top);
	if (rc == 0)
		return err_set(err, EX_NOINPUT, "%s/%s/%s does not exist: there "
		    "is no SNI certificate for %s; %s makes one", c->dir,
		    SNI_DIR, c->sni, c->sni, common_command(c, "install", cmd,
		    sizeof(cmd)));
	return rc == 1 ? 0 : -1;
}

/*
 * DIR/servercerts/NAME for common_open_dir(): made unless --dry-run; a
 * dry run of install (c->plan_new_sni) plans in an empty stand-in when it
 * does not exist yet, and c->sni_new says which folders it would make.
 */
static int
open_sni_planned(struct common_opts *c, struct perms_dir *dir,
    struct err *err)
{
	struct perms_dir top = { .fd = -1 };
	char shown[sizeof(dir->path)];
	struct stat st;
	int rc, top_exists = 0;

	if (!c->dry_run || !c->plan_new_sni)
		return common_open_sni(c, !c->dry_run, dir, err);
	if (perms_open_dir(c->dir, &top, err) == -1 ||
	    (rc = sni_open(&top, c->sni, 0, dir, err)) == -1 ||
	    (rc == 0 && (top_exists = perms_stat(&top, SNI_DIR, &st,
	    err)) == -1)) {
		perms_close_dir(&top);
		return -1;
	}
	perms_close_dir(&top);
	if (rc == 1)
		return 0;
	c->sni_new = top_exists ? SNI_NEW_NAME : SNI_NEW_BOTH;
	snprintf(shown, sizeof(shown), "%s/%s/%s", c->dir, SNI_DIR, c->sni);
	return perms_absent_subdir(shown, dir, err);
}

int
common_open_dir(struct common_opts *c, struct perms_dir *dir,
    struct err *err)
{
	if (c->sni != NULL) {
		if (open_sni_planned(c, dir, err) == -1)
			return -1;
	} else if (perms_open_dir(c->dir, dir, err) == -1)
		return -1;
	if (!c->dry_run && perms_lock_dir(dir, c->wait, err) == -1)
		return -1;
	return common_model(c, dir, c->command, 0, err);
}

int
common_model(struct common_opts *c, const struct perms_dir *dir,
    const char *command, int quiet, struct err *err)
{
	struct model_request req;
	const struct model_file *f;

	memset(&req, 0, sizeof(req));
	req.owner = c->owners.owner;
	req.group[MODEL_SERVER] = c->owners.server_group;
	req.group[MODEL_CLIENT] = c->owners.client_group;
	req.services = &c->services;
	req.dir = c->dir;
	req.sni = c->sni;
	req.quiet = quiet;
	req.lenient = c->lenient;
	if (model_build(&req, dir, &c->model, err) == -1)
		return -1;
	f = model_file(&c->model, SERVERCERT);
	c->owners.server = f->want;
	c->owners.server_group = f->group;
	/* none with --sni: an SNI folder holds servercert.pem alone */
	if ((f = model_file(&c->model, CLIENTCERT)) != NULL) {
		c->owners.client = f->want;
		c->owners.client_group = f->group;
	}
	/* a group the real reader is not in breaks STARTTLS: refuse now */
	return c->refuse_readers ? model_refuse(&c->model, command, err) : 0;
}

void
common_free(struct common_opts *c)
{
	model_free(&c->model);
}
