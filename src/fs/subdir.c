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

#include "fs/dirnames.h"
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
		(void)unlinkat(parent->fd, name, AT_REMOVEDIR);	/* empty */
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

static int
open_subdir(const struct perms_dir *parent, const char *name, int create,
    struct perms_dir *out, int *made, struct err *err)
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
	*made = fd != -1;
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
perms_open_subdir(const struct perms_dir *parent, const char *name,
    int create, struct perms_dir *out, struct err *err)
{
	int made;

	return open_subdir(parent, name, create, out, &made, err);
}

int
perms_make_subdir(const struct perms_dir *parent, const char *name,
    struct perms_dir *out, int *made, struct err *err)
{
	int rc;

	*made = 0;
	if ((rc = open_subdir(parent, name, 1, out, made, err)) == 0)
		return err_set(err, EX_TEMPFAIL, "%s was removed while it was "
		    "being made; run again", out->path);
	return rc;
}

int
perms_remove_subdir(const struct perms_dir *parent, const char *name,
    const struct perms_dir *made, struct err *err)
{
	struct stat mine, now;

	if (fstat(made->fd, &mine) == -1)
		return err_set(err, EX_OSERR, "cannot examine %s: %s",
		    made->path, strerror(errno));
	if (fstatat(parent->fd, name, &now, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : err_set(err, EX_OSERR, "cannot "
		    "examine %s: %s", made->path, strerror(errno));
	if (now.st_dev != mine.st_dev || now.st_ino != mine.st_ino)
		return 0;
	if (unlinkat(parent->fd, name, AT_REMOVEDIR) == -1)
		return errno == ENOTEMPTY || errno == EEXIST ? 0 : err_set(err,
		    EX_IOERR, "cannot remove %s: %s", made->path,
		    strerror(errno));
	if (fsync(parent->fd) == -1 && errno != EINVAL)
		return err_set(err, EX_IOERR, "cannot sync %s: %s",
		    parent->path, strerror(errno));
	return 1;
}

int
perms_subdir_empty(const struct perms_dir *dir, struct err *err)
{
	struct dirnames names;
	struct stat st;
	int empty;

	if (fstat(dir->fd, &st) == -1)
		return err_set(err, EX_OSERR, "cannot examine %s: %s",
		    dir->path, strerror(errno));
	if (st.st_nlink == 0)
		return 0;
	if (dirnames_list(dir->fd, dir->path, NULL, 1, &names, err) == -1)
		return -1;
	empty = names.n == 0;
	dirnames_free(&names);
	return empty;
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
