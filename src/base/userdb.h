/*
 * userdb.h: the one user and group database.
 *
 * Every look-up of a user, a group or a user's groups goes through here:
 * the owner and groups install gives the files, the readers that the run
 * scripts name (qmaild, vpopmail, vchkpw ...), verify's read test, the
 * names in messages.  By default the answers come from the system
 * (getpwnam(3), getgrnam(3), getgrouplist(3), so nss_wrapper works in the
 * integration tests); unit tests and fuzz targets install a table of their
 * own with userdb_set().  Not finding an account is an answer, not an
 * error: the userdb_user_by_* and userdb_group_by_* functions return 0
 * when found and -1 when not, and record nothing; userdb_find_* say so.
 */
#ifndef QP_USERDB_H
#define QP_USERDB_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

#define USERDB_NAME_MAX	64	/* longest name kept, with the NUL */

struct userdb {
	int	(*user_by_name)(const char *name, uid_t *uid, gid_t *gid);
	int	(*user_by_uid)(uid_t uid, char *name, size_t size);
	int	(*group_by_name)(const char *name, gid_t *gid);
	int	(*group_by_gid)(gid_t gid, char *name, size_t size);
	/* As getgrouplist(3): the groups of user (primary group primary),
	 * the primary first, in groups[0..*n); -1 when there are more than
	 * *n, with *n set to how many there are. */
	int	(*user_groups)(const char *user, gid_t primary, gid_t *groups,
		    int *n);
};

/* Use db from now on; NULL goes back to the system's database.  The
 * structure must stay valid while it is in use.  The accounts found are
 * kept for the rest of the command (a command asks for the same ones many
 * times); this forgets them, also when db is the one in use. */
void userdb_set(const struct userdb *db);

int userdb_user_by_name(const char *name, uid_t *uid, gid_t *gid);
int userdb_user_by_uid(uid_t uid, char *name, size_t size);
int userdb_group_by_name(const char *name, gid_t *gid);
int userdb_group_by_gid(gid_t gid, char *name, size_t size);
int userdb_user_groups(const char *user, gid_t primary, gid_t *groups,
    int *n);
/* 1 if the group database lists user (primary group primary) in gid. */
int userdb_user_in_group(const char *user, gid_t primary, gid_t gid);

/* A user or group by name, or by number as chown(1) takes it; one that
 * does not exist is an error (EX_NOUSER). */
int userdb_find_user(const char *name, uid_t *uid, gid_t *gid,
    struct err *err);
int userdb_find_group(const char *name, gid_t *gid, struct err *err);

#endif
