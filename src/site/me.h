/* me.h: qmail's control/me, the host name qmail-pem's defaults start from. */
#ifndef QP_ME_H
#define QP_ME_H

#include <stddef.h>

#include "base/err.h"
#include "perms.h"

/*
 * The host name from DIR/me: its first line, without trailing blanks.
 * Returns 1 when found, 0 when DIR/me does not exist, -1 (message
 * recorded) when it exists but is unusable.
 */
int me_read(const struct perms_dir *dir, char *name, size_t size,
    struct err *err);

/* Parse the text of a me file (exposed for the unit tests and fuzzing). */
int me_parse(const char *data, size_t len, char *name, size_t size,
    struct err *err);

#endif
