/*
 * common.c: set-up shared by the fuzz targets (see fuzz.h).
 *
 * The user database is a table: the accounts of tests/lib.sh, so that run
 * scripts naming them resolve the same way on every machine and no input
 * reaches NSS.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "base/msg.h"
#include "base/userdb.h"
#include "fuzz.h"

static const struct account {
	const char	*name;
	unsigned	 id;	/* the uid, and the gid of its group */
	const char	*group;
} accounts[] = {
	{ "root", 0, "root" },
	{ "qmaild", 20001, "nofiles" },
	{ "qmailr", 20002, "qmail" },
	{ "vpopmail", 20010, "vchkpw" },
	{ "other", 20020, "other" },
};
#define NACCOUNTS	(sizeof(accounts) / sizeof(accounts[0]))

static int
user_by_name(const char *name, uid_t *uid, gid_t *gid)
{
	size_t i;

	for (i = 0; i < NACCOUNTS; i++)
		if (strcmp(accounts[i].name, name) == 0) {
			*uid = accounts[i].id;
			*gid = accounts[i].id;
			return 0;
		}
	return -1;
}

static int
user_by_uid(uid_t uid, char *name, size_t size)
{
	size_t i;

	for (i = 0; i < NACCOUNTS; i++)
		if (accounts[i].id == uid) {
			snprintf(name, size, "%s", accounts[i].name);
			return 0;
		}
	return -1;
}

static int
group_by_name(const char *name, gid_t *gid)
{
	size_t i;

	for (i = 0; i < NACCOUNTS; i++)
		if (strcmp(accounts[i].group, name) == 0) {
			*gid = accounts[i].id;
			return 0;
		}
	return -1;
}

static int
group_by_gid(gid_t gid, char *name, size_t size)
{
	size_t i;

	for (i = 0; i < NACCOUNTS; i++)
		if (accounts[i].id == gid) {
			snprintf(name, size, "%s", accounts[i].group);
			return 0;
		}
	return -1;
}

/* Every account is in its own group only. */
static int
user_groups(const char *user, gid_t primary, gid_t *groups, int *n)
{
	(void)user;
	if (*n < 1) {
		*n = 1;
		return -1;
	}
	groups[0] = primary;
	*n = 1;
	return 0;
}

static const struct userdb table = {
	user_by_name, user_by_uid, group_by_name, group_by_gid, user_groups
};

void
fuzz_begin(void)
{
	static int done;

	if (!done) {
		msg_set_verbosity(MSG_QUIET);
		userdb_set(&table);
		done = 1;
	}
}

void
fuzz_end(void)
{
	ERR_clear_error();
}
