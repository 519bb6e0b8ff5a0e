/*
 * output.h: a file named by the administrator for a report or a request.
 */
#ifndef QP_OUTPUT_H
#define QP_OUTPUT_H

#include <limits.h>
#include <stddef.h>

#include "base/err.h"
#include "perms.h"

/*
 * A file named by the administrator for a report or a request (verify
 * --output, csr --output; messages say "--output").  output_open(),
 * before any work: refuses a path in the control directory or below it
 * (compared by device and inode of the file's directory and each of its
 * parents against ctl_fd, or without it stat(ctl_path), and by real path:
 * DIR/../control/x, a symlink to DIR, a bind mount of it) with EX_USAGE;
 * then walks the directory part like perms_open_dir() (openat with
 * O_NOFOLLOW|O_DIRECTORY per component, a relative path from the working
 * directory) without its owner rules, refusing a symlink anywhere in it,
 * named; and refuses a device, FIFO, socket or directory at the name.
 * ctl_path NULL and ctl_fd -1: no control directory.
 * output_write(): a temp file .NAME.RANDOM.tmp in that directory
 * (O_EXCL|O_NOFOLLOW; a Prometheus textfile collector reads only *.prom),
 * mode 0644 so that a collector running as another user can read it,
 * written, fsynced, renamed over NAME (a symlink there is replaced, not
 * followed), then the directory fsynced.
 */
struct output {
	char	path[PATH_MAX];		/* as named, for messages */
	char	dir[PATH_MAX];		/* its directory, as named */
	char	name[NAME_MAX + 1];
	int	dirfd;
};
int output_open(const char *path, const char *ctl_path, int ctl_fd,
    struct output *out, struct err *err);
int output_write(const struct output *out, const void *data,
    size_t len, struct err *err);
void output_close(struct output *out);

#endif
