/*
 * userdb.h: user and group look-ups that tests can replace.
 *
 * The readers module turns names from run scripts (qmaild, vpopmail,
 * vchkpw ...) into ids and back.  By default the answers come from the
 * system (getpwnam(3), getgrnam(3), getgrouplist(3), so nss_wrapper works
 * in the integration tests); unit tests install a table of their own with
 * userdb_set().  Not finding an account is an answer, not an error: the
 * functions return 0 when found and -1 when not, and record no message.
 */
#ifndef QP_USERDB_H
#define QP_USERDB_H

#include <stddef.h>
#include <sys/types.h>

#define USERDB_NAME_MAX	64	/* longest name kept, with the NUL */

struct userdb {
	int	(*user_by_name)(const char *name, uid_t *uid, gid_t *gid);
	int	(*user_by_uid)(uid_t uid, char *name, size_t size);
	int	(*group_by_name)(const char *name, gid_t *gid);
	int	(*group_by_gid)(gid_t gid, char *name, size_t size);
	/* 1 if the group database lists user (primary group primary) in
	 * group gid, 0 if not. */
	int	(*user_in_group)(const char *user, gid_t primary, gid_t gid);
};

/* Use db from now on; NULL goes back to the system's database.  The
 * structure must stay valid while it is in use. */
void userdb_set(const struct userdb *db);

int userdb_user_by_name(const char *name, uid_t *uid, gid_t *gid);
int userdb_user_by_uid(uid_t uid, char *name, size_t size);
int userdb_group_by_name(const char *name, gid_t *gid);
int userdb_group_by_gid(gid_t gid, char *name, size_t size);
int userdb_user_in_group(const char *user, gid_t primary, gid_t gid);

#endif
