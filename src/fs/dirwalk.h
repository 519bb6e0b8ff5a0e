/*
 * dirwalk.h: a path walked one component at a time from / (a relative
 * path from the working directory) with openat(O_PATH|O_DIRECTORY|
 * O_NOFOLLOW): a symlink anywhere in it is never followed.
 */
#ifndef QP_DIRWALK_H
#define QP_DIRWALK_H

#include "base/err.h"

/*
 * safe: path is a real path and every component must be a safe
 * directory (owned by root, not writable by group or other, except a
 * root-owned sticky directory that is not the last); else (--output):
 * "." and ".." are walked as they come, a symlink is refused naming it,
 * and option is the path as given, for messages.  *fdp: an O_PATH
 * descriptor of the last directory.
 */
int dirwalk(const char *path, int safe, const char *option, int *fdp,
    struct err *err);

#endif
