/* userdb.c: the one user and group database, the system's or a test's. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/userdb.h"

static int
sys_user_by_name(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if ((pw = getpwnam(name)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
sys_group_by_name(const char *name, gid_t *gid)
{
	struct group *gr;

	if ((gr = getgrnam(name)) == NULL)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

/* A name found (NULL: not found) into name[size]. */
static int
copy_name(const char *found, char *name, size_t size)
{
	if (found == NULL || (size_t)snprintf(name, size, "%s", found) >= size)
		return -1;
	return 0;
}

static int
sys_user_by_uid(uid_t uid, char *name, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	return copy_name(pw != NULL ? pw->pw_name : NULL, name, size);
}

static int
sys_group_by_gid(gid_t gid, char *name, size_t size)
{
	struct group *gr = getgrgid(gid);

	return copy_name(gr != NULL ? gr->gr_name : NULL, name, size);
}

static int
sys_user_groups(const char *user, gid_t primary, gid_t *groups, int *n)
{
	return getgrouplist(user, primary, groups, n) == -1 ? -1 : 0;
}

static const struct userdb system_db = {
	sys_user_by_name, sys_user_by_uid, sys_group_by_name,
	sys_group_by_gid, sys_user_groups
};

static const struct userdb *db = &system_db;

void
userdb_set(const struct userdb *newdb)
{
	db = newdb != NULL ? newdb : &system_db;
}

int
userdb_user_by_name(const char *name, uid_t *uid, gid_t *gid)
{
	uid_t u;
	gid_t g;

	if (name == NULL || *name == '\0' || db->user_by_name(name, &u, &g)
	    == -1)
		return -1;
	if (uid != NULL)
		*uid = u;
	if (gid != NULL)
		*gid = g;
	return 0;
}

int
userdb_user_by_uid(uid_t uid, char *name, size_t size)
{
	return db->user_by_uid(uid, name, size);
}

int
userdb_group_by_name(const char *name, gid_t *gid)
{
	if (name == NULL || *name == '\0')
		return -1;
	return db->group_by_name(name, gid);
}

int
userdb_group_by_gid(gid_t gid, char *name, size_t size)
{
	return db->group_by_gid(gid, name, size);
}

int
userdb_user_groups(const char *user, gid_t primary, gid_t *groups, int *n)
{
	return db->user_groups(user, primary, groups, n);
}

int
userdb_user_in_group(const char *user, gid_t primary, gid_t gid)
{
	gid_t *groups = NULL, *bigger;
	int n = 32, i, found = 0;

	if (user == NULL || *user == '\0')
		return 0;
	/* As getgrouplist(), it says how many it needs when n is short. */
	for (;;) {
		int want = n;

		if ((bigger = reallocarray(groups, (size_t)n,
		    sizeof(*groups))) == NULL)
			break;
		groups = bigger;
		if (db->user_groups(user, primary, groups, &want) != -1) {
			for (i = 0; i < want; i++)
				if (groups[i] == gid)
					found = 1;
			break;
		}
		if (want <= n || want > 65536)
			break;
		n = want;
	}
	free(groups);
	return found;
}

/* A decimal id, as chown(1) takes one for a name that does not exist. */
static int
parse_id(const char *s, unsigned long *id)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return (errno || *end || *id >= (unsigned long)INT_MAX) ? -1 : 0;
}

int
userdb_find_user(const char *name, uid_t *uid, gid_t *gid, struct err *err)
{
	char byid[USERDB_NAME_MAX];
	unsigned long id;

	if (userdb_user_by_name(name, uid, gid) == 0 ||
	    (parse_id(name, &id) == 0 &&
	    userdb_user_by_uid((uid_t)id, byid, sizeof(byid)) == 0 &&
	    userdb_user_by_name(byid, uid, gid) == 0))
		return 0;
	return err_set(err, EX_NOUSER, "user %s does not exist on this "
	    "system", name);
}

int
userdb_find_group(const char *name, gid_t *gid, struct err *err)
{
	char byid[USERDB_NAME_MAX];
	unsigned long id;

	if (userdb_group_by_name(name, gid) == 0)
		return 0;
	if (parse_id(name, &id) == 0 &&
	    userdb_group_by_gid((gid_t)id, byid, sizeof(byid)) == 0) {
		*gid = (gid_t)id;
		return 0;
	}
	return err_set(err, EX_NOUSER, "group %s does not exist on this "
	    "system", name);
}
