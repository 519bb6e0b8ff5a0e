/*
 * subdir.h: a directory inside a safe directory, opened (and made) with
 * the same rules: no symlink followed, owned by root, not writable by
 * group or other, sticky or not.  For the folders of SNI certificates
 * (DIR/servercerts/NAME), which hold key files like DIR itself.
 */
#ifndef QP_SUBDIR_H
#define QP_SUBDIR_H

#include "base/err.h"
#include "perms.h"

/*
 * Open name (one component: no '/') in parent with openat(O_DIRECTORY|
 * O_NOFOLLOW) into out (its path "PARENT/name" for messages, its real
 * path from the descriptor).  Missing: with create, made root:root 0755
 * (mkdirat 0700, then fchown and fchmod on the new directory's own
 * descriptor), else 0 is returned with out->fd -1.  A symlink, another
 * file type, a directory not owned by root or writable by group or other
 * is refused (EX_NOPERM, naming the fix).  1 when it exists (or was
 * made), 0 when missing, -1 on error.
 */
int perms_open_subdir(const struct perms_dir *parent, const char *name,
    int create, struct perms_dir *out, struct err *err);

/*
 * perms_open_subdir() with create, for a command that takes back what it
 * made when it fails: *made is 1 when this call made the directory (0
 * when it was there).  1 when open, -1 on error.
 */
int perms_make_subdir(const struct perms_dir *parent, const char *name,
    struct perms_dir *out, int *made, struct err *err);

/*
 * Take back a directory perms_make_subdir() made (made, still open):
 * rmdir name in parent when it is still that directory (same device and
 * inode) and still empty.  1: removed; 0: left (gone, another directory
 * by now, or holding something); -1 on error.
 */
int perms_remove_subdir(const struct perms_dir *parent, const char *name,
    const struct perms_dir *made, struct err *err);

/*
 * Does the open directory hold nothing ("." and ".." alone) and is it
 * still linked (not removed while it was open)?  1 yes, 0 no, -1 error.
 */
int perms_subdir_empty(const struct perms_dir *dir, struct err *err);

/*
 * For a dry run, a stand-in for a directory that does not exist yet
 * (shown, its path for messages): out->fd is an empty directory made in
 * /tmp and removed at once, so every name looked up in it is absent and
 * nothing can be made in it; nothing is left anywhere.  -1 on error.
 */
int perms_absent_subdir(const char *shown, struct perms_dir *out,
    struct err *err);

#endif
