/* common.c: the defaults of the options several commands share. */
#include <string.h>

#include "base/privs.h"
#include "ops/common.h"
#include "site/policy.h"

void
common_defaults(struct common_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->dir = DEFAULT_DIR;
	owners_defaults(&c->owners);
	c->newcert.key_type = DEFAULT_KEY_TYPE;
	c->newcert.days = DEFAULT_DAYS;
	c->wait = DEFAULT_WAIT;
}

int
common_prepare(struct common_opts *c, int refuse_readers, struct err *err)
{
	if (owners_resolve(&c->owners, err) == -1)
		return -1;
	/* a group the real reader is not in breaks STARTTLS: refuse now */
	if (refuse_readers && readercheck_refuse(&c->services,
	    &c->owners.server, &c->owners.client, err) == -1)
		return -1;
	if (!c->dry_run && privs_check_can_write(err) == -1)
		return -1;
	return privs_limit(c->dry_run ? PRIVS_READ : c->post_hook ?
	    PRIVS_WRITE_HOOK : PRIVS_WRITE, err);
}

int
common_open_dir(const struct common_opts *c, struct perms_dir *dir,
    struct err *err)
{
	if (perms_open_dir(c->dir, dir, err) == -1)
		return -1;
	return c->dry_run ? 0 : perms_lock_dir(dir, c->wait, err);
}
