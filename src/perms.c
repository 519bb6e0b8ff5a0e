/*
 * perms.c: owners, modes, directory safety and atomic writes.
 *
 * Every file in the control directory is reached through the directory's
 * file descriptor with O_NOFOLLOW, so a link planted in the directory is
 * never written through.  New files are created O_EXCL with mode 0600 and
 * get their final owner and mode, and the minimal ACL of that mode (no
 * entry a default ACL of the directory gave them), before a single byte
 * is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/vfs.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <linux/magic.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/userdb.h"
#include "fs/dirwalk.h"
#include "fs/fileacl.h"
#include "perms.h"

#define TEMP_PREFIX	".qmail-pem-tmp."

static int
write_status(int errnum)
{
	if (errnum == ELIBACC)		/* libacl (fs/fileacl.h) */
		return EX_OSFILE;
	return (errnum == ENOSPC || errnum == EDQUOT || errnum == EIO) ?
	    EX_IOERR : EX_CANTCREAT;
}

static const char *
write_hint(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
		return "free some space on that file system and run again";
	case EACCES:
	case EPERM:
	case EROFS:
		return "qmail-pem must run as root on a writable file system";
	default:
		return "fix the cause and run again; the old file is unchanged";
	}
}

/* The real path of an open directory, as the kernel names it. */
int
perms_real_path(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, buf, size - 1)) == -1)
		return -1;
	if ((size_t)n == size - 1 || buf[0] != '/') {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

int
perms_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Why DIR could not be opened, for the administrator. */
static int
open_dir_failed(const char *path, int errnum, struct err *err)
{
	char target[PATH_MAX];
	struct stat st;

	if (errnum == ENOENT)
		return err_set(err, EX_NOINPUT, "control directory %s does not "
		    "exist: create it (mkdir -m 755 %s) or pass the right one "
		    "with -d", path, path);
	if (errnum == ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (realpath(path, target) == NULL)
			snprintf(target, sizeof(target), "(unresolvable)");
		return err_set(err, EX_NOPERM, "control directory %s is a "
		    "symlink to %s: qmail-pem does not write through links; "
		    "pass the real directory with -d %s", path, target, target);
	}
	if (errnum == ENOTDIR)
		return err_set(err, EX_NOINPUT, "%s is not a directory: pass "
		    "the qmail control directory with -d", path);
	return err_set(err,
	    errnum == EACCES || errnum == EPERM ? EX_NOPERM : EX_NOINPUT,
	    "cannot open %s: %s", path, strerror(errnum));
}

int
perms_open_dir(const char *path, struct perms_dir *dir, struct err *err)
{
	struct stat first, walked_st;
	int fd, walked = -1;

	dir->fd = -1;
	dir->real[0] = '\0';
	snprintf(dir->path, sizeof(dir->path), "%s", path);
	/* Opened once, and only this descriptor is used from here on. */
	while ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 && errno == EINTR)
		;
	if (fd == -1)
		return open_dir_failed(path, errno, err);
	if (fstat(fd, &first) == -1) {
		err_set(err, EX_OSERR, "cannot examine %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (perms_real_path(fd, dir->real, sizeof(dir->real)) == -1) {
		err_set(err, EX_OSERR, "%s: cannot find the real path of the "
		    "directory in /proc/self/fd: %s; qmail-pem needs /proc "
		    "mounted", path, strerror(errno));
		goto fail;
	}
	/* Its real path, walked from / without following anything, must
	 * lead to the directory opened: then every parent that was checked
	 * is a parent of that directory. */
	if (dirwalk(dir->real, 1, NULL, &walked, err) == -1)
		goto fail;
	if (fstat(walked, &walked_st) == -1 ||
	    !perms_same_file(&first, &walked_st)) {
		err_set(err, EX_TEMPFAIL, "%s was moved or replaced while "
		    "qmail-pem checked it (%s is another directory now); "
		    "nothing was written: run again", path, dir->real);
		goto fail;
	}
	close(walked);
	dir->fd = fd;
	return 0;
fail:
	if (walked != -1)
		close(walked);
	close(fd);
	dir->real[0] = '\0';
	return -1;
}

void
perms_close_dir(struct perms_dir *dir)
{
	if (dir->fd != -1)
		close(dir->fd);
	dir->fd = -1;
}

int
perms_lock_dir(const struct perms_dir *dir, int timeout, struct err *err)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	long waited_ms = 0;

	for (;;) {
		if (flock(dir->fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return err_set(err, EX_OSERR, "%s: cannot lock the "
			    "directory: %s", dir->path, strerror(errno));
		if (waited_ms >= (long)timeout * 1000)
			return err_set(err, EX_TEMPFAIL, "%s: another "
			    "qmail-pem is writing here (waited %d s for its "
			    "lock); run again when it has finished", dir->path,
			    timeout);
		nanosleep(&pause, NULL);
		waited_ms += 100;
	}
}

int
perms_stat(const struct perms_dir *dir, const char *name, struct stat *st,
    struct err *err)
{
	if (fstatat(dir->fd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return err_set(err, EX_NOINPUT, "%s/%s: cannot examine: %s", dir->path,
	    name, strerror(errno));
}

int
perms_readlink(const struct perms_dir *dir, const char *name, char *buf,
    size_t size, struct err *err)
{
	ssize_t n;

	n = readlinkat(dir->fd, name, buf, size - 1);
	if (n == -1)
		return err_set(err, EX_NOINPUT, "%s/%s: cannot read the "
		    "symlink: %s", dir->path, name, strerror(errno));
	buf[n] = '\0';
	return 0;
}

const char *
perms_file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISLNK(mode))
		return "a symlink";
	return "not a regular file";
}

int
perms_is_temp_name(const char *name)
{
	return strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0;
}

int
perms_write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
perms_fsync(int fd)
{
	while (fsync(fd) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * A temp name PREFIX NAME .RANDOM SUFFIX, created in dfd O_EXCL|O_NOFOLLOW
 * with mode 0600.  -1 with errno set; *step says which call failed
 * ("getrandom" or "create").
 */
static int
open_temp(int dfd, const char *prefix, const char *name, const char *suffix,
    char *tmp, size_t size, const char **step)
{
	unsigned char rnd[6];
	int fd = -1, tries;

	*step = "create";
	for (tries = 0; tries < 16; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			if (errno == EINTR)
				continue;
			*step = "getrandom";
			return -1;
		}
		snprintf(tmp, size, "%s%s.%02x%02x%02x%02x%02x%02x%s", prefix,
		    name, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
		    suffix);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1 || (errno != EEXIST && errno != EINTR))
			break;
	}
	return fd;
}

/* The owner, group, mode and minimal ACL of target, or (no target) mode;
 * -1 with errno and *step. */
static int
set_perms(int fd, const struct perms_target *target, mode_t mode,
    const char **step)
{
	if (target == NULL) {
		*step = "set the mode of";
		return fchmod(fd, mode);
	}
	*step = "set the owner of";
	if (fchown(fd, target->uid, target->gid) == -1)
		return -1;
	*step = "set the mode of";
	if (fchmod(fd, target->mode) == -1)
		return -1;
	*step = "remove the ACL entries (such as a default ACL gives) of";
	return fileacl_set_minimal(fd, target->mode);
}

int
perms_write_temp(int dfd, const char *prefix, const char *name,
    const char *suffix, const void *data, size_t len,
    const struct perms_target *target, mode_t mode, char *tmp, size_t size,
    const char **step)
{
	int fd, e;

	if ((fd = open_temp(dfd, prefix, name, suffix, tmp, size, step)) == -1)
		return -1;
	if (set_perms(fd, target, mode, step) == -1)
		goto fail;
	*step = "write";
	if (perms_write_all(fd, data, len) == -1)
		goto fail;
	*step = "sync";
	if (perms_fsync(fd) == -1)
		goto fail;
	*step = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	/* Retry on EINTR; anything else leaves a 0600 temp for the next
	 * run (perms_remove_stale_temps). */
	while (unlinkat(dfd, tmp, 0) == -1 && errno == EINTR)
		;
	errno = e;
	return -1;
}

/*
 * A rename refused with EBUSY: something is mounted on the name (a bind
 * mount of a file from elsewhere).  Changing that file in place would
 * change a file outside the directory, so it is refused.
 */
int
perms_mount_point_refused(const char *dirpath, const char *name,
    struct err *err)
{
	return err_set(err, EX_CANTCREAT, "%s/%s is a mount point (a file is "
	    "mounted on it): qmail-pem replaces files by rename, which a mount "
	    "point refuses, and does not change the mounted file, which lives "
	    "outside %s; unmount it (umount %s/%s), keep the file in %s itself "
	    "and run again; the mounted file is unchanged", dirpath, name,
	    dirpath, dirpath, name, dirpath);
}

int
perms_stage(const struct perms_dir *dir, const char *name, const void *data,
    size_t len, const struct perms_target *target, struct perms_staged *staged,
    struct err *err)
{
	const char *step;
	int e;

	memset(staged, 0, sizeof(*staged));
	snprintf(staged->name, sizeof(staged->name), "%s", name);
	if (perms_write_temp(dir->fd, TEMP_PREFIX, name, "", data, len, target,
	    target->mode, staged->tmpname, sizeof(staged->tmpname), &step)
	    == 0) {
		staged->active = 1;
		return 0;
	}
	e = errno;
	if (strcmp(step, "getrandom") == 0)
		return err_set(err, EX_OSERR, "%s/%s: cannot make a temporary "
		    "file name: getrandom: %s", dir->path, name, strerror(e));
	if (strcmp(step, "create") == 0)
		return err_set(err, write_status(e), "%s/%s: cannot create a "
		    "temporary file: %s; %s", dir->path, name, strerror(e),
		    write_hint(e));
	return err_set(err, write_status(e), "%s/%s: cannot %s the new file: "
	    "%s; %s", dir->path, name, step, fileacl_strerror(e),
	    write_hint(e));
}

int
perms_sync_dir(const struct perms_dir *dir, struct err *err)
{
	if (perms_fsync(dir->fd) == -1)
		return err_set(err, EX_IOERR, "%s: cannot sync the directory: "
		    "%s; the files are in place but may not survive a crash",
		    dir->path, strerror(errno));
	return 0;
}

int
perms_commit(const struct perms_dir *dir, struct perms_staged *staged,
    struct err *err)
{
	int e;

	if (renameat(dir->fd, staged->tmpname, dir->fd, staged->name) == -1) {
		e = errno;
		perms_discard(dir, staged);
		if (e == EBUSY)
			return perms_mount_point_refused(dir->path,
			    staged->name, err);
		return err_set(err, write_status(e),
		    "%s/%s: cannot move the new file "
		    "into place: %s; the old file is unchanged", dir->path,
		    staged->name, strerror(e));
	}
	staged->active = 0;
	return 0;
}

void
perms_discard(const struct perms_dir *dir, struct perms_staged *staged)
{
	if (!staged->active)
		return;
	/* Retry on EINTR; anything else leaves a 0600 temp for the next run. */
	while (unlinkat(dir->fd, staged->tmpname, 0) == -1 && errno == EINTR)
		;
	staged->active = 0;
}

int
perms_write_atomic(const struct perms_dir *dir, const char *name,
    const void *data, size_t len, const struct perms_target *target,
    struct err *err)
{
	struct perms_staged staged;

	if (perms_stage(dir, name, data, len, target, &staged, err) == -1)
		return -1;
	if (perms_commit(dir, &staged, err) == -1)
		return -1;
	return perms_sync_dir(dir, err);
}

int
perms_copy_symlink(const struct perms_dir *dir, const char *name,
    const char *linktarget, uid_t uid, gid_t gid, struct err *err)
{
	int e;

	if (symlinkat(linktarget, dir->fd, name) == -1) {
		e = errno;
		return err_set(err, write_status(e), "%s/%s: cannot record the "
		    "symlink: %s; %s", dir->path, name, strerror(e),
		    write_hint(e));
	}
	if (fchownat(dir->fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
		e = errno;
		(void)unlinkat(dir->fd, name, 0);
		return err_set(err, write_status(e),
		    "%s/%s: cannot set the owner "
		    "of the symlink: %s", dir->path, name, strerror(e));
	}
	return 0;
}

int
perms_unlink(const struct perms_dir *dir, const char *name, struct err *err)
{
	while (unlinkat(dir->fd, name, 0) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT)
			return 0;
		return err_set(err, write_status(errno),
		    "%s/%s: cannot remove: %s",
		    dir->path, name, strerror(errno));
	}
	return 0;
}

void
perms_remove_stale_temps(const struct perms_dir *dir)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	    == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (perms_is_temp_name(de->d_name) &&
		    unlinkat(dir->fd, de->d_name, 0) == 0)
			msg_detail("%s/%s: removed a temporary file left by "
			    "an interrupted run", dir->path, de->d_name);
	}
	closedir(d);
}

int
perms_matches(const struct stat *st, const struct perms_target *target)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 1 &&
	    st->st_uid == target->uid && st->st_gid == target->gid &&
	    (st->st_mode & 07777) == target->mode;
}

const char *
perms_describe(uid_t uid, gid_t gid, mode_t mode, char *buf, size_t size)
{
	char u[USERDB_NAME_MAX], g[USERDB_NAME_MAX];

	if (userdb_user_by_uid(uid, u, sizeof(u)) == -1)
		snprintf(u, sizeof(u), "%u", (unsigned)uid);
	if (userdb_group_by_gid(gid, g, sizeof(g)) == -1)
		snprintf(g, sizeof(g), "%u", (unsigned)gid);
	snprintf(buf, size, "%s:%s %04o", u, g, (unsigned)(mode & 07777));
	return buf;
}
