/* wrap: openat fchown fchmod write fsync renameat */
/*
 * unit_perms.c: directory safety, atomic writes and output files.
 *
 * Runs as root (it chowns to uids that do not exist).  The wrapped system
 * calls pass through to the real ones; a test can record their order, or
 * arm one to fail once with the errno it queues with will_return().
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "base/userdb.h"
#include "fs/output.h"
#include "fs/readfile.h"
#include "perms.h"

/* What the last call that failed recorded. */
static struct err err;

#define OTHER_UID	12345
#define OTHER_GID	12346

int __real_openat(int, const char *, int, ...);
int __real_fchown(int, uid_t, gid_t);
int __real_fchmod(int, mode_t);
ssize_t __real_write(int, const void *, size_t);
int __real_fsync(int);
int __real_renameat(int, const char *, int, const char *);

int __wrap_openat(int, const char *, int, ...);
int __wrap_fchown(int, uid_t, gid_t);
int __wrap_fchmod(int, mode_t);
ssize_t __wrap_write(int, const void *, size_t);
int __wrap_fsync(int);
int __wrap_renameat(int, const char *, int, const char *);

/* One recorded system call. */
struct event {
	char	call[16];
	int	fd;
	int	flags;
	long	arg;		/* mode, uid */
	long	arg2;		/* gid */
	char	name[256];
};

static struct event events[64];
static int nevents, recording;
static int fail_openat, fail_fchown, fail_fchmod, fail_write, fail_fsync;
static int fail_renameat;
static char base[64];		/* root-owned 0755 scratch directory */

static struct event *
record(const char *call, int fd)
{
	struct event *e;

	if (!recording || nevents == (int)(sizeof(events) / sizeof(events[0])))
		return NULL;
	e = &events[nevents++];
	memset(e, 0, sizeof(*e));
	snprintf(e->call, sizeof(e->call), "%s", call);
	e->fd = fd;
	return e;
}

/* An armed wrapper fails once, with the errno the test queued. */
static int
injected(int *armed, int mocked_errno)
{
	*armed = 0;
	errno = mocked_errno;
	return -1;
}

int
__wrap_openat(int dirfd, const char *path, int flags, ...)
{
	struct event *e;
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if ((e = record("openat", dirfd)) != NULL) {
		e->flags = flags;
		e->arg = (long)mode;
		snprintf(e->name, sizeof(e->name), "%s", path);
	}
	if (fail_openat)
		return injected(&fail_openat, mock_type(int));
	return __real_openat(dirfd, path, flags, mode);
}

int
__wrap_fchown(int fd, uid_t uid, gid_t gid)
{
	struct event *e;

	if ((e = record("fchown", fd)) != NULL) {
		e->arg = (long)uid;
		e->arg2 = (long)gid;
	}
	if (fail_fchown)
		return injected(&fail_fchown, mock_type(int));
	return __real_fchown(fd, uid, gid);
}

int
__wrap_fchmod(int fd, mode_t mode)
{
	struct event *e;

	if ((e = record("fchmod", fd)) != NULL)
		e->arg = (long)mode;
	if (fail_fchmod)
		return injected(&fail_fchmod, mock_type(int));
	return __real_fchmod(fd, mode);
}

ssize_t
__wrap_write(int fd, const void *buf, size_t len)
{
	record("write", fd);
	if (fail_write)
		return injected(&fail_write, mock_type(int));
	return __real_write(fd, buf, len);
}

int
__wrap_fsync(int fd)
{
	record("fsync", fd);
	if (fail_fsync)
		return injected(&fail_fsync, mock_type(int));
	return __real_fsync(fd);
}

int
__wrap_renameat(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath)
{
	struct event *e;

	if ((e = record("renameat", olddirfd)) != NULL)
		snprintf(e->name, sizeof(e->name), "%s", newpath);
	if (fail_renameat)
		return injected(&fail_renameat, mock_type(int));
	return __real_renameat(olddirfd, oldpath, newdirfd, newpath);
}

/* --- scratch files ---------------------------------------------------- */

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/qp-unit-perms.XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) == -1)
		return -1;
	nevents = recording = 0;
	fail_openat = fail_fchown = fail_fchmod = fail_write = 0;
	fail_fsync = fail_renameat = 0;
	err_clear(&err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	recording = 0;
	return nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
path_in(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", base, rel);
}

static void
make_dir(const char *rel, uid_t uid, mode_t mode)
{
	char p[256];

	path_in(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chown(p, uid, 0), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void
make_file(const char *rel, const char *content, mode_t mode)
{
	char p[256];
	FILE *fp;

	path_in(p, sizeof(p), rel);
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* The whole file, NUL-terminated, in a static buffer. */
static const char *
slurp(const char *rel)
{
	static char buf[4096];
	char p[256];
	size_t n;
	FILE *fp;

	path_in(p, sizeof(p), rel);
	assert_non_null(fp = fopen(p, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static struct stat
lstat_in(const char *rel)
{
	struct stat st;
	char p[256];

	path_in(p, sizeof(p), rel);
	assert_int_equal(lstat(p, &st), 0);
	return st;
}

static int
exists_in(const char *rel)
{
	struct stat st;
	char p[256];

	path_in(p, sizeof(p), rel);
	return lstat(p, &st) == 0;
}

/* Number of temp files qmail-pem left in directory rel. */
static int
count_temps(const char *rel)
{
	struct dirent *de;
	char p[256];
	DIR *d;
	int n = 0;

	path_in(p, sizeof(p), rel);
	assert_non_null(d = opendir(p));
	while ((de = readdir(d)) != NULL)
		if (perms_is_temp_name(de->d_name))
			n++;
	closedir(d);
	return n;
}

static void
open_ctl(const char *rel, struct perms_dir *dir)
{
	char p[256];

	path_in(p, sizeof(p), rel);
	assert_int_equal(perms_open_dir(p, dir, &err), 0);
}

static void
assert_refused(const char *rel, int status, const char *named,
    const char *why)
{
	struct perms_dir dir;
	char p[256];

	path_in(p, sizeof(p), rel);
	assert_int_equal(perms_open_dir(p, &dir, &err), -1);
	assert_int_equal(dir.fd, -1);
	assert_int_equal(err.status, status);
	assert_non_null(strstr(err.text, named));
	assert_non_null(strstr(err.text, why));
}

/* --- directory safety --------------------------------------------------- */

static void
test_dir_root_0755_is_safe(void **state)
{
	struct perms_dir dir;
	struct stat st;

	(void)state;
	make_dir("ctl", 0, 0755);
	open_ctl("ctl", &dir);
	assert_true(dir.fd >= 0);
	assert_int_equal(fstat(dir.fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_ino, lstat_in("ctl").st_ino);
	perms_close_dir(&dir);
	assert_int_equal(dir.fd, -1);
}

static void
test_dir_group_or_other_writable_is_refused(void **state)
{
	char p[256];

	(void)state;
	make_dir("gw", 0, 0775);
	path_in(p, sizeof(p), "gw");
	assert_refused("gw", EX_NOPERM, p, "writable by its group");
	make_dir("ow", 0, 0757);
	path_in(p, sizeof(p), "ow");
	assert_refused("ow", EX_NOPERM, p, "writable by others");
}

static void
test_dir_parent_owned_by_other_uid_is_refused(void **state)
{
	char p[256];

	(void)state;
	make_dir("parent", OTHER_UID, 0755);
	make_dir("parent/ctl", 0, 0755);
	path_in(p, sizeof(p), "parent");
	assert_refused("parent/ctl", EX_NOPERM, p, "owned by uid 12345");
	/* The message names the parent, not the control directory. */
	assert_null(strstr(err.text, "parent/ctl"));
}

static void
test_dir_itself_owned_by_other_uid_is_refused(void **state)
{
	char p[256];

	(void)state;
	make_dir("ctl", OTHER_UID, 0755);
	path_in(p, sizeof(p), "ctl");
	assert_refused("ctl", EX_NOPERM, p, "not root");
}

static void
test_dir_under_root_sticky_parent_is_safe(void **state)
{
	struct perms_dir dir;
	char p[256];

	(void)state;
	make_dir("sticky", 0, 01777);
	make_dir("sticky/ctl", 0, 0755);
	open_ctl("sticky/ctl", &dir);
	perms_close_dir(&dir);
	/* The control directory itself gets no sticky exception... */
	make_dir("sticky/open", 0, 01777);
	path_in(p, sizeof(p), "sticky/open");
	assert_refused("sticky/open", EX_NOPERM, p, "writable by others");
	/* ...and a sticky parent must still be root's. */
	make_dir("usticky", OTHER_UID, 01777);
	make_dir("usticky/ctl", 0, 0755);
	path_in(p, sizeof(p), "usticky");
	assert_refused("usticky/ctl", EX_NOPERM, p, "owned by uid 12345");
}

static void
test_dir_that_is_a_symlink_is_refused(void **state)
{
	char p[256], target[256];

	(void)state;
	make_dir("real", 0, 0755);
	path_in(target, sizeof(target), "real");
	path_in(p, sizeof(p), "link");
	assert_int_equal(symlink(target, p), 0);
	assert_refused("link", EX_NOPERM, p, "is a symlink");
	assert_non_null(strstr(err.text, target));
}

static void
test_dir_missing_or_not_a_dir(void **state)
{
	char p[256];

	(void)state;
	path_in(p, sizeof(p), "nothing");
	assert_refused("nothing", EX_NOINPUT, p, "does not exist");
	make_file("file", "x\n", 0644);
	path_in(p, sizeof(p), "file");
	assert_refused("file", EX_NOINPUT, p, "not a directory");
}

static void
test_dir_parent_symlink_is_followed(void **state)
{
	struct perms_dir dir;
	char p[256], alias[256];

	(void)state;
	/* /var/qmail -> /usr/local/qmail: the administrator's own link. */
	make_dir("real", 0, 0755);
	make_dir("real/ctl", 0, 0755);
	path_in(p, sizeof(p), "real");
	path_in(alias, sizeof(alias), "alias");
	assert_int_equal(symlink(p, alias), 0);
	open_ctl("alias/ctl", &dir);
	path_in(p, sizeof(p), "real/ctl");
	assert_string_equal(dir.real, p);
	assert_int_equal(lstat_in("real/ctl").st_ino,
	    lstat_in("alias/ctl").st_ino);
	perms_close_dir(&dir);
}

/* --- atomic writes ------------------------------------------------------- */

static const struct perms_target other_0640 = { OTHER_UID, OTHER_GID, 0640 };

static void
assert_file(const char *rel, const char *content, uid_t uid, gid_t gid,
    mode_t mode)
{
	struct stat st = lstat_in(rel);

	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, mode);
	assert_string_equal(slurp(rel), content);
}

static void
test_write_atomic_creates_final_file(void **state)
{
	struct perms_dir dir;

	(void)state;
	make_dir("ctl", 0, 0755);
	open_ctl("ctl", &dir);
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "new\n", 4,
	    &other_0640, &err), 0);
	assert_file("ctl/servercert.pem", "new\n", OTHER_UID, OTHER_GID, 0640);
	assert_int_equal(count_temps("ctl"), 0);
	perms_close_dir(&dir);
}

static void
test_write_atomic_replaces_by_rename(void **state)
{
	struct perms_dir dir;
	ino_t before;

	(void)state;
	make_dir("ctl", 0, 0755);
	make_file("ctl/servercert.pem", "old\n", 0644);
	before = lstat_in("ctl/servercert.pem").st_ino;
	open_ctl("ctl", &dir);
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "new\n", 4,
	    &other_0640, &err), 0);
	assert_file("ctl/servercert.pem", "new\n", OTHER_UID, OTHER_GID, 0640);
	/* A new inode: the old file was never opened for writing. */
	assert_int_not_equal(lstat_in("ctl/servercert.pem").st_ino, before);
	assert_int_equal(count_temps("ctl"), 0);
	perms_close_dir(&dir);
}

static void
test_write_atomic_replaces_a_planted_symlink(void **state)
{
	struct perms_dir dir;
	char p[256], victim[256];

	(void)state;
	make_dir("ctl", 0, 0755);
	make_file("victim", "precious\n", 0600);
	path_in(victim, sizeof(victim), "victim");
	path_in(p, sizeof(p), "ctl/servercert.pem");
	assert_int_equal(symlink(victim, p), 0);
	open_ctl("ctl", &dir);
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "new\n", 4,
	    &other_0640, &err), 0);
	/* The link itself is replaced; the file it pointed to is untouched. */
	assert_file("ctl/servercert.pem", "new\n", OTHER_UID, OTHER_GID, 0640);
	assert_file("victim", "precious\n", 0, 0, 0600);
	perms_close_dir(&dir);
}

static int
find_event(int from, const char *call)
{
	int i;

	for (i = from; i < nevents; i++)
		if (strcmp(events[i].call, call) == 0)
			return i;
	fail_msg("no %s() after event %d", call, from);
	return -1;
}

static void
test_write_atomic_never_exposes_the_data(void **state)
{
	struct perms_dir dir;
	int create, own, mode, wr, sync, ren, dsync, fd;

	(void)state;
	make_dir("ctl", 0, 0755);
	open_ctl("ctl", &dir);
	recording = 1;
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "secret\n",
	    7, &other_0640, &err), 0);
	recording = 0;

	/* Created exclusively, without following links, readable by root only. */
	create = find_event(0, "openat");
	assert_int_equal(events[create].fd, dir.fd);
	assert_true(perms_is_temp_name(events[create].name));
	assert_int_equal(events[create].flags & (O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC), O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC);
	assert_int_equal(events[create].arg, 0600);
	/* Owner and mode are final before the first byte is written. */
	own = find_event(create, "fchown");
	assert_int_equal(events[own].arg, OTHER_UID);
	assert_int_equal(events[own].arg2, OTHER_GID);
	mode = find_event(own, "fchmod");
	assert_int_equal(events[mode].arg, 0640);
	wr = find_event(0, "write");
	assert_true(wr > mode);
	fd = events[wr].fd;
	assert_int_equal(events[own].fd, fd);
	assert_int_equal(events[mode].fd, fd);
	/* Synced before the rename, the directory synced after it. */
	sync = find_event(wr, "fsync");
	assert_int_equal(events[sync].fd, fd);
	ren = find_event(sync, "renameat");
	assert_string_equal(events[ren].name, "servercert.pem");
	dsync = find_event(ren, "fsync");
	assert_int_equal(events[dsync].fd, dir.fd);
	perms_close_dir(&dir);
}

/* A failed write leaves the old file whole and no temp file behind. */
static void
assert_write_fails_cleanly(int *armed, const char *wrapped, int errnum,
    int status, const char *says)
{
	struct perms_dir dir;
	char p[256];

	make_dir("ctl", 0, 0755);
	make_file("ctl/servercert.pem", "old key and cert\n", 0640);
	open_ctl("ctl", &dir);
	*armed = 1;
	if (strcmp(wrapped, "fsync") == 0)
		will_return(__wrap_fsync, errnum);
	else if (strcmp(wrapped, "write") == 0)
		will_return(__wrap_write, errnum);
	else
		will_return(__wrap_renameat, errnum);
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "new\n", 4,
	    &other_0640, &err), -1);
	assert_int_equal(*armed, 0);
	assert_int_equal(err.status, status);
	path_in(p, sizeof(p), "ctl/servercert.pem");
	assert_non_null(strstr(err.text, p));
	assert_non_null(strstr(err.text, strerror(errnum)));
	assert_non_null(strstr(err.text, says));
	assert_file("ctl/servercert.pem", "old key and cert\n", 0, 0, 0640);
	assert_int_equal(count_temps("ctl"), 0);
	perms_close_dir(&dir);
}

static void
test_write_atomic_fsync_eio(void **state)
{
	(void)state;
	assert_write_fails_cleanly(&fail_fsync, "fsync", EIO, EX_IOERR, "sync");
}

static void
test_write_atomic_write_enospc(void **state)
{
	(void)state;
	assert_write_fails_cleanly(&fail_write, "write", ENOSPC, EX_IOERR,
	    "free some space");
}

static void
test_write_atomic_renameat_fails(void **state)
{
	(void)state;
	assert_write_fails_cleanly(&fail_renameat, "renameat", EXDEV,
	    EX_CANTCREAT, "the old file is unchanged");
}

static void
test_write_atomic_fchown_fails(void **state)
{
	struct perms_dir dir;

	(void)state;
	make_dir("ctl", 0, 0755);
	open_ctl("ctl", &dir);
	fail_fchown = 1;
	will_return(__wrap_fchown, EPERM);
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "new\n", 4,
	    &other_0640, &err), -1);
	assert_int_equal(err.status, EX_CANTCREAT);
	assert_non_null(strstr(err.text, "set the owner"));
	assert_non_null(strstr(err.text, "must run as root"));
	assert_int_equal(count_temps("ctl"), 0);
	assert_false(exists_in("ctl/servercert.pem"));
	perms_close_dir(&dir);
}

static void
test_stage_discard_and_stale_temps(void **state)
{
	struct perms_staged staged;
	struct perms_dir dir;

	(void)state;
	make_dir("ctl", 0, 0755);
	make_file("ctl/keep.pem", "keep\n", 0600);
	open_ctl("ctl", &dir);
	assert_int_equal(perms_stage(&dir, "servercert.pem", "x\n", 2,
	    &other_0640, &staged, &err), 0);
	assert_int_equal(count_temps("ctl"), 1);
	assert_false(exists_in("ctl/servercert.pem"));
	perms_discard(&dir, &staged);
	assert_int_equal(count_temps("ctl"), 0);

	/* A run killed between stage and commit leaves a temp: the next
	 * run removes it and nothing else. */
	assert_int_equal(perms_stage(&dir, "servercert.pem", "x\n", 2,
	    &other_0640, &staged, &err), 0);
	perms_remove_stale_temps(&dir);
	assert_int_equal(count_temps("ctl"), 0);
	assert_file("ctl/keep.pem", "keep\n", 0, 0, 0600);
	perms_close_dir(&dir);
}

/* --- reading ------------------------------------------------------------- */

static void
test_read_file_regular(void **state)
{
	struct perms_dir dir;
	struct stat st;
	char *data = NULL;
	size_t len = 0;

	(void)state;
	make_dir("ctl", 0, 0755);
	make_file("ctl/me", "mail.example.com\n", 0644);
	open_ctl("ctl", &dir);
	assert_int_equal(readfile_dir(&dir, "me", &data, &len, &st, &err),
	    0);
	assert_int_equal(len, 17);
	assert_string_equal(data, "mail.example.com\n");
	assert_int_equal(st.st_ino, lstat_in("ctl/me").st_ino);
	secret_free(data, len);
	assert_int_equal(readfile_dir(&dir, "none", &data, &len, &st, &err),
	    -1);
	assert_int_equal(err.status, EX_NOINPUT);
	perms_close_dir(&dir);
}

static void
test_read_file_refuses_symlink(void **state)
{
	struct perms_dir dir;
	struct stat st;
	char *data = NULL, p[256];
	size_t len = 0;

	(void)state;
	make_dir("ctl", 0, 0755);
	make_file("ctl/servercert.pem", "key\n", 0600);
	path_in(p, sizeof(p), "ctl/clientcert.pem");
	assert_int_equal(symlink("servercert.pem", p), 0);
	open_ctl("ctl", &dir);
	assert_int_equal(readfile_dir(&dir, "clientcert.pem", &data, &len,
	    &st, &err), -1);
	assert_null(data);
	assert_int_equal(err.status, EX_DATAERR);
	assert_non_null(strstr(err.text, p));
	assert_non_null(strstr(err.text, "is a symlink"));
	perms_close_dir(&dir);
}

static void
on_alarm(int sig)
{
	(void)sig;
	fail_msg("readfile_dir blocked on a FIFO");
}

static void
test_read_file_refuses_fifo_without_blocking(void **state)
{
	struct perms_dir dir;
	struct stat st;
	char *data = NULL, p[256];
	size_t len = 0;

	(void)state;
	make_dir("ctl", 0, 0755);
	path_in(p, sizeof(p), "ctl/servercert.pem");
	assert_int_equal(mkfifo(p, 0600), 0);
	open_ctl("ctl", &dir);
	signal(SIGALRM, on_alarm);
	alarm(5);
	assert_int_equal(readfile_dir(&dir, "servercert.pem", &data, &len,
	    &st, &err), -1);
	alarm(0);
	assert_null(data);
	assert_int_equal(err.status, EX_DATAERR);
	assert_non_null(strstr(err.text, p));
	assert_non_null(strstr(err.text, "a FIFO"));
	perms_close_dir(&dir);
}

static void
test_read_file_refuses_large_file(void **state)
{
	struct perms_dir dir;
	struct stat st;
	char *data = NULL, p[256];
	size_t len = 0;

	(void)state;
	make_dir("ctl", 0, 0755);
	path_in(p, sizeof(p), "ctl/servercert.pem");
	make_file("ctl/servercert.pem", "", 0600);
	assert_int_equal(truncate(p, READFILE_MAX + 1), 0);
	open_ctl("ctl", &dir);
	assert_int_equal(readfile_dir(&dir, "servercert.pem", &data, &len,
	    &st, &err), -1);
	assert_int_equal(err.status, EX_DATAERR);
	assert_non_null(strstr(err.text, "too large"));
	perms_close_dir(&dir);
}

/* --- a file mounted over a name ------------------------------------------ */

/* rename(2) onto a mount point fails with EBUSY: the refusal names it, and
 * the old file (the mounted one) is left as it was. */
static void
test_commit_onto_a_mount_point(void **state)
{
	struct perms_dir dir;
	char p[256], want[300];

	(void)state;
	make_dir("ctl", 0, 0755);
	make_file("ctl/servercert.pem", "old key and cert\n", 0640);
	open_ctl("ctl", &dir);
	fail_renameat = 1;
	will_return(__wrap_renameat, EBUSY);
	assert_int_equal(perms_write_atomic(&dir, "servercert.pem", "new\n", 4,
	    &other_0640, &err), -1);
	assert_int_equal(err.status, EX_CANTCREAT);
	path_in(p, sizeof(p), "ctl/servercert.pem");
	snprintf(want, sizeof(want), "%s is a mount point", p);
	assert_non_null(strstr(err.text, want));
	assert_non_null(strstr(err.text, "qmail-pem replaces files by "
	    "rename"));
	assert_file("ctl/servercert.pem", "old key and cert\n", 0, 0, 0640);
	assert_int_equal(count_temps("ctl"), 0);
	perms_close_dir(&dir);
}

/* --- --output: a file the administrator names ---------------------------- */

static void
test_output_refuses_a_symlink_in_its_path(void **state)
{
	struct output out;
	char p[256], link[256], target[256];

	(void)state;
	make_dir("rootonly", 0, 0700);
	make_dir("textfile", OTHER_UID, 0755);
	make_dir("textfile/real", OTHER_UID, 0755);
	path_in(target, sizeof(target), "rootonly");
	path_in(link, sizeof(link), "textfile/sub");
	assert_int_equal(symlink(target, link), 0);
	path_in(p, sizeof(p), "textfile/sub/x.prom");
	assert_int_equal(output_open(p, NULL, -1, &out, &err), -1);
	assert_int_equal(out.dirfd, -1);
	assert_int_equal(err.status, EX_CANTCREAT);
	assert_non_null(strstr(err.text, link));
	assert_non_null(strstr(err.text, "is a symlink"));
	assert_false(exists_in("rootonly/x.prom"));
	/* A directory reached without a link, owned by another user: fine. */
	path_in(p, sizeof(p), "textfile/real/../real/x.prom");
	assert_int_equal(output_open(p, NULL, -1, &out, &err), 0);
	assert_int_equal(output_write(&out, "m 1\n", 4, &err), 0);
	output_close(&out);
	assert_file("textfile/real/x.prom", "m 1\n", 0, 0, 0644);
}

static void
test_output_refuses_the_control_directory(void **state)
{
	static const char *const spellings[] = { "ctl/servercert.pem",
	    "ctl/../ctl/servercert.pem", "alias/servercert.pem",
	    "ctl/sub/x.prom", "alias/sub/x.prom" };
	struct output out;
	struct perms_dir dir;
	char p[256], c[256];
	size_t i;

	(void)state;
	make_dir("ctl", 0, 0755);
	make_dir("ctl/sub", 0, 0755);
	make_file("ctl/servercert.pem", "key\n", 0640);
	path_in(c, sizeof(c), "ctl");
	path_in(p, sizeof(p), "alias");
	assert_int_equal(symlink(c, p), 0);
	open_ctl("ctl", &dir);
	for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		path_in(p, sizeof(p), spellings[i]);
		/* By the open directory, and by its path alone. */
		assert_int_equal(output_open(p, c, dir.fd, &out, &err),
		    -1);
		assert_int_equal(err.status, EX_USAGE);
		assert_non_null(strstr(err.text, "is in the control "
		    "directory"));
		assert_int_equal(output_open(p, c, -1, &out, &err), -1);
		assert_int_equal(err.status, EX_USAGE);
	}
	assert_file("ctl/servercert.pem", "key\n", 0, 0, 0640);
	assert_false(exists_in("ctl/sub/x.prom"));
	perms_close_dir(&dir);
}

/* --- small helpers -------------------------------------------------------- */

static void
test_matches(void **state)
{
	struct stat st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0640;
	st.st_nlink = 1;
	st.st_uid = OTHER_UID;
	st.st_gid = OTHER_GID;
	assert_true(perms_matches(&st, &other_0640));
	st.st_nlink = 2;
	assert_false(perms_matches(&st, &other_0640));
	st.st_nlink = 1;
	st.st_mode = S_IFREG | 0644;
	assert_false(perms_matches(&st, &other_0640));
	st.st_mode = S_IFLNK | 0640;
	assert_false(perms_matches(&st, &other_0640));
	st.st_mode = S_IFREG | 0640;
	st.st_gid = 0;
	assert_false(perms_matches(&st, &other_0640));
}

static void
test_lookup(void **state)
{
	uid_t uid = 1;
	gid_t gid = 1;

	(void)state;
	assert_int_equal(userdb_find_user("root", &uid, &gid, &err), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(userdb_find_group("0", &gid, &err), 0);
	assert_int_equal(gid, 0);
	assert_int_equal(userdb_find_group("qp-no-such-group", &gid, &err),
	    -1);
	assert_int_equal(err.status, EX_NOUSER);
	assert_non_null(strstr(err.text, "qp-no-such-group"));
	assert_int_equal(userdb_find_user("qp-no-such-user", &uid, NULL, &err),
	    -1);
	assert_int_equal(err.status, EX_NOUSER);
}

static void
test_lock_is_exclusive(void **state)
{
	struct perms_dir a, b;

	(void)state;
	make_dir("ctl", 0, 0755);
	open_ctl("ctl", &a);
	open_ctl("ctl", &b);
	assert_int_equal(perms_lock_dir(&a, 0, &err), 0);
	assert_int_equal(perms_lock_dir(&b, 0, &err), -1);
	assert_int_equal(err.status, EX_TEMPFAIL);
	assert_non_null(strstr(err.text, "another qmail-pem"));
	perms_close_dir(&a);
	assert_int_equal(perms_lock_dir(&b, 0, &err), 0);
	perms_close_dir(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dir_root_0755_is_safe,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dir_group_or_other_writable_is_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_dir_parent_owned_by_other_uid_is_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_dir_itself_owned_by_other_uid_is_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_dir_under_root_sticky_parent_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dir_that_is_a_symlink_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_missing_or_not_a_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dir_parent_symlink_is_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_creates_final_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_replaces_by_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_replaces_a_planted_symlink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_never_exposes_the_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_fsync_eio,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_write_enospc,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_renameat_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_fchown_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stage_discard_and_stale_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file_regular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_file_refuses_symlink,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_file_refuses_fifo_without_blocking, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_file_refuses_large_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_onto_a_mount_point,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_output_refuses_a_symlink_in_its_path, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_output_refuses_the_control_directory, setup, teardown),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test_setup_teardown(test_lock_is_exclusive, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
