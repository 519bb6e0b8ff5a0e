/*
 * tmprsa.h: install's repair of the temporary RSA keys (control/rsa*.pem)
 * that update_tmprsadh makes for qmail-smtpd builds of older qmail-tls
 * patches (issue 23).
 *
 * A key readable or writable beyond its reader (site/tlsnames.h says
 * what that is) is written again, the same bytes in a new file with the
 * owner and group kept and mode 0600 (0640 when it is root:READER-GROUP),
 * renamed over the old one (fs/plan.h), never chmod on the live file.  A
 * key that is safe is left alone, so install and update_tmprsadh never
 * undo each other.
 */
#ifndef QP_TMPRSA_H
#define QP_TMPRSA_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "fs/plan.h"
#include "perms.h"

/* plan_apply() takes 8 files, install's own plans are at most 3. */
#define TMPRSA_MAX_REPAIRS	5

/* Names for the plans (file_plan.name points into it). */
struct tmprsa_repairs {
	char	names[TMPRSA_MAX_REPAIRS][NAME_MAX + 1];
};

/*
 * A plan for each regular file rsa*.pem in dir that is too open or has
 * extended ACL entries, at most max (a warning names the rest): name,
 * target (its owner and group, the repaired mode) and content (its bytes,
 * freed by plan_free()).  plan_decide() then finds the repairs.  *n plans
 * are filled; -1 with err set when a file cannot be read.
 */
int tmprsa_repair_plans(const struct perms_dir *dir, gid_t reader_gid,
    struct tmprsa_repairs *names, struct file_plan *plans, size_t max,
    size_t *n, struct err *err);

#endif
