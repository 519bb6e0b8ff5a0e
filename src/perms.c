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
#include "base/secret.h"
#include "base/userdb.h"
#include "fs/fileacl.h"
#include "perms.h"

#define TEMP_PREFIX	".qmail-pem-tmp."

static int
write_status(int errnum)
{
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

/* One component of the safety walk. */
static int
check_component(const char *shown, const struct stat *st, int is_last,
    struct err *err)
{
	if (!S_ISDIR(st->st_mode))
		return err_set(err, EX_NOINPUT, "%s is not a directory", shown);
	if (st->st_uid != 0)
		return err_set(err, EX_NOPERM, "unsafe directory %s: owned by "
		    "uid %u, not root; fix with: chown root %s", shown,
		    (unsigned)st->st_uid, shown);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if (!is_last && (st->st_mode & S_ISVTX))
		return 0;	/* root-owned sticky dir, such as /tmp */
	return err_set(err, EX_NOPERM, "unsafe directory %s: writable by %s; "
	    "fix with: chmod go-w %s", shown,
	    (st->st_mode & S_IWOTH) ? "others" : "its group", shown);
}

/* The real path of an open directory, as the kernel names it. */
static int
fd_real_path(int fd, char *buf, size_t size)
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

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Walk path one component at a time from / (a relative path from the
 * working directory) with openat(O_PATH|O_DIRECTORY|O_NOFOLLOW): a symlink
 * anywhere in it is never followed.  safe: path is a real path and every
 * component must pass check_component(); else (output): "." and ".." are
 * walked as they come, a symlink is refused naming it, and option is the
 * path as given, for messages.  *fdp: an O_PATH descriptor of the last
 * directory.
 */
static int
walk_dirs(const char *path, int safe, const char *option, int *fdp,
    struct err *err)
{
	char copy[PATH_MAX], shown[PATH_MAX], *comp, *save = NULL;
	struct stat st;
	int fd, next, e;

	*fdp = -1;
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return err_set(err, EX_USAGE, "%s: name too long", path);
	fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		return err_set(err, EX_OSERR, "cannot open %s: %s",
		    path[0] == '/' ? "/" : "the working directory",
		    strerror(e));
	}
	if (safe && check_component("/", &st, strcmp(path, "/") == 0,
	    err) == -1)
		goto fail;
	snprintf(shown, sizeof(shown), "%s", path[0] == '/' ? "" : ".");
	for (comp = strtok_r(copy, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		size_t used = strlen(shown);
		if (used == 1 && shown[0] == '.')
			used = 0;	/* "dir", not "./dir" */
		snprintf(shown + used, sizeof(shown) - used, "%s%s",
		    used || path[0] == '/' ? "/" : "", comp);
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1) {
			e = errno;
			if (safe)
				err_set(err, EX_NOPERM, "cannot open %s "
				    "safely: %s (a component changed or is a "
				    "symlink)", shown, strerror(e));
			else if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW)
			    == 0 && S_ISLNK(st.st_mode)) {
				char real[PATH_MAX];
				if (realpath(shown, real) == NULL)
					snprintf(real, sizeof(real),
					    "(unresolvable)");
				err_set(err, EX_CANTCREAT, "--output %s: %s is "
				    "a symlink (to %s): qmail-pem follows no "
				    "symlink in the path of a file it writes; "
				    "name the real directory", option, shown,
				    real);
			} else if (e == ENOENT)
				err_set(err, EX_CANTCREAT, "--output %s: "
				    "cannot open the directory %s: it does not "
				    "exist", option, shown);
			else
				err_set(err, EX_CANTCREAT, "--output %s: "
				    "cannot open the directory %s: %s", option,
				    shown, strerror(e));
			goto fail;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) == -1) {
			err_set(err, EX_OSERR, "cannot examine %s: %s", shown,
			    strerror(errno));
			goto fail;
		}
		/* The last component has no sticky exception. */
		if (safe && check_component(shown, &st, save == NULL ||
		    *save == '\0', err) == -1)
			goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return -1;
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
	if (fd_real_path(fd, dir->real, sizeof(dir->real)) == -1) {
		err_set(err, EX_OSERR, "%s: cannot find the real path of the "
		    "directory in /proc/self/fd: %s; qmail-pem needs /proc "
		    "mounted", path, strerror(errno));
		goto fail;
	}
	/* Its real path, walked from / without following anything, must
	 * lead to the directory opened: then every parent that was checked
	 * is a parent of that directory. */
	if (walk_dirs(dir->real, 1, NULL, &walked, err) == -1)
		goto fail;
	if (fstat(walked, &walked_st) == -1 ||
	    !same_file(&first, &walked_st)) {
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

static const char *
file_type(mode_t mode)
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
		    file_type(st->st_mode));
	if (st->st_size > PERMS_MAX_FILE)
		return err_set(err, EX_DATAERR, "%s is too large (%lld bytes) "
		    "to be a key and certificate file", shown,
		    (long long)st->st_size);
	cap = (size_t)st->st_size + 1;
	if ((buf = malloc(cap + 1)) == NULL)
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
	    "it or name the right file", shown, file_type(st->st_mode));
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
perms_read_file(const struct perms_dir *dir, const char *name, char **data,
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
perms_read_path(const char *path, char **data, size_t *len, struct err *err)
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

int
perms_is_temp_name(const char *name)
{
	return strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
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

static int
fsync_retry(int fd)
{
	while (fsync(fd) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Create PREFIX NAME .RANDOM SUFFIX in dfd, O_EXCL|O_NOFOLLOW with mode
 * 0600 (the caller widens it with fchmod where it must): the one way
 * qmail-pem makes a temp file.  -1 with errno set; *step says which call
 * failed ("getrandom" or "create").
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

/*
 * A rename refused with EBUSY: something is mounted on the name (a bind
 * mount of a file from elsewhere).  Changing that file in place would
 * change a file outside the directory, so it is refused.
 */
static int
mount_point_refused(const char *dirpath, const char *name, struct err *err)
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
	int fd, e;

	memset(staged, 0, sizeof(*staged));
	snprintf(staged->name, sizeof(staged->name), "%s", name);
	fd = open_temp(dir->fd, TEMP_PREFIX, name, "", staged->tmpname,
	    sizeof(staged->tmpname), &step);
	if (fd == -1) {
		e = errno;
		if (strcmp(step, "getrandom") == 0)
			return err_set(err, EX_OSERR, "%s/%s: cannot make a "
			    "temporary file name: getrandom: %s", dir->path,
			    name, strerror(e));
		return err_set(err, write_status(e), "%s/%s: cannot create a "
		    "temporary file: %s; %s", dir->path, name, strerror(e),
		    write_hint(e));
	}
	staged->active = 1;
	step = "set the owner of";
	if (fchown(fd, target->uid, target->gid) == -1)
		goto fail;
	step = "set the mode of";
	if (fchmod(fd, target->mode) == -1)
		goto fail;
	step = "remove the ACL entries (such as a default ACL gives) of";
	if (fileacl_set_minimal(fd, target->mode) == -1)
		goto fail;
	step = "write";
	if (write_all(fd, data, len) == -1)
		goto fail;
	step = "sync";
	if (fsync_retry(fd) == -1)
		goto fail;
	step = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	perms_discard(dir, staged);
	return err_set(err, write_status(e),
	    "%s/%s: cannot %s the new file: %s; %s",
	    dir->path, name, step, strerror(e), write_hint(e));
}

int
perms_sync_dir(const struct perms_dir *dir, struct err *err)
{
	if (fsync_retry(dir->fd) == -1)
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
			return mount_point_refused(dir->path, staged->name,
			    err);
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

/* --- files named by the administrator: --output ------------------------- */

/* Is real (a real path) ctl_real or below it? */
static int
path_within(const char *real, const char *ctl_real)
{
	size_t n = strlen(ctl_real);

	if (strcmp(ctl_real, "/") == 0)
		return 1;
	return strncmp(real, ctl_real, n) == 0 &&
	    (real[n] == '\0' || real[n] == '/');
}

/*
 * Is the directory fd (the directory of --output, symlinks followed) the
 * control directory or below it?  By device and inode, fd and each of its
 * parents up to / against the control directory (its fd, or stat of its
 * path): any spelling, a symlink, a bind mount of it.  And by real path.
 */
static int
output_in_ctl(const char *path, int fd, const char *ctl_path, int ctl_fd,
    struct err *err)
{
	char real[PATH_MAX], ctl_real[PATH_MAX];
	struct stat ctl, cur_st, up_st;
	int have_ctl, cur, up, depth, inside = 0;

	have_ctl = ctl_fd != -1 ? fstat(ctl_fd, &ctl) == 0 :
	    ctl_path != NULL && stat(ctl_path, &ctl) == 0;
	if (have_ctl && (cur = openat(fd, ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		for (depth = 0; depth < PATH_MAX / 2 && !inside; depth++) {
			if (fstat(cur, &cur_st) == -1)
				break;
			inside = same_file(&cur_st, &ctl);
			up = openat(cur, "..",
			    O_PATH | O_DIRECTORY | O_CLOEXEC);
			close(cur);
			cur = up;
			if (cur == -1 || fstat(cur, &up_st) == -1 ||
			    same_file(&up_st, &cur_st))
				break;	/* at / */
		}
		if (cur != -1)
			close(cur);
	}
	if (!inside && fd_real_path(fd, real, sizeof(real)) == 0 &&
	    (ctl_fd != -1 ? fd_real_path(ctl_fd, ctl_real, sizeof(ctl_real))
	    == 0 : ctl_path != NULL && realpath(ctl_path, ctl_real) != NULL))
		inside = path_within(real, ctl_real);
	if (!inside)
		return 0;
	return err_set(err, EX_USAGE, "--output %s is in the control directory "
	    "%s: qmail-pem writes no report or request there, where one "
	    "mistyped name would replace a key file; name a file elsewhere",
	    path, ctl_path != NULL ? ctl_path : "(the one opened)");
}

/* A device, FIFO, socket or directory at the name: a rename would put a
 * regular file in its place (--output /dev/null as root replaced it). */
static int
output_name_usable(const struct perms_output *out, struct err *err)
{
	struct stat st;

	if (fstatat(out->dirfd, out->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return err_set(err, EX_CANTCREAT, "--output %s is not a "
		    "regular file (it is %s): qmail-pem replaces the file it "
		    "names; leave out --output to write to standard output "
		    "(and redirect that)", out->path, file_type(st.st_mode));
	return 0;
}

int
perms_output_open(const char *path, const char *ctl_path, int ctl_fd,
    struct perms_output *out, struct err *err)
{
	char dcopy[PATH_MAX], bcopy[PATH_MAX];
	const char *base;
	struct stat followed_st, walked_st;
	int followed = -1, walked = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	out->dirfd = -1;
	if (strlen(path) >= sizeof(dcopy))
		return err_set(err, EX_USAGE, "--output %s: name too long",
		    path);
	snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(dcopy, sizeof(dcopy), "%s", path);
	snprintf(bcopy, sizeof(bcopy), "%s", path);
	snprintf(out->dir, sizeof(out->dir), "%s", dirname(dcopy));
	base = basename(bcopy);
	if (base[0] == '\0' || strcmp(base, "/") == 0 ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    strlen(base) > NAME_MAX - 16)
		return err_set(err, EX_USAGE,
		    "--output %s does not name a file",
		    path);
	snprintf(out->name, sizeof(out->name), "%s", base);

	/* First with symlinks followed, to catch every way of naming the
	 * control directory; then the walk that follows none. */
	followed = open(out->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (followed != -1 &&
	    output_in_ctl(path, followed, ctl_path, ctl_fd, err) == -1)
		goto out;
	if (walk_dirs(out->dir, 0, path, &walked, err) == -1)
		goto out;
	if (followed == -1 || fstat(followed, &followed_st) == -1 ||
	    fstat(walked, &walked_st) == -1 ||
	    !same_file(&followed_st, &walked_st)) {
		err_set(err, EX_TEMPFAIL, "--output %s: the directory %s "
		    "changed while qmail-pem opened it; run again", path,
		    out->dir);
		goto out;
	}
	if ((out->dirfd = openat(walked, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		err_set(err, EX_CANTCREAT, "--output %s: cannot open the "
		    "directory %s: %s", path, out->dir, strerror(errno));
		goto out;
	}
	rc = output_name_usable(out, err);
out:
	if (followed != -1)
		close(followed);
	if (walked != -1)
		close(walked);
	if (rc == -1)
		perms_output_close(out);
	return rc;
}

int
perms_output_write(const struct perms_output *out, const void *data,
    size_t len, struct err *err)
{
	char tmp[NAME_MAX + 1];
	const char *step;
	int fd, e;

	if (output_name_usable(out, err) == -1)
		return -1;
	if ((fd = open_temp(out->dirfd, ".", out->name, ".tmp", tmp,
	    sizeof(tmp), &step)) == -1)
		return err_set(err, strcmp(step, "getrandom") == 0 ? EX_OSERR :
		    EX_CANTCREAT, "--output %s: cannot create a temp file in "
		    "%s: %s%s", out->path, out->dir, strcmp(step, "getrandom")
		    == 0 ? "getrandom: " : "", strerror(errno));
	if (fchmod(fd, 0644) == -1 || write_all(fd, data, len) == -1 ||
	    fsync_retry(fd) == -1) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		e = errno;
		goto fail;
	}
	if (renameat(out->dirfd, tmp, out->dirfd, out->name) == -1) {
		e = errno;
		(void)unlinkat(out->dirfd, tmp, 0);
		if (e == EBUSY)
			return mount_point_refused(out->dir, out->name, err);
		return err_set(err, EX_CANTCREAT, "--output %s: cannot rename "
		    "the temp file into place: %s", out->path, strerror(e));
	}
	(void)fsync_retry(out->dirfd);
	return 0;
fail:
	(void)unlinkat(out->dirfd, tmp, 0);
	return err_set(err, EX_IOERR, "--output %s: cannot write %s/%s: %s",
	    out->path, out->dir, tmp, strerror(e));
}

void
perms_output_close(struct perms_output *out)
{
	if (out->dirfd != -1)
		close(out->dirfd);
	out->dirfd = -1;
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
