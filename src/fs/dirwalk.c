/*
 * dirwalk.c: a path walked one component at a time, following no
 * symlink: the safety walk of the control directory (OpenSSH and Postfix
 * rules for every component), and the walk of --output's directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fs/dirwalk.h"

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

/*
 * Walk path one component at a time from / (a relative path from the
 * working directory) with openat(O_PATH|O_DIRECTORY|O_NOFOLLOW): a symlink
 * anywhere in it is never followed.  safe: path is a real path and every
 * component must pass check_component(); else (output): "." and ".." are
 * walked as they come, a symlink is refused naming it, and option is the
 * path as given, for messages.  *fdp: an O_PATH descriptor of the last
 * directory.
 */
int
dirwalk(const char *path, int safe, const char *option, int *fdp,
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
