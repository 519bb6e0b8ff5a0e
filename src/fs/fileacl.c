/*
 * fileacl.c: POSIX ACLs of the key files and the control directory.
 *
 * ACLs are read through /proc/self/fd/N of a descriptor opened O_PATH
 * (no read permission needed, no symlink followed, nothing swapped in
 * between), falling back to a descriptor opened for reading where /proc
 * is not mounted.  libacl turns a file without an ACL into the three
 * entries of its mode, so "extended" is any named user or group entry or
 * a mask.
 *
 * The kernel keeps an access ACL as the attribute system.posix_acl_access
 * only when the mode cannot say it (setfacl removes the attribute of an
 * ACL that only repeats the mode), and a default ACL as
 * system.posix_acl_default.  So getxattr(2) answers "none" for most files
 * on its own, and libacl is opened with dlopen only for a file that has
 * one (base/lazylib.h; issue 26): mapping it cost each verify as much as
 * a tenth of a millisecond.  When it cannot be opened, the functions fail
 * with ELIBACC and fileacl_strerror() names the library and its package.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <acl/libacl.h>
#include <sys/acl.h>
#include <sys/xattr.h>

#include "base/err.h"
#include "base/lazylib.h"
#include "base/userdb.h"
#include "fs/fileacl.h"

#define XATTR_ACCESS	"system.posix_acl_access"
#define XATTR_DEFAULT	"system.posix_acl_default"

/* libacl, opened at the first file that has an ACL. */
static struct {
	__typeof__(acl_from_mode)	*acl_from_mode;
	__typeof__(acl_set_fd)		*acl_set_fd;
	__typeof__(acl_free)		*acl_free;
	__typeof__(acl_get_file)	*acl_get_file;
	__typeof__(acl_get_fd)		*acl_get_fd;
	__typeof__(acl_get_perm)	*acl_get_perm;
	__typeof__(acl_get_entry)	*acl_get_entry;
	__typeof__(acl_get_tag_type)	*acl_get_tag_type;
	__typeof__(acl_get_permset)	*acl_get_permset;
	__typeof__(acl_get_qualifier)	*acl_get_qualifier;
	__typeof__(acl_entries)		*acl_entries;
} libacl;

static const struct lazylib_fn libacl_fns[] = {
	LAZYLIB_FN(libacl.acl_from_mode, acl_from_mode),
	LAZYLIB_FN(libacl.acl_set_fd, acl_set_fd),
	LAZYLIB_FN(libacl.acl_free, acl_free),
	LAZYLIB_FN(libacl.acl_get_file, acl_get_file),
	LAZYLIB_FN(libacl.acl_get_fd, acl_get_fd),
	LAZYLIB_FN(libacl.acl_get_perm, acl_get_perm),
	LAZYLIB_FN(libacl.acl_get_entry, acl_get_entry),
	LAZYLIB_FN(libacl.acl_get_tag_type, acl_get_tag_type),
	LAZYLIB_FN(libacl.acl_get_permset, acl_get_permset),
	LAZYLIB_FN(libacl.acl_get_qualifier, acl_get_qualifier),
	LAZYLIB_FN(libacl.acl_entries, acl_entries),
};

static struct lazylib libacl_lib = {
	"libacl.so.1", "libacl1", libacl_fns,
	sizeof(libacl_fns) / sizeof(libacl_fns[0]), 0
};

/* Below, each call goes through the table. */
#define acl_from_mode		(*libacl.acl_from_mode)
#define acl_set_fd		(*libacl.acl_set_fd)
#define acl_free		(*libacl.acl_free)
#define acl_get_file		(*libacl.acl_get_file)
#define acl_get_fd		(*libacl.acl_get_fd)
#define acl_get_perm		(*libacl.acl_get_perm)
#define acl_get_entry		(*libacl.acl_get_entry)
#define acl_get_tag_type	(*libacl.acl_get_tag_type)
#define acl_get_permset		(*libacl.acl_get_permset)
#define acl_get_qualifier	(*libacl.acl_get_qualifier)
#define acl_entries		(*libacl.acl_entries)

static char load_failed[1024];	/* as struct err's text */

/* libacl opened: 0, or -1 with errno ELIBACC (the why kept). */
static int
libacl_ready(void)
{
	struct err err = { 0 };

	if (lazylib_load(&libacl_lib, &err) == 0)
		return 0;
	snprintf(load_failed, sizeof(load_failed), "%s", err.text);
	errno = ELIBACC;
	return -1;
}

const char *
fileacl_strerror(int e)
{
	return e == ELIBACC && load_failed[0] ? load_failed : strerror(e);
}

static int
unsupported(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS;
}

/*
 * Whether the kernel keeps the attribute xname for fd: 1, or 0 (none, or
 * a file system without ACLs); -1 with errno (ENOENT: /proc is not
 * mounted).  An O_PATH descriptor has no xattr calls: through /proc.
 */
static int
has_acl(int fd, const char *xname)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (getxattr(path, xname, NULL, 0) >= 0)
		return 1;
	return errno == ENODATA || unsupported(errno) ? 0 : -1;
}

/* The same for a descriptor open for reading (no /proc needed). */
static int
fd_has_acl(int fd, const char *xname)
{
	if (fgetxattr(fd, xname, NULL, 0) >= 0)
		return 1;
	return errno == ENODATA || unsupported(errno) ? 0 : -1;
}

int
fileacl_set_minimal(int fd, mode_t mode)
{
	acl_t acl;
	int rc, e;

	/* No attribute: the ACL is the mode, which the caller has set. */
	if ((rc = fd_has_acl(fd, XATTR_ACCESS)) != 1)
		return rc;
	if (libacl_ready() == -1 ||
	    (acl = acl_from_mode(mode & 0777)) == NULL)
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

/*
 * The access ACL of the file open as *fd (O_PATH; now: its stat), or
 * NULL: with errno 0 when the mode says it all.  Without /proc a regular
 * file is opened again, for reading (*fd replaced).
 */
static acl_t
access_acl(int dirfd, const char *name, const struct stat *now, int *fd)
{
	struct stat st;
	int rc;

	if ((rc = has_acl(*fd, XATTR_ACCESS)) == 1)
		return libacl_ready() == -1 ? NULL :
		    acl_of(*fd, ACL_TYPE_ACCESS);
	if (rc == 0 || errno != ENOENT || !S_ISREG(now->st_mode)) {
		if (rc == 0)
			errno = 0;
		return NULL;
	}
	/* No /proc: a regular file opened for reading will do. */
	close(*fd);
	if ((*fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(*fd, &st) == -1 || st.st_dev != now->st_dev ||
	    st.st_ino != now->st_ino) {
		errno = ESTALE;
		return NULL;
	}
	if ((rc = fd_has_acl(*fd, XATTR_ACCESS)) != 1) {
		if (rc == 0)
			errno = 0;
		return NULL;
	}
	return libacl_ready() == -1 ? NULL : acl_get_fd(*fd);
}

int
fileacl_extended_at(int dirfd, const char *name, const struct stat *st,
    char *who, size_t size)
{
	struct stat now;
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
	if ((acl = access_acl(dirfd, name, &now, &fd)) == NULL) {
		rc = errno == 0 || unsupported(errno) ? 0 : -1;
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
	if (fd != -1)
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
	if ((rc = has_acl(dirfd, XATTR_DEFAULT)) == -1 && errno == ENOENT) {
		/* No /proc: whether there is one, not what it holds. */
		if ((rc = fd_has_acl(dirfd, XATTR_DEFAULT)) == 1)
			snprintf(who, size, "entries not shown: /proc is not "
			    "mounted; see getfacl -d");
		return rc;
	}
	if (rc != 1 || libacl_ready() == -1)
		return rc != 1 ? rc : -1;
	if ((acl = acl_of(dirfd, ACL_TYPE_DEFAULT)) == NULL)
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
