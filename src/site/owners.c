/* owners.c: the owner and the reading groups of the key files. */
#include <sysexits.h>

#include "base/userdb.h"
#include "site/owners.h"
#include "site/policy.h"

void
owners_defaults(struct owners *o)
{
	o->owner = DEFAULT_OWNER;
	o->server_group = NULL;		/* not given: the model decides */
	o->client_group = NULL;
}

int
owners_resolve(struct owners *o, struct err *err)
{
	uid_t uid;

	if (o->server_group == NULL)
		o->server_group = DEFAULT_SERVER_GROUP;
	if (o->client_group == NULL)
		o->client_group = DEFAULT_CLIENT_GROUP;
	if (userdb_find_user(o->owner, &uid, NULL, err) == -1)
		return err_set(err, EX_NOUSER, "owner %s does not exist on "
		    "this system: create it or pass an existing user with "
		    "--owner", o->owner);
	o->server.uid = o->client.uid = uid;
	o->server.mode = o->client.mode = KEY_FILE_MODE;
	if (userdb_find_group(o->server_group, &o->server.gid, err) == -1)
		return err_set(err, EX_NOUSER, "group %s (for %s) does not "
		    "exist on this system: create it (qmail's install makes "
		    "nofiles) or pass the group qmail-smtpd runs as with "
		    "--server-group", o->server_group, SERVERCERT);
	if (userdb_find_group(o->client_group, &o->client.gid, err) == -1)
		return err_set(err, EX_NOUSER, "group %s (for %s) does not "
		    "exist on this system: create it (qmail's install makes "
		    "qmail) or pass the group qmail-remote runs as with "
		    "--client-group", o->client_group, CLIENTCERT);
	return 0;
}
