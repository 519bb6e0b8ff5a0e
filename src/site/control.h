/* control.h: qmail's own control files that qmail-pem reads (me). */
#ifndef QP_CONTROL_H
#define QP_CONTROL_H

#include <stddef.h>

#include "base/err.h"
#include "perms.h"

/*
 * The host name from DIR/me: its first line, without trailing blanks.
 * Returns 1 when found, 0 when DIR/me does not exist, -1 (message
 * recorded) when it exists but is unusable.
 */
int control_read_me(const struct perms_dir *dir, char *name, size_t size,
    struct err *err);

/* Parse the text of a me file (exposed for the unit tests and fuzzing). */
int control_parse_me(const char *data, size_t len, char *name, size_t size,
    struct err *err);

#endif
