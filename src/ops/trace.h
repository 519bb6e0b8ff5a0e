/*
 * trace.h: a trace of every change, in syslog.
 *
 * One line per file a command changed (facility authpriv, ident
 * qmail-pem, also with -q): the command, the file, what changed (as
 * plan_describe() says it), the backup kept, and the SHA-256 of the
 * public key (DER SubjectPublicKeyInfo, the TLSA 3 1 1 digest) before and
 * after.  Never key bytes.  Without a syslog daemon (no /dev/log) the
 * lines are lost, and nothing else changes.
 */
#ifndef QP_TRACE_H
#define QP_TRACE_H

#include <stddef.h>

#include "fs/plan.h"

#define TRACE_MAX_FILES	4

struct trace {
	char	old_key[TRACE_MAX_FILES][80];	/* "sha256 ...", "none" */
	size_t	n;
};

/* Before plan_apply(): the public key of each planned file as it is. */
void trace_before(struct trace *t, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n);

/* After it succeeded: a line for each plan that changed its file. */
void trace_after(const struct trace *t, const char *command,
    const struct perms_dir *dir, const struct file_plan *plans, size_t n);

#endif
