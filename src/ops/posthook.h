/*
 * posthook.h: the administrator's command run after files were replaced
 * (for example "svc -t /service/qmail-smtpd" when sslserver caches the
 * certificate).
 */
#ifndef QP_POSTHOOK_H
#define QP_POSTHOOK_H

#include "base/err.h"
#include "ops/common.h"

/*
 * Run `/bin/sh -c cmd' in a child with no_new_privs set, stdin from
 * /dev/null, its stdout sent to our stderr (our stdout is the report),
 * QMAIL_PEM_DIR=dir and QMAIL_PEM_CHANGED=changed (file names, space
 * separated) in its environment, and wait for it.  A non-zero exit or a
 * signal records an EX_UNAVAILABLE message and returns -1.
 */
int posthook_run(const char *cmd, const char *dir, const char *changed,
    struct err *err);

/* After a command that replaces files, without the directory's lock (the
 * hook may call qmail-pem itself): the --post-hook of c, when it was
 * given, the run was not a dry run and changed names some file. */
int posthook_after(const struct common_opts *c, const char *changed,
    struct err *err);

#endif
