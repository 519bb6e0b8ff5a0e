/*
 * readfile.c: reading a file whole: one in the control directory (no link
 * followed), or one the administrator names (links followed).  Only a
 * regular file of at most READFILE_MAX bytes is read: its type is checked
 * before it is opened (opening a device can act: a tape rewinds, a modem
 * line answers) and again on the descriptor, opened O_NONBLOCK so that a
 * FIFO swapped in between cannot hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/magic.h>

#include "base/secret.h"
#include "fs/readfile.h"

/*
 * A regular file that yields more than its st_size says: one that grew
 * while it was read, or one that is not on disk at all, whose size is 0
 * or a guess (procfs, sysfs: /proc/self/environ).  Says which.
 */
static int
grew_while_read(int fd, const char *shown, const struct stat *st,
    struct err *err)
{
	static const struct {
		long		 magic;
		const char	*name;
	} pseudo[] = {
		{ PROC_SUPER_MAGIC, "procfs" }, { SYSFS_MAGIC, "sysfs" },
		{ DEBUGFS_MAGIC, "debugfs" }, { TRACEFS_MAGIC, "tracefs" },
		{ SECURITYFS_MAGIC, "securityfs" },
		{ CGROUP_SUPER_MAGIC, "cgroupfs" },
		{ CGROUP2_SUPER_MAGIC, "cgroup2fs" },
		{ EFIVARFS_MAGIC, "efivarfs" },
	};
	const char *fs = NULL;
	struct statfs sfs;
	size_t i;

	if (fstatfs(fd, &sfs) == 0)
		for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
			if ((long)sfs.f_type == pseudo[i].magic)
				fs = pseudo[i].name;
	if (fs != NULL || st->st_size == 0)
		return err_set(err, EX_DATAERR,
		    "%s is not a regular file on disk "
		    "(%s%s: its size says %lld bytes, but reading it yields "
		    "more): qmail-pem reads keys and certificates from files; "
		    "name the file that holds them", shown, fs ? "a file of " :
		    "a file of a pseudo file system such as procfs or sysfs",
		    fs ? fs : "", (long long)st->st_size);
	return err_set(err, EX_TEMPFAIL, "%s changed while it was read; run "
	    "again", shown);
}

/* Read an already opened file, which must be regular and not too large. */
static int
read_fd(int fd, const char *shown, char **data, size_t *len, struct stat *st,
    struct err *err)
{
	char *buf = NULL;
	size_t used = 0, cap;
	ssize_t n;

	if (fstat(fd, st) == -1)
		return err_set(err, EX_NOINPUT, "%s: cannot examine: %s", shown,
		    strerror(errno));
	if (!S_ISREG(st->st_mode))
		return err_set(err, EX_DATAERR, "%s is %s, not a regular file: "
		    "remove it or name the right file", shown,
		    perms_file_type(st->st_mode));
	if (st->st_size > READFILE_MAX)
		return err_set(err, EX_DATAERR, "%s is too large (%lld bytes) "
		    "to be a key and certificate file", shown,
		    (long long)st->st_size);
	cap = (size_t)st->st_size + 1;
	if ((buf = secret_alloc(cap, err)) == NULL)
		return err_set(err, EX_OSERR, "out of memory reading %s",
		    shown);
	for (;;) {
		n = read(fd, buf + used, cap - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;
			secret_free(buf, cap);
			return err_set(err, EX_IOERR, "%s: read error: %s",
			    shown, strerror(e));
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == cap) {	/* more than st_size */
			secret_free(buf, cap);
			return grew_while_read(fd, shown, st, err);
		}
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
}

/* Only a regular file is opened: opening a device can act (a tape
 * rewinds, a modem line answers). */
static int
refuse_before_open(const char *shown, const struct stat *st, struct err *err)
{
	if (S_ISREG(st->st_mode))
		return 0;
	return err_set(err, EX_DATAERR, "%s is %s, not a regular file: remove "
	    "it or name the right file", shown, perms_file_type(st->st_mode));
}

/* The descriptor read is the file examined before the open. */
static int
opened_what_was_examined(const char *shown, const struct stat *before,
    const struct stat *after, struct err *err)
{
	if (before->st_dev == after->st_dev && before->st_ino == after->st_ino)
		return 0;
	return err_set(err, EX_TEMPFAIL, "%s changed while it was read; run "
	    "again", shown);
}

int
readfile_dir(const struct perms_dir *dir, const char *name, char **data,
    size_t *len, struct stat *st, struct err *err)
{
	char shown[PATH_MAX];
	struct stat before;
	int fd, rc;

	snprintf(shown, sizeof(shown), "%s/%s", dir->path, name);
	if (fstatat(dir->fd, name, &before, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISLNK(before.st_mode) && refuse_before_open(shown, &before, err)
	    == -1)
		return -1;
	do
		fd = openat(dir->fd, name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1) {
		if (errno == ELOOP)
			return err_set(err, EX_DATAERR, "%s is a symlink; "
			    "qmail-pem does not follow links in the control "
			    "directory", shown);
		if (errno == EACCES)
			return err_set(err, EX_NOPERM, "cannot open %s: %s; "
			    "run qmail-pem as root", shown, strerror(errno));
		return err_set(err, errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
		    "cannot open %s: %s", shown, strerror(errno));
	}
	rc = read_fd(fd, shown, data, len, st, err);
	close(fd);
	return rc;
}

int
readfile_path(const char *path, char **data, size_t *len, struct err *err)
{
	struct stat before, st;
	int fd, rc;

	if (stat(path, &before) == -1)
		return err_set(err, errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
		    "cannot open %s: %s", path, strerror(errno));
	if (refuse_before_open(path, &before, err) == -1)
		return -1;
	do
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return err_set(err, errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
		    "cannot open %s: %s", path, strerror(errno));
	rc = read_fd(fd, path, data, len, &st, err);
	close(fd);
	if (rc == 0 && opened_what_was_examined(path, &before, &st,
	    err) == -1) {
		secret_free(*data, *len);
		*data = NULL;
		*len = 0;
		return -1;
	}
	return rc;
}
