/*
 * perms.h: owners, modes, directory safety and THE atomic writer.
 *
 * Everything here works relative to a directory file descriptor opened by
 * perms_open_dir(), with O_NOFOLLOW on every name, and knows nothing of
 * keys or certificates.  Functions return 0 on success and -1 with a
 * message in their struct err on failure.
 */
#ifndef QP_PERMS_H
#define QP_PERMS_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/err.h"

/* Where and how a file must end up. */
struct perms_target {
	uid_t	uid;
	gid_t	gid;
	mode_t	mode;
};

/* The control directory: its path (for messages), an open fd and the
 * real path the kernel gives for that fd. */
struct perms_dir {
	char	path[4096];
	char	real[PATH_MAX];
	int	fd;
};

/*
 * Open path once (O_DIRECTORY|O_NOFOLLOW: a last component that is a
 * symlink is refused; symlinks in its parents, such as /var/qmail ->
 * /usr/local/qmail, are followed), then check that it is a safe directory
 * (OpenSSH/Postfix rules: it and every parent up to / is owned by root and
 * not writable by group or other; a parent may be a root-owned sticky
 * directory such as /tmp) by walking its real path, taken from the open
 * descriptor, from / with openat(O_NOFOLLOW) and fstat on each component;
 * the walk must end at the directory opened.  Only that first descriptor
 * is used afterwards, so a directory swapped for a symlink during the
 * checks is never written into.
 */
int perms_open_dir(const char *path, struct perms_dir *dir, struct err *err);
void perms_close_dir(struct perms_dir *dir);

/* Take the writers' lock (flock on the directory itself), waiting at most
 * timeout seconds. */
int perms_lock_dir(const struct perms_dir *dir, int timeout, struct err *err);

/* lstat of a name in the directory; returns 1 if it exists, 0 if not. */
int perms_stat(const struct perms_dir *dir, const char *name, struct stat *st,
    struct err *err);

/* Target of a symlink in the directory, as written in the link. */
int perms_readlink(const struct perms_dir *dir, const char *name,
    char *buf, size_t size, struct err *err);

/*
 * Staged atomic replacement: perms_stage() writes data into a new temp file
 * in the directory (created O_EXCL|O_NOFOLLOW with mode 0600, then
 * fchown/fchmod to the target and the minimal ACL of its mode, written and
 * fsynced); perms_commit() renames it over name; perms_discard() removes
 * it.  A repair of owner, mode or ACL is a replacement with the same
 * bytes: a live file's inode is never changed (a descriptor opened on it
 * earlier keeps the old inode, and a file mounted over name is refused:
 * EBUSY, named as a mount point).
 */
struct perms_staged {
	char	tmpname[256];
	char	name[256];
	int	active;
};
int perms_stage(const struct perms_dir *dir, const char *name,
    const void *data, size_t len, const struct perms_target *target,
    struct perms_staged *staged, struct err *err);
int perms_commit(const struct perms_dir *dir, struct perms_staged *staged,
    struct err *err);
void perms_discard(const struct perms_dir *dir, struct perms_staged *staged);
int perms_sync_dir(const struct perms_dir *dir, struct err *err);

/*
 * THE way qmail-pem writes a file, any file: a temp file PREFIX NAME
 * .RANDOM SUFFIX created in dfd O_EXCL|O_NOFOLLOW with mode 0600, given
 * target's owner, group and mode and the minimal ACL of that mode before
 * a byte is written (target NULL: mode, for a report anyone may read),
 * then data written and fsynced and the file closed.  0 with its name in
 * tmp, for the caller to rename; -1 with errno set, the temp file gone,
 * and *step naming what failed ("getrandom", "create", "set the owner
 * of", "write", "sync" ...).  perms_stage() and fs/output.c write with it.
 */
int perms_write_temp(int dfd, const char *prefix, const char *name,
    const char *suffix, const void *data, size_t len,
    const struct perms_target *target, mode_t mode, char *tmp, size_t size,
    const char **step);

/* The error of a rename refused because a file is mounted on the name. */
int perms_mount_point_refused(const char *dirpath, const char *name,
    struct err *err);

/* stage + commit in one step. */
int perms_write_atomic(const struct perms_dir *dir, const char *name,
    const void *data, size_t len, const struct perms_target *target,
    struct err *err);

/* Create a symlink name -> linktarget owned by uid:gid (for backups). */
int perms_copy_symlink(const struct perms_dir *dir, const char *name,
    const char *linktarget, uid_t uid, gid_t gid, struct err *err);

/* Remove a name from the directory (not following links); fsync is left
 * to the caller. */
int perms_unlink(const struct perms_dir *dir, const char *name,
    struct err *err);

/* Remove temp files that an earlier, killed run left behind. */
void perms_remove_stale_temps(const struct perms_dir *dir);

/* Is name one of our temp names? */
int perms_is_temp_name(const char *name);

/* Does a file with this stat have exactly this owner, group and mode? */
int perms_matches(const struct stat *st, const struct perms_target *target);

/* For fs/ (readfile.c, output.c): "a directory", "a FIFO" ...; the real
 * path of an open directory; same device and inode; write and fsync that
 * retry on EINTR. */
const char *perms_file_type(mode_t mode);
int perms_real_path(int fd, char *buf, size_t size);
int perms_same_file(const struct stat *a, const struct stat *b);
int perms_write_all(int fd, const void *data, size_t len);
int perms_fsync(int fd);

/* "root:nofiles 0640" for messages. */
const char *perms_describe(uid_t uid, gid_t gid, mode_t mode, char *buf,
    size_t size);

#endif
