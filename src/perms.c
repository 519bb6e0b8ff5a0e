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
#include <grp.h>
#include <limits.h>
#include <pwd.h>
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

#include "fileacl.h"
#include "msg.h"
#include "perms.h"

#define TEMP_PREFIX	".qmail-pem-tmp."

static int
write_status(int err)
{
	return (err == ENOSPC || err == EDQUOT || err == EIO) ?
	    EX_IOERR : EX_CANTCREAT;
}

static const char *
write_hint(int err)
{
	switch (err) {
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
check_component(const char *shown, const struct stat *st, int is_last)
{
	if (!S_ISDIR(st->st_mode))
		return msg_fail(EX_NOINPUT, "%s is not a directory", shown);
	if (st->st_uid != 0)
		return msg_fail(EX_NOPERM, "unsafe directory %s: owned by uid %u, "
		    "not root; fix with: chown root %s", shown,
		    (unsigned)st->st_uid, shown);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if (!is_last && (st->st_mode & S_ISVTX))
		return 0;	/* root-owned sticky dir, such as /tmp */
	return msg_fail(EX_NOPERM, "unsafe directory %s: writable by %s; fix with: "
	    "chmod go-w %s", shown,
	    (st->st_mode & S_IWOTH) ? "others" : "its group", shown);
}

int
perms_open_dir(const char *path, struct perms_dir *dir)
{
	char resolved[PATH_MAX], shown[PATH_MAX], *comp, *save = NULL;
	struct stat st;
	int fd = -1, next;

	dir->fd = -1;
	snprintf(dir->path, sizeof(dir->path), "%s", path);
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return msg_fail(EX_NOINPUT, "control directory %s does "
			    "not exist: create it (mkdir -m 755 %s) or pass "
			    "the right one with -d", path, path);
		return msg_fail(EX_NOINPUT, "cannot examine %s: %s", path,
		    strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		if (realpath(path, target) == NULL)
			snprintf(target, sizeof(target), "(unresolvable)");
		return msg_fail(EX_NOPERM, "control directory %s is a symlink "
		    "to %s: qmail-pem does not write through links; pass the "
		    "real directory with -d %s", path, target, target);
	}
	if (!S_ISDIR(st.st_mode))
		return msg_fail(EX_NOINPUT, "%s is not a directory: pass the "
		    "qmail control directory with -d", path);
	if (realpath(path, resolved) == NULL)
		return msg_fail(EX_NOINPUT, "cannot resolve %s: %s", path,
		    strerror(errno));

	/* Walk down from / with O_NOFOLLOW: nothing can be swapped under us. */
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		msg_fail(EX_OSERR, "cannot open /: %s", strerror(errno));
		goto fail;
	}
	if (check_component("/", &st, strcmp(resolved, "/") == 0) == -1)
		goto fail;
	shown[0] = '\0';
	for (comp = strtok_r(resolved, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		size_t used = strlen(shown);
		snprintf(shown + used, sizeof(shown) - used, "/%s", comp);
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1) {
			msg_fail(EX_NOPERM, "cannot open %s safely: %s "
			    "(a component changed or is a symlink)", shown,
			    strerror(errno));
			goto fail;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) == -1) {
			msg_fail(EX_OSERR, "cannot examine %s: %s", shown,
			    strerror(errno));
			goto fail;
		}
		/* The last component has no sticky exception. */
		if (check_component(shown, &st, save == NULL || *save == '\0')
		    == -1)
			goto fail;
	}
	dir->fd = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
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
perms_lock_dir(const struct perms_dir *dir, int timeout)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	long waited_ms = 0;

	for (;;) {
		if (flock(dir->fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return msg_fail(EX_OSERR, "%s: cannot lock the directory: "
			    "%s", dir->path, strerror(errno));
		if (waited_ms >= (long)timeout * 1000)
			return msg_fail(EX_TEMPFAIL, "%s: another qmail-pem is "
			    "writing here (waited %d s for its lock); run again "
			    "when it has finished", dir->path, timeout);
		nanosleep(&pause, NULL);
		waited_ms += 100;
	}
}

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
perms_lookup_user(const char *name, uid_t *uid, gid_t *primary_gid)
{
	struct passwd *pw;
	unsigned long id;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL && parse_id(name, &id) == 0)
		pw = getpwuid((uid_t)id);
	if (pw == NULL)
		return msg_fail(EX_NOUSER, "user %s does not exist on this "
		    "system", name);
	*uid = pw->pw_uid;
	if (primary_gid)
		*primary_gid = pw->pw_gid;
	return 0;
}

int
perms_lookup_group(const char *name, gid_t *gid)
{
	struct group *gr;
	unsigned long id;

	errno = 0;
	gr = getgrnam(name);
	if (gr == NULL && parse_id(name, &id) == 0)
		gr = getgrgid((gid_t)id);
	if (gr == NULL)
		return msg_fail(EX_NOUSER, "group %s does not exist on this "
		    "system", name);
	*gid = gr->gr_gid;
	return 0;
}

int
perms_stat(const struct perms_dir *dir, const char *name, struct stat *st)
{
	if (fstatat(dir->fd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return msg_fail(EX_NOINPUT, "%s/%s: cannot examine: %s", dir->path,
	    name, strerror(errno));
}

int
perms_readlink(const struct perms_dir *dir, const char *name, char *buf,
    size_t size)
{
	ssize_t n;

	n = readlinkat(dir->fd, name, buf, size - 1);
	if (n == -1)
		return msg_fail(EX_NOINPUT, "%s/%s: cannot read the symlink: %s",
		    dir->path, name, strerror(errno));
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
grew_while_read(int fd, const char *shown, const struct stat *st)
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
		return msg_fail(EX_DATAERR, "%s is not a regular file on disk "
		    "(%s%s: its size says %lld bytes, but reading it yields "
		    "more): qmail-pem reads keys and certificates from files; "
		    "name the file that holds them", shown, fs ? "a file of " :
		    "a file of a pseudo file system such as procfs or sysfs",
		    fs ? fs : "", (long long)st->st_size);
	return msg_fail(EX_TEMPFAIL, "%s changed while it was read; run "
	    "again", shown);
}

/* Read an already opened file, which must be regular and not too large. */
static int
read_fd(int fd, const char *shown, char **data, size_t *len, struct stat *st)
{
	char *buf = NULL;
	size_t used = 0, cap;
	ssize_t n;

	if (fstat(fd, st) == -1)
		return msg_fail(EX_NOINPUT, "%s: cannot examine: %s", shown,
		    strerror(errno));
	if (!S_ISREG(st->st_mode))
		return msg_fail(EX_DATAERR, "%s is %s, not a regular file: "
		    "remove it or name the right file", shown,
		    file_type(st->st_mode));
	if (st->st_size > PERMS_MAX_FILE)
		return msg_fail(EX_DATAERR, "%s is too large (%lld bytes) to be "
		    "a key and certificate file", shown,
		    (long long)st->st_size);
	cap = (size_t)st->st_size + 1;
	if ((buf = malloc(cap + 1)) == NULL)
		return msg_fail(EX_OSERR, "out of memory reading %s", shown);
	for (;;) {
		n = read(fd, buf + used, cap - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;
			perms_free_secret(buf, cap + 1);
			return msg_fail(EX_IOERR, "%s: read error: %s", shown,
			    strerror(e));
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == cap) {	/* more than st_size */
			perms_free_secret(buf, cap + 1);
			return grew_while_read(fd, shown, st);
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
refuse_before_open(const char *shown, const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	return msg_fail(EX_DATAERR, "%s is %s, not a regular file: remove it "
	    "or name the right file", shown, file_type(st->st_mode));
}

/* The descriptor read is the file examined before the open. */
static int
same_file(const char *shown, const struct stat *before,
    const struct stat *after)
{
	if (before->st_dev == after->st_dev && before->st_ino == after->st_ino)
		return 0;
	return msg_fail(EX_TEMPFAIL, "%s changed while it was read; run "
	    "again", shown);
}

int
perms_read_file(const struct perms_dir *dir, const char *name, char **data,
    size_t *len, struct stat *st)
{
	char shown[PATH_MAX];
	struct stat before;
	int fd, rc;

	snprintf(shown, sizeof(shown), "%s/%s", dir->path, name);
	if (fstatat(dir->fd, name, &before, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISLNK(before.st_mode) && refuse_before_open(shown, &before)
	    == -1)
		return -1;
	do
		fd = openat(dir->fd, name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1) {
		if (errno == ELOOP)
			return msg_fail(EX_DATAERR, "%s is a symlink; qmail-pem "
			    "does not follow links in the control directory",
			    shown);
		if (errno == EACCES)
			return msg_fail(EX_NOPERM, "cannot open %s: %s; run "
			    "qmail-pem as root", shown, strerror(errno));
		return msg_fail(errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
		    "cannot open %s: %s", shown, strerror(errno));
	}
	rc = read_fd(fd, shown, data, len, st);
	close(fd);
	return rc;
}

int
perms_read_path(const char *path, char **data, size_t *len)
{
	struct stat before, st;
	int fd, rc;

	if (stat(path, &before) == -1)
		return msg_fail(errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
		    "cannot open %s: %s", path, strerror(errno));
	if (refuse_before_open(path, &before) == -1)
		return -1;
	do
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return msg_fail(errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
		    "cannot open %s: %s", path, strerror(errno));
	rc = read_fd(fd, path, data, len, &st);
	close(fd);
	if (rc == 0 && same_file(path, &before, &st) == -1) {
		perms_free_secret(*data, *len + 1);
		*data = NULL;
		*len = 0;
		return -1;
	}
	return rc;
}

void
perms_free_secret(char *data, size_t len)
{
	if (data == NULL)
		return;
	explicit_bzero(data, len);
	free(data);
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

int
perms_stage(const struct perms_dir *dir, const char *name, const void *data,
    size_t len, const struct perms_target *target, struct perms_staged *staged)
{
	unsigned char rnd[6];
	const char *step;
	int fd = -1, tries, e;

	memset(staged, 0, sizeof(*staged));
	snprintf(staged->name, sizeof(staged->name), "%s", name);
	for (tries = 0; tries < 16; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			if (errno == EINTR)
				continue;
			return msg_fail(EX_OSERR, "%s/%s: cannot make a "
			    "temporary file name: getrandom: %s", dir->path,
			    name, strerror(errno));
		}
		snprintf(staged->tmpname, sizeof(staged->tmpname),
		    TEMP_PREFIX "%s.%02x%02x%02x%02x%02x%02x", name, rnd[0],
		    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		fd = openat(dir->fd, staged->tmpname, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || (errno != EEXIST && errno != EINTR))
			break;
	}
	if (fd == -1) {
		e = errno;
		return msg_fail(write_status(e), "%s/%s: cannot create a "
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
	return msg_fail(write_status(e), "%s/%s: cannot %s the new file: %s; %s",
	    dir->path, name, step, strerror(e), write_hint(e));
}

int
perms_sync_dir(const struct perms_dir *dir)
{
	if (fsync_retry(dir->fd) == -1)
		return msg_fail(EX_IOERR, "%s: cannot sync the directory: %s; "
		    "the files are in place but may not survive a crash",
		    dir->path, strerror(errno));
	return 0;
}

int
perms_commit(const struct perms_dir *dir, struct perms_staged *staged)
{
	int e;

	if (renameat(dir->fd, staged->tmpname, dir->fd, staged->name) == -1) {
		e = errno;
		perms_discard(dir, staged);
		return msg_fail(write_status(e), "%s/%s: cannot move the new file "
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
    const void *data, size_t len, const struct perms_target *target)
{
	struct perms_staged staged;

	if (perms_stage(dir, name, data, len, target, &staged) == -1)
		return -1;
	if (perms_commit(dir, &staged) == -1)
		return -1;
	return perms_sync_dir(dir);
}

int
perms_fix_in_place(const struct perms_dir *dir, const char *name,
    const struct perms_target *target)
{
	struct stat st;
	const char *step;
	int fd, e;

	while ((fd = openat(dir->fd, name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1 && errno == EINTR)
		;
	if (fd == -1)
		return msg_fail(EX_CANTCREAT, "%s/%s: cannot open to fix its "
		    "owner and mode: %s", dir->path, name, strerror(errno));
	step = "examine";
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return msg_fail(EX_CANTCREAT, "%s/%s changed while qmail-pem "
		    "ran; run again", dir->path, name);
	}
	step = "narrow the mode of";
	if (fchmod(fd, st.st_mode & target->mode & 0600) == -1)
		goto fail;
	step = "set the owner of";
	if (fchown(fd, target->uid, target->gid) == -1)
		goto fail;
	step = "set the mode of";
	if (fchmod(fd, target->mode) == -1)
		goto fail;
	step = "remove the extended ACL entries of";
	if (fileacl_set_minimal(fd, target->mode) == -1)
		goto fail;
	step = "sync";
	if (fsync_retry(fd) == -1)
		goto fail;
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	return msg_fail(write_status(e), "%s/%s: cannot %s the file: %s; %s",
	    dir->path, name, step, strerror(e), write_hint(e));
}

int
perms_copy_symlink(const struct perms_dir *dir, const char *name,
    const char *linktarget, uid_t uid, gid_t gid)
{
	int e;

	if (symlinkat(linktarget, dir->fd, name) == -1) {
		e = errno;
		return msg_fail(write_status(e), "%s/%s: cannot record the "
		    "symlink: %s; %s", dir->path, name, strerror(e),
		    write_hint(e));
	}
	if (fchownat(dir->fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
		e = errno;
		(void)unlinkat(dir->fd, name, 0);
		return msg_fail(write_status(e), "%s/%s: cannot set the owner "
		    "of the symlink: %s", dir->path, name, strerror(e));
	}
	return 0;
}

int
perms_unlink(const struct perms_dir *dir, const char *name)
{
	while (unlinkat(dir->fd, name, 0) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT)
			return 0;
		return msg_fail(write_status(errno), "%s/%s: cannot remove: %s",
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
	struct passwd *pw = getpwuid(uid);
	struct group *gr = getgrgid(gid);
	char u[32], g[32];

	snprintf(u, sizeof(u), "%u", (unsigned)uid);
	snprintf(g, sizeof(g), "%u", (unsigned)gid);
	snprintf(buf, size, "%s:%s %04o", pw ? pw->pw_name : u,
	    gr ? gr->gr_name : g, (unsigned)(mode & 07777));
	return buf;
}
