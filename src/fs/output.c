/*
 * output.c: a file named by the administrator for a report or a request
 * (verify --output, csr --output): where it may be, and writing it with
 * the writer of perms.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fs/dirwalk.h"
#include "fs/output.h"

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
			inside = perms_same_file(&cur_st, &ctl);
			up = openat(cur, "..",
			    O_PATH | O_DIRECTORY | O_CLOEXEC);
			close(cur);
			cur = up;
			if (cur == -1 || fstat(cur, &up_st) == -1 ||
			    perms_same_file(&up_st, &cur_st))
				break;	/* at / */
		}
		if (cur != -1)
			close(cur);
	}
	if (!inside && perms_real_path(fd, real, sizeof(real)) == 0 &&
	    (ctl_fd != -1 ? perms_real_path(ctl_fd, ctl_real, sizeof(ctl_real))
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
output_name_usable(const struct output *out, struct err *err)
{
	struct stat st;

	if (fstatat(out->dirfd, out->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return err_set(err, EX_CANTCREAT, "--output %s is not a "
		    "regular file (it is %s): qmail-pem replaces the file it "
		    "names; leave out --output to write to standard output "
		    "(and redirect that)", out->path,
		    perms_file_type(st.st_mode));
	return 0;
}

int
output_open(const char *path, const char *ctl_path, int ctl_fd,
    struct output *out, struct err *err)
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
	if (dirwalk(out->dir, 0, path, &walked, err) == -1)
		goto out;
	if (followed == -1 || fstat(followed, &followed_st) == -1 ||
	    fstat(walked, &walked_st) == -1 ||
	    !perms_same_file(&followed_st, &walked_st)) {
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
		output_close(out);
	return rc;
}

int
output_write(const struct output *out, const void *data, size_t len,
    struct err *err)
{
	char tmp[NAME_MAX + 1];
	const char *step;
	int e, nornd;

	if (output_name_usable(out, err) == -1)
		return -1;
	/* Mode 0644, so that a collector running as another user can read
	 * it; a Prometheus textfile collector reads only *.prom. */
	if (perms_write_temp(out->dirfd, ".", out->name, ".tmp", data, len,
	    NULL, 0644, tmp, sizeof(tmp), &step) == -1) {
		e = errno;
		nornd = strcmp(step, "getrandom") == 0;
		if (nornd || strcmp(step, "create") == 0)
			return err_set(err, nornd ? EX_OSERR : EX_CANTCREAT,
			    "--output %s: cannot create a temp file in %s: "
			    "%s%s", out->path, out->dir,
			    nornd ? "getrandom: " : "", strerror(e));
		return err_set(err, EX_IOERR, "--output %s: cannot write "
		    "%s/%s: %s", out->path, out->dir, tmp, strerror(e));
	}
	if (renameat(out->dirfd, tmp, out->dirfd, out->name) == -1) {
		e = errno;
		(void)unlinkat(out->dirfd, tmp, 0);
		if (e == EBUSY)
			return perms_mount_point_refused(out->dir, out->name,
			    err);
		return err_set(err, EX_CANTCREAT, "--output %s: cannot rename "
		    "the temp file into place: %s", out->path, strerror(e));
	}
	(void)perms_fsync(out->dirfd);
	return 0;
}

void
output_close(struct output *out)
{
	if (out->dirfd != -1)
		close(out->dirfd);
	out->dirfd = -1;
}
