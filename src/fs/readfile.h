/*
 * readfile.h: a file read whole into a secret buffer (base/secret.h):
 * only a regular file, of at most READFILE_MAX bytes.
 */
#ifndef QP_READFILE_H
#define QP_READFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "base/err.h"
#include "perms.h"

#define READFILE_MAX	(1024 * 1024)	/* larger control files are refused */

/*
 * Read a regular file from the directory without following a symlink and
 * without blocking on a FIFO.  *data is NUL-terminated; free it with
 * secret_free() (base/secret.h).  st receives the opened file's fstat.
 */
int readfile_dir(const struct perms_dir *dir, const char *name,
    char **data, size_t *len, struct stat *st, struct err *err);
/* The same for a path named by the administrator: symlinks are followed,
 * but the file must be a regular file. */
int readfile_path(const char *path, char **data, size_t *len,
    struct err *err);

#endif
