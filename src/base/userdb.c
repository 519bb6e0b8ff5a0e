/* userdb.c: user and group look-ups, the system's or a test's. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
sys_user_by_uid(uid_t uid, char *name, size_t size)
{
	struct passwd *pw;

	if ((pw = getpwuid(uid)) == NULL ||
	    (size_t)snprintf(name, size, "%s", pw->pw_name) >= size)
		return -1;
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

static int
sys_group_by_gid(gid_t gid, char *name, size_t size)
{
	struct group *gr;

	if ((gr = getgrgid(gid)) == NULL ||
	    (size_t)snprintf(name, size, "%s", gr->gr_name) >= size)
		return -1;
	return 0;
}

static int
sys_user_in_group(const char *user, gid_t primary, gid_t gid)
{
	gid_t *groups = NULL, *bigger;
	int n = 32, i, found = 0;

	/* getgrouplist() says how many it needs when the array is short. */
	for (;;) {
		int want = n;

		if ((bigger = reallocarray(groups, (size_t)n,
		    sizeof(*groups))) == NULL)
			break;
		groups = bigger;
		if (getgrouplist(user, primary, groups, &want) != -1) {
			n = want;
			for (i = 0; i < n; i++)
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

static const struct userdb system_db = {
	sys_user_by_name, sys_user_by_uid, sys_group_by_name,
	sys_group_by_gid, sys_user_in_group
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
userdb_user_in_group(const char *user, gid_t primary, gid_t gid)
{
	if (user == NULL || *user == '\0')
		return 0;
	return db->user_in_group(user, primary, gid) == 1;
}
