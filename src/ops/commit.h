/*
 * commit.h: qmail-pem rotate --commit, the second half of a DANE
 * rollover: the files staged by rotate --stage (NAME.next) replace the
 * live ones, which are kept as backups, and the .next files go.
 */
#ifndef QP_COMMIT_H
#define QP_COMMIT_H

#include <stddef.h>

#include "base/err.h"
#include "ops/common.h"
#include "perms.h"

/* Commit in dir (locked), keeping keep backups per file; changed gets
 * the names of the files replaced, for the post-hook. */
int commit_run(const struct common_opts *c, int keep,
    const struct perms_dir *dir, char *changed, size_t size,
    struct err *err);

#endif
