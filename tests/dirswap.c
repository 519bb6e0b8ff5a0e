/*
 * dirswap.c: an LD_PRELOAD library for t_dir_swap.sh, which makes the race
 * of a control directory swapped for a symlink deterministic.
 *
 * After the first successful open, openat (relative to the working
 * directory), lstat or stat of exactly the path in QP_SWAP_DIR, it
 * exchanges that path with QP_SWAP_LINK, a prepared symlink, with
 * renameat2(RENAME_EXCHANGE), once: from then on QP_SWAP_DIR is the symlink
 * and the directory lives on under the other name.  It appends
 * "swapped after CALL" (or why it could not) to the file QP_SWAP_LOG.
 *
 * qmail-pem calls these through the PLT (nm -u build/qmail-pem: open,
 * openat, lstat, stat; no __open_2 from fortify), so interposing them here
 * sees every call it makes by path.  Calls glibc makes internally (the
 * lstat and readlink of realpath) are not seen, nor need they be: the
 * first look at the path is enough to start the race.
 *
 * (_GNU_SOURCE, for RTLD_NEXT and renameat2, comes from CMakeLists.txt.)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
int lstat(const char *path, struct stat *st);
int stat(const char *path, struct stat *st);

static int swapped;

/* A line to QP_SWAP_LOG, by system call (not through the wrappers). */
static void
note(const char *line)
{
	const char *log = getenv("QP_SWAP_LOG");
	long fd;

	if (log == NULL)
		return;
	fd = syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)syscall(SYS_write, (int)fd, line, strlen(line));
	(void)syscall(SYS_close, (int)fd);
}

static void
maybe_swap(const char *call, const char *path, int succeeded)
{
	const char *dir = getenv("QP_SWAP_DIR"), *link = getenv("QP_SWAP_LINK");
	char line[256];
	int saved = errno;

	if (swapped || !succeeded || dir == NULL || link == NULL ||
	    path == NULL || strcmp(path, dir) != 0)
		return;
	swapped = 1;
	if (renameat2(AT_FDCWD, dir, AT_FDCWD, link, RENAME_EXCHANGE) == 0)
		snprintf(line, sizeof(line), "swapped after %s\n", call);
	else
		snprintf(line, sizeof(line), "renameat2 after %s failed: %s\n",
		    call, strerror(errno));
	note(line);
	errno = saved;
}

static void *
real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (next == NULL)
		next = (int (*)(const char *, int, ...))real("open");
	fd = next(path, flags, mode);
	maybe_swap("open", path, fd != -1);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (next == NULL)
		next = (int (*)(const char *, int, ...))real("open64");
	fd = next(path, flags, mode);
	maybe_swap("open64", path, fd != -1);
	return fd;
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	static int (*next)(int, const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (next == NULL)
		next = (int (*)(int, const char *, int, ...))real("openat");
	fd = next(dirfd, path, flags, mode);
	if (dirfd == AT_FDCWD || path[0] == '/')
		maybe_swap("openat", path, fd != -1);
	return fd;
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	static int (*next)(int, const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (next == NULL)
		next = (int (*)(int, const char *, int, ...))real("openat64");
	fd = next(dirfd, path, flags, mode);
	if (dirfd == AT_FDCWD || path[0] == '/')
		maybe_swap("openat64", path, fd != -1);
	return fd;
}

int
lstat(const char *path, struct stat *st)
{
	static int (*next)(const char *, struct stat *);
	int rc;

	if (next == NULL)
		next = (int (*)(const char *, struct stat *))real("lstat");
	rc = next(path, st);
	maybe_swap("lstat", path, rc == 0);
	return rc;
}

int
stat(const char *path, struct stat *st)
{
	static int (*next)(const char *, struct stat *);
	int rc;

	if (next == NULL)
		next = (int (*)(const char *, struct stat *))real("stat");
	rc = next(path, st);
	maybe_swap("stat", path, rc == 0);
	return rc;
}
