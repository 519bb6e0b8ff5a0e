/*
 * readgroups.c: whether a reader's supplementary groups can change what
 * the kernel answers when the reader opens a path for reading.
 *
 * The read test acts with the groups the reader has (readtest.c).  For
 * qmail's default readers those come from the group database, and
 * finding them asks every NSS module: with nss_systemd a dlopen, a walk
 * of its userdb folders and failed connects, about a millisecond of a
 * verify that takes ten (issue 26).  The kernel's permission check
 * (acl_permission_check, fs/namei.c) asks about groups in two places
 * only, on a file or folder the reader does not own: its access ACL, and
 * its group bits where they differ from its other bits in what is asked
 * (search on a folder, read on the file).  The filesystem gid is always
 * one of the reader's groups.  So where no component of the path has
 * an ACL or such bits for a group other than gid, every set of groups
 * with gid in it gets the same answer from the kernel, and the read test
 * need not look the others up.
 *
 * What stat cannot tell is taken to matter: a symbolic link on the way
 * (the kernel walks its target's folders too), "." or "..", a file
 * system that checks permissions itself (NFS, CIFS, FUSE, ZFS with NFSv4
 * ACLs: anything but the local ones below), an ACL that cannot be read,
 * an automount point mounted by the look (its folder was not the one
 * the kernel will search), and an owner shown as the overflow uid (in a
 * user namespace or on an idmapped mount that does not map the owner,
 * the kernel never takes the reader for it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>

#include <linux/magic.h>

#include "check/readgroups.h"

/* A file system whose permission check is the kernel's own. */
static int
local_fs(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) == -1)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC:		/* and ext2, ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case RAMFS_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:
	case F2FS_SUPER_MAGIC:
		return 1;
	default:
		return 0;
	}
}

/* 1: path has an access ACL, or that cannot be told; 0: it has none. */
static int
has_acl(const char *path)
{
	if (lgetxattr(path, "system.posix_acl_access", NULL, 0) >= 0)
		return 1;
	return errno != ENODATA && errno != ENOTSUP && errno != EOPNOTSUPP;
}

/* The uid stat shows for an owner the kernel cannot map (65534). */
static uid_t
overflow_uid(void)
{
	unsigned long id = 65534;
	FILE *fp = fopen("/proc/sys/kernel/overflowuid", "re");

	if (fp != NULL) {
		if (fscanf(fp, "%lu", &id) != 1)
			id = 65534;
		fclose(fp);
	}
	return (uid_t)id;
}

/* Can a group other than gid change the kernel's answer for st, asked
 * for the bits want (1: search, 4: read)? */
static int
component_matters(const char *path, const struct stat *st, uid_t uid,
    gid_t gid, mode_t want)
{
	mode_t m = st->st_mode;

	if (st->st_uid == uid)		/* the owner's bits, groups unasked */
		return uid == overflow_uid();
	if (has_acl(path))
		return 1;
	if (st->st_gid == gid)
		return 0;
	return ((m >> 3) & want) != (m & want);
}

int
readgroups_matter(const char *path, uid_t uid, gid_t gid)
{
	char prefix[PATH_MAX];
	const char *p, *slash;
	struct stat st, again;
	dev_t dev = 0;
	size_t len;
	int last;

	if (path[0] != '/' || strlen(path) >= sizeof(prefix))
		return 1;
	for (p = path;; p = slash + 1) {
		slash = strchr(p, '/');
		last = slash == NULL;
		len = last ? strlen(path) : (size_t)(slash - path);
		if (len == 0)
			len = 1;			/* "/" itself */
		else if ((len == (size_t)(p - path) + 1 && *p == '.') ||
		    (len == (size_t)(p - path) + 2 && p[0] == '.' &&
		    p[1] == '.') || len == (size_t)(p - path))
			return 1;			/* ".", "..", "//" */
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		if (lstat(prefix, &st) == -1 || S_ISLNK(st.st_mode) ||
		    (last ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)))
			return 1;
		if (st.st_dev != dev || len == 1) {
			again = st;	/* statfs mounts an automount point */
			if (!local_fs(prefix) || lstat(prefix, &st) == -1 ||
			    st.st_dev != again.st_dev ||
			    st.st_ino != again.st_ino)
				return 1;
		}
		dev = st.st_dev;
		if (component_matters(prefix, &st, uid, gid, last ? 4 : 1))
			return 1;
		if (last)
			return 0;
	}
}
