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
 * For a dry run, a stand-in for a directory that does not exist yet
 * (shown, its path for messages): out->fd is an empty directory made in
 * /tmp and removed at once, so every name looked up in it is absent and
 * nothing can be made in it; nothing is left anywhere.  -1 on error.
 */
int perms_absent_subdir(const char *shown, struct perms_dir *out,
    struct err *err);

#endif
