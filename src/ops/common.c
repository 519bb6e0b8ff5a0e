/* common.c: the defaults of the options several commands share. */
#include <string.h>

#include "base/privs.h"
#include "ops/common.h"
#include "site/policy.h"

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

int
common_open_dir(struct common_opts *c, struct perms_dir *dir,
    struct err *err)
{
	if (perms_open_dir(c->dir, dir, err) == -1 ||
	    (!c->dry_run && perms_lock_dir(dir, c->wait, err) == -1))
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
	req.quiet = quiet;
	if (model_build(&req, dir, &c->model, err) == -1)
		return -1;
	f = model_file(&c->model, SERVERCERT);
	c->owners.server = f->want;
	c->owners.server_group = f->group;
	f = model_file(&c->model, CLIENTCERT);
	c->owners.client = f->want;
	c->owners.client_group = f->group;
	/* a group the real reader is not in breaks STARTTLS: refuse now */
	return c->refuse_readers ? model_refuse(&c->model, command, err) : 0;
}

void
common_free(struct common_opts *c)
{
	model_free(&c->model);
}
