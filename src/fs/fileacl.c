/*
 * fileacl.c: POSIX ACLs of the key files and the control directory.
 *
 * ACLs are read through /proc/self/fd/N of a descriptor opened O_PATH
 * (no read permission needed, no symlink followed, nothing swapped in
 * between), falling back to acl_get_fd() where /proc is not mounted.
 * libacl turns a file without an ACL into the three entries of its mode,
 * so "extended" is any named user or group entry or a mask.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <acl/libacl.h>
#include <sys/acl.h>
#include <sys/xattr.h>

#include "base/userdb.h"
#include "fs/fileacl.h"

static int
unsupported(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS;
}

int
fileacl_set_minimal(int fd, mode_t mode)
{
	acl_t acl;
	int rc, e;

	if ((acl = acl_from_mode(mode & 0777)) == NULL)
		return -1;
	rc = acl_set_fd(fd, acl);
	e = errno;
	acl_free(acl);
	if (rc == -1 && unsupported(e))
		return 0;
	errno = e;
	return rc;
}

/* NULL with errno ENOENT when /proc is not mounted. */
static acl_t
acl_of(int fd, acl_type_t type)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return acl_get_file(path, type);
}

static void
perm_text(acl_permset_t set, int mask, char out[4])
{
	out[0] = (acl_get_perm(set, ACL_READ) == 1 && (mask & 4)) ? 'r' : '-';
	out[1] = (acl_get_perm(set, ACL_WRITE) == 1 && (mask & 2)) ? 'w' : '-';
	out[2] = (acl_get_perm(set, ACL_EXECUTE) == 1 && (mask & 1)) ?
	    'x' : '-';
	out[3] = '\0';
}

/* The mask entry's permissions as bits (7 when there is none). */
static int
mask_of(acl_t acl)
{
	acl_entry_t e;
	acl_tag_t tag;
	acl_permset_t set;
	int id, mask = 7;

	for (id = ACL_FIRST_ENTRY; acl_get_entry(acl, id, &e) == 1;
	    id = ACL_NEXT_ENTRY) {
		if (acl_get_tag_type(e, &tag) == 0 && tag == ACL_MASK &&
		    acl_get_permset(e, &set) == 0)
			mask = (acl_get_perm(set, ACL_READ) == 1 ? 4 : 0) |
			    (acl_get_perm(set, ACL_WRITE) == 1 ? 2 : 0) |
			    (acl_get_perm(set, ACL_EXECUTE) == 1 ? 1 : 0);
	}
	return mask;
}

static void
append(char *buf, size_t size, const char *kind, const char *name,
    const char *perms)
{
	size_t used = strlen(buf);

	if (used < size)
		snprintf(buf + used, size - used, "%s%s:%s:%s",
		    used ? ", " : "", kind, name, perms);
}

/* "user:NAME:rwx, ..." of acl's entries: the named ones, or all. */
static int
describe(acl_t acl, int named_only, int masked, char *buf, size_t size)
{
	acl_entry_t e;
	acl_tag_t tag;
	acl_permset_t set;
	char perms[4], who[USERDB_NAME_MAX];
	const char *kind, *name;
	void *q;
	int id, mask = masked ? mask_of(acl) : 7, found = 0;

	buf[0] = '\0';
	for (id = ACL_FIRST_ENTRY; acl_get_entry(acl, id, &e) == 1;
	    id = ACL_NEXT_ENTRY) {
		if (acl_get_tag_type(e, &tag) == -1 ||
		    acl_get_permset(e, &set) == -1)
			return -1;
		name = "";
		switch (tag) {
		case ACL_USER:
		case ACL_GROUP:
			kind = tag == ACL_USER ? "user" : "group";
			if ((q = acl_get_qualifier(e)) == NULL)
				return -1;
			if (tag == ACL_USER ? userdb_user_by_uid(*(uid_t *)q,
			    who, sizeof(who)) == -1 : userdb_group_by_gid(
			    *(gid_t *)q, who, sizeof(who)) == -1)
				snprintf(who, sizeof(who), "%lu", tag ==
				    ACL_USER ? (unsigned long)*(uid_t *)q :
				    (unsigned long)*(gid_t *)q);
			name = who;
			perm_text(set, mask, perms);
			append(buf, size, kind, name, perms);
			acl_free(q);
			found = 1;
			continue;
		case ACL_MASK:
			found = 1;
			if (named_only)
				continue;
			kind = "mask";
			break;
		case ACL_USER_OBJ:
			kind = "user";
			break;
		case ACL_GROUP_OBJ:
			kind = "group";
			break;
		case ACL_OTHER:
			kind = "other";
			break;
		default:
			continue;
		}
		if (named_only)
			continue;
		perm_text(set, 7, perms);
		append(buf, size, kind, name, perms);
	}
	return found;
}

int
fileacl_extended_at(int dirfd, const char *name, const struct stat *st,
    char *who, size_t size)
{
	struct stat now, st2;
	acl_t acl;
	int fd, rc = -1, e;

	who[0] = '\0';
	if ((fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &now) == -1)
		goto out;
	if (st != NULL && (now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino)) {
		errno = ESTALE;
		goto out;
	}
	if (S_ISLNK(now.st_mode)) {	/* a symlink has no ACL */
		rc = 0;
		goto out;
	}
	acl = acl_of(fd, ACL_TYPE_ACCESS);
	if (acl == NULL && errno == ENOENT && S_ISREG(now.st_mode)) {
		/* No /proc: a regular file opened for reading will do. */
		close(fd);
		if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1)
			return -1;
		if (fstat(fd, &st2) == -1 || st2.st_dev != now.st_dev ||
		    st2.st_ino != now.st_ino) {
			errno = ESTALE;
			goto out;
		}
		acl = acl_get_fd(fd);
	}
	if (acl == NULL) {
		rc = unsupported(errno) ? 0 : -1;
		goto out;
	}
	/* A mask alone (setfacl -m m::rw) is extended too: all entries. */
	if ((rc = describe(acl, 1, 1, who, size)) == 1 && who[0] == '\0')
		rc = describe(acl, 0, 0, who, size) == -1 ? -1 : 1;
	e = errno;
	acl_free(acl);
	errno = e;
out:
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int
fileacl_default(int dirfd, char *who, size_t size)
{
	acl_t acl;
	int rc, e;

	who[0] = '\0';
	if ((acl = acl_of(dirfd, ACL_TYPE_DEFAULT)) == NULL &&
	    errno == ENOENT) {
		/* No /proc: whether there is one, not what it holds. */
		if (fgetxattr(dirfd, "system.posix_acl_default", NULL, 0) > 0) {
			snprintf(who, size, "entries not shown: /proc is not "
			    "mounted; see getfacl -d");
			return 1;
		}
		return errno == ENODATA || unsupported(errno) ? 0 : -1;
	}
	if (acl == NULL)
		return unsupported(errno) ? 0 : -1;
	if (acl_entries(acl) <= 0) {
		acl_free(acl);
		return 0;
	}
	if ((rc = describe(acl, 1, 0, who, size)) == 0)
		rc = describe(acl, 0, 0, who, size) == -1 ? -1 : 1;
	else if (rc == 1 && who[0] == '\0')	/* a mask alone */
		rc = describe(acl, 0, 0, who, size) == -1 ? -1 : 1;
	e = errno;
	acl_free(acl);
	errno = e;
	return rc;
}
