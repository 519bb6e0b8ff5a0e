/*
 * owners.h: who owns the key files and which groups read them, as the
 * command was told (--owner, --server-group, --client-group) or by
 * policy.h, and resolved to ids through the user database.
 */
#ifndef QP_OWNERS_H
#define QP_OWNERS_H

#include "base/err.h"
#include "perms.h"

struct owners {
	const char		*owner;		/* DEFAULT_OWNER */
	const char		*server_group;	/* DEFAULT_SERVER_GROUP */
	const char		*client_group;	/* DEFAULT_CLIENT_GROUP */
	struct perms_target	 server;	/* resolved, KEY_FILE_MODE */
	struct perms_target	 client;
};

/* The names of policy.h. */
void owners_defaults(struct owners *o);

/* Resolve the names to ids; an unknown user or group is an error
 * (EX_NOUSER) that says which option names another. */
int owners_resolve(struct owners *o, struct err *err);

#endif
