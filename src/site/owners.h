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
	const char		*server_group;	/* NULL: not given (the
						 * model, model.h, decides) */
	const char		*client_group;
	struct perms_target	 server;	/* resolved, KEY_FILE_MODE */
	struct perms_target	 client;
};

/* The owner of policy.h; the groups not given. */
void owners_defaults(struct owners *o);

/* Resolve the names to ids (a group not given: policy.h's); an unknown user or group is an error
 * (EX_NOUSER) that says which option names another. */
int owners_resolve(struct owners *o, struct err *err);

#endif
