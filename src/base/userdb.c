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

/*
 * The answers found so far in this command, kept for its rest: one
 * command asks for the same accounts many times (the model, the readers,
 * the read test, messages), and with NSS modules such as systemd's each
 * question costs opens, stats and socket connects (issue 26).  Only
 * accounts found are kept: a question that found nothing, perhaps for a
 * passing error, is asked again.  Each kind of question is kept apart,
 * so that an answer is always the one its own call gave (two users may
 * share a uid).
 */
enum question { BY_USER_NAME, BY_UID, BY_GROUP_NAME, BY_GID, GROUPS_OF };

#define KEPT_GROUPS	64

static struct answer {
	enum question	q;
	char		name[USERDB_NAME_MAX];	/* asked (a name) */
	unsigned long	id;			/* asked (uid, gid, primary) */
	char		found[USERDB_NAME_MAX];	/* found (a name) */
	uid_t		uid;			/* found (ids) */
	gid_t		gid;
	gid_t		groups[KEPT_GROUPS];
	int		ngroups;
} kept[32];
static size_t nkept;

static struct answer *
find_kept(enum question q, const char *name, unsigned long id)
{
	size_t i;

	for (i = 0; i < nkept; i++)
		if (kept[i].q == q && kept[i].id == id &&
		    strcmp(kept[i].name, name ? name : "") == 0)
			return &kept[i];
	return NULL;
}

/* A new answer to keep, or NULL when the table is full or name too long
 * (then the answer is simply not kept). */
static struct answer *
keep(enum question q, const char *name, unsigned long id)
{
	struct answer *a;

	if (nkept == sizeof(kept) / sizeof(kept[0]) ||
	    (name != NULL && strlen(name) >= sizeof(a->name)))
		return NULL;
	a = &kept[nkept++];
	memset(a, 0, sizeof(*a));
	a->q = q;
	a->id = id;
	snprintf(a->name, sizeof(a->name), "%s", name ? name : "");
	return a;
}

void
userdb_set(const struct userdb *newdb)
{
	db = newdb != NULL ? newdb : &system_db;
	nkept = 0;
}

int
userdb_user_by_name(const char *name, uid_t *uid, gid_t *gid)
{
	struct answer *a;
	uid_t u;
	gid_t g;

	if (name == NULL || *name == '\0')
		return -1;
	if ((a = find_kept(BY_USER_NAME, name, 0)) != NULL) {
		u = a->uid;
		g = a->gid;
	} else if (db->user_by_name(name, &u, &g) == -1)
		return -1;
	else if ((a = keep(BY_USER_NAME, name, 0)) != NULL) {
		a->uid = u;
		a->gid = g;
	}
	if (uid != NULL)
		*uid = u;
	if (gid != NULL)
		*gid = g;
	return 0;
}

/* user_by_uid and group_by_gid, kept as q. */
static int
name_by_id(enum question q, unsigned long id, char *name, size_t size)
{
	char found[USERDB_NAME_MAX];
	struct answer *a;
	int rc;

	if ((a = find_kept(q, NULL, id)) != NULL)
		snprintf(found, sizeof(found), "%s", a->found);
	else {
		rc = q == BY_UID ? db->user_by_uid((uid_t)id, found,
		    sizeof(found)) : db->group_by_gid((gid_t)id, found,
		    sizeof(found));
		if (rc == -1)
			return -1;
		if ((a = keep(q, NULL, id)) != NULL)
			snprintf(a->found, sizeof(a->found), "%s", found);
	}
	return (size_t)snprintf(name, size, "%s", found) >= size ? -1 : 0;
}

int
userdb_user_by_uid(uid_t uid, char *name, size_t size)
{
	return name_by_id(BY_UID, uid, name, size);
}

int
userdb_group_by_name(const char *name, gid_t *gid)
{
	struct answer *a;

	if (name == NULL || *name == '\0')
		return -1;
	if ((a = find_kept(BY_GROUP_NAME, name, 0)) != NULL) {
		*gid = a->gid;
		return 0;
	}
	if (db->group_by_name(name, gid) == -1)
		return -1;
	if ((a = keep(BY_GROUP_NAME, name, 0)) != NULL)
		a->gid = *gid;
	return 0;
}

int
userdb_group_by_gid(gid_t gid, char *name, size_t size)
{
	return name_by_id(BY_GID, gid, name, size);
}

int
userdb_user_groups(const char *user, gid_t primary, gid_t *groups, int *n)
{
	struct answer *a;
	int want = *n;

	if ((a = find_kept(GROUPS_OF, user, primary)) == NULL) {
		if (db->user_groups(user, primary, groups, n) == -1)
			return -1;
		if (*n <= KEPT_GROUPS &&
		    (a = keep(GROUPS_OF, user, primary)) != NULL) {
			memcpy(a->groups, groups, sizeof(gid_t) * (size_t)*n);
			a->ngroups = *n;
		}
		return 0;
	}
	*n = a->ngroups;
	if (a->ngroups > want)
		return -1;
	memcpy(groups, a->groups, sizeof(gid_t) * (size_t)a->ngroups);
	return 0;
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
		if (userdb_user_groups(user, primary, groups, &want) != -1) {
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
