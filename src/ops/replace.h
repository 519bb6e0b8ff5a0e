/*
 * replace.h: what rotate, commit and rollback do around plan_apply():
 * check the new bytes before, the files after, and prune old backups.
 */
#ifndef QP_REPLACE_H
#define QP_REPLACE_H

#include <stddef.h>

#include "base/err.h"
#include "fs/plan.h"
#include "perms.h"
#include "x509/pemfile.h"

/*
 * Check bytes that are about to replace a key file with verify's content
 * checks.  A CRITICAL or UNKNOWN check refuses them (EX_DATAERR, naming
 * `shown' and the check) unless REPLACE_WARN_ONLY, which prints them as
 * warnings; warnings are printed unless REPLACE_QUIET.  hostname may be
 * NULL (no host check); install is the hints' complete install command
 * (common_command()).
 */
#define REPLACE_QUIET		1
#define REPLACE_WARN_ONLY	2
int replace_verify(const char *shown, const char *data, size_t len,
    const struct perms_target *expect, int usage, const char *hostname,
    const char *install, int flags, struct err *err);

/* After plan_apply(): every file written has its owner, group and mode
 * and a single link; else the fix is install (a complete command). */
int replace_check_result(const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, const char *install,
    struct err *err);

/* Remove the oldest backups of name so that keep are left; fsyncs the
 * directory when it removed any. */
int replace_prune(const struct perms_dir *dir, const char *name, int keep,
    struct err *err);

/* "servercert.pem clientcert.pem": the plans whose content was written
 * (ACT_WRITES), for QMAIL_PEM_CHANGED. */
void replace_changed(const struct file_plan *plans, size_t n, char *buf,
    size_t size);

/*
 * Read a staged file or a backup in the directory: a regular file (never
 * a link), which must hold a usable key and certificate.  Returns 1 when
 * read, 0 when it does not exist, -1 with a message.  *data is freed with
 * secret_free(), b with pemfile_free().
 */
int replace_read_pem(const struct perms_dir *dir, const char *name,
    char **data, size_t *len, struct pem_bundle *b, struct err *err);

#endif
