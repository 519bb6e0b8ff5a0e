/*
 * tmprsa.h: who may read the temporary RSA keys (control/rsa*.pem) that
 * update_tmprsadh makes for qmail-smtpd builds of older qmail-tls patches
 * (issue 23), and install's repair of one readable beyond that.
 *
 * update_tmprsadh writes each key as qmail-smtpd's reader (qmaild, group
 * qmail) with mode 0600 and renames it over the old one; a key root owns,
 * group-readable by the reader's group (root:nofiles 0640), is as safe.
 * Anything else that lets a user or group read or write it is too open:
 * verify says CRITICAL, and install writes the same bytes to a new file
 * with the owner and group kept and mode 0600 (0640 when it is
 * root:READER-GROUP), renamed over the old one (plan.h), never chmod on
 * the live file.  A file install and update_tmprsadh each make is right
 * for the other, so neither undoes the other.
 */
#ifndef QP_TMPRSA_H
#define QP_TMPRSA_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "perms.h"
#include "plan.h"

/* plan_apply() takes 8 files, install's own plans are at most 3. */
#define TMPRSA_MAX_REPAIRS	5

/*
 * Is a file with this owner, group and mode (st) readable or writable by
 * anyone but its owner and, when root owns it, the group reader_gid
 * (read only)?  1 with *repair set to the mode install gives it, or 0.
 */
int tmprsa_too_open(const struct stat *st, gid_t reader_gid, mode_t *repair);

/* Names for the plans (file_plan.name points into it). */
struct tmprsa_repairs {
	char	names[TMPRSA_MAX_REPAIRS][NAME_MAX + 1];
};

/*
 * install: a plan for each regular file rsa*.pem in dir that is too open
 * or has extended ACL entries, at most max (a warning names the rest):
 * name, target (its owner and group, the repaired mode) and content (its
 * bytes, freed by plan_free()).  plan_decide() then finds the repairs.
 * *n plans are filled; -1 with a message recorded when a file cannot be
 * read.
 */
int tmprsa_repair_plans(const struct perms_dir *dir, gid_t reader_gid,
    struct tmprsa_repairs *names, struct file_plan *plans, size_t max,
    size_t *n);

#endif
