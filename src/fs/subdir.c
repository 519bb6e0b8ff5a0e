/*
 * subdir.c: a directory inside a safe directory, opened (and made) by the
 * rules of the control directory itself (subdir.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fs/subdir.h"

static int
open_at(int dfd, const char *name)
{
	int fd;

	while ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 && errno == EINTR)
		;
	return fd;
}

/* Safe as the control directory is: root's, written by root alone. */
static int
check_safe(const char *shown, int fd, struct err *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return err_set(err, EX_OSERR, "cannot examine %s: %s", shown,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(err, EX_NOPERM, "%s is not a directory", shown);
	if (st.st_uid != 0)
		return err_set(err, EX_NOPERM, "unsafe directory %s: owned by "
		    "uid %u, not root; fix with: chown root %s", shown,
		    (unsigned)st.st_uid, shown);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return err_set(err, EX_NOPERM, "unsafe directory %s: writable "
		    "by %s; fix with: chmod go-w %s", shown,
		    (st.st_mode & S_IWOTH) ? "others" : "its group", shown);
	return 0;
}

/* Why name could not be opened: a symlink or another kind of file. */
static int
open_failed(const struct perms_dir *parent, const char *name,
    const char *shown, int errnum, struct err *err)
{
	struct stat st;

	if ((errnum == ELOOP || errnum == ENOTDIR) &&
	    fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return err_set(err, EX_NOPERM, "%s is a symlink: "
			    "qmail-pem does not write through links; make it "
			    "a directory of its own (root:root 0755)", shown);
		return err_set(err, EX_NOPERM, "%s is %s, not a directory: "
		    "move it away", shown, perms_file_type(st.st_mode));
	}
	return err_set(err, errnum == EACCES || errnum == EPERM ? EX_NOPERM :
	    EX_NOINPUT, "cannot open %s: %s", shown, strerror(errnum));
}

/* A new directory, root:root 0755 before anything is put in it. */
static int
make_dir(const struct perms_dir *parent, const char *name, const char *shown,
    int *fdp, struct err *err)
{
	int fd;

	*fdp = -1;
	if (mkdirat(parent->fd, name, 0700) == -1)
		return errno == EEXIST ? 0 : err_set(err, errno == EACCES ||
		    errno == EPERM || errno == EROFS ? EX_NOPERM : EX_CANTCREAT,
		    "cannot create %s: %s", shown, strerror(errno));
	if ((fd = open_at(parent->fd, name)) == -1)
		return open_failed(parent, name, shown, errno, err);
	if (fchown(fd, 0, 0) == -1 || fchmod(fd, 0755) == -1) {
		err_set(err, EX_NOPERM, "cannot make %s root:root 0755: %s",
		    shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (fsync(parent->fd) == -1 && errno != EINVAL) {
		err_set(err, EX_IOERR, "cannot sync %s: %s", parent->path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

int
perms_open_subdir(const struct perms_dir *parent, const char *name,
    int create, struct perms_dir *out, struct err *err)
{
	int fd = -1;

	out->fd = -1;
	out->real[0] = '\0';
	if (snprintf(out->path, sizeof(out->path), "%s/%s", parent->path,
	    name) >= (int)sizeof(out->path) || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || !name[0])
		return err_set(err, EX_USAGE, "'%s' is not a directory name "
		    "qmail-pem makes", name);
	if (create && make_dir(parent, name, out->path, &fd, err) == -1)
		return -1;
	if (fd == -1 && (fd = open_at(parent->fd, name)) == -1) {
		if (errno == ENOENT)
			return 0;
		return open_failed(parent, name, out->path, errno, err);
	}
	if (check_safe(out->path, fd, err) == -1 ||
	    perms_real_path(fd, out->real, sizeof(out->real)) == -1) {
		if (!err->text[0])
			err_set(err, EX_OSERR, "%s: cannot find its real path: "
			    "%s", out->path, strerror(errno));
		close(fd);
		return -1;
	}
	out->fd = fd;
	return 1;
}

int
perms_absent_subdir(const char *shown, struct perms_dir *out, struct err *err)
{
	char tmp[] = "/tmp/qmail-pem-dry-run.XXXXXX";
	int fd;

	out->fd = -1;
	out->real[0] = '\0';
	snprintf(out->path, sizeof(out->path), "%s", shown);
	if (mkdtemp(tmp) == NULL)
		return err_set(err, EX_CANTCREAT, "%s does not exist, and the "
		    "dry run cannot make an empty directory in /tmp to plan "
		    "in: %s", shown, strerror(errno));
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rmdir(tmp) == -1 || fd == -1) {
		err_set(err, EX_OSERR, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	out->fd = fd;
	return 0;
}
