/*
 * readerperm.h: what a reader of readers.h can open, and the words for it.
 */
#ifndef QP_READERPERM_H
#define QP_READERPERM_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "site/readers.h"

/*
 * Could r open a file owned owner:group with mode for how (R_OK, or X_OK
 * to search a directory)?  The classic check: root may; the owner gets the
 * owner bits; a member of group (r->gid, r->groups, and with init_groups
 * the group database) the group bits; anyone else the other bits.
 * Returns 1 or 0, or -1 with a message when r's ids are not known well
 * enough to tell.
 */
int readers_can_access(const struct reader *r, uid_t owner, gid_t group,
    mode_t mode, int how, struct err *err);
int readers_can_read(const struct reader *r, uid_t owner, gid_t group,
    mode_t mode, struct err *err);

/*
 * Who reads, in words:
 *   qmail-smtpd as vpopmail:vchkpw (uid 89, gid 89) from /service/qmail-smtpd/run
 *   qmail-smtpd as qmaild:nofiles (uid 7791, gid 2108, qmail's default)
 *   qmail-remote as qmailr:qmail (uid 7796, gid 2107, set by qmail-start
 *     from /service/qmail-send/run)
 *   qmail-smtpd as a user that is not known from /service/qmail-smtpd/run
 */
const char *readers_describe(const struct reader *r, char *buf, size_t size);

/* What the administrator can do when r cannot read its file:
 * "run qmail-smtpd as qmaild, as djb designed it (tcpserver -u ...), or
 * install with --server-group vchkpw" */
const char *readers_fix(const struct reader *r, char *buf, size_t size);
/* The same with the fix that changes the group as the complete command
 * cmd (model_command()); NULL: as readers_fix(). */
const char *readers_fix_cmd(const struct reader *r, const char *cmd,
    char *buf, size_t size);

/*
 * The whole message for a refusal (install, rotate) or a CRITICAL
 * reader-cannot-read (verify), in words that fit a file on disk and one
 * about to be written; file_perms is e.g. "root:nofiles 0640" from
 * perms_describe():
 *   servercert.pem: qmail-smtpd as vpopmail:vchkpw (uid 89, gid 89) from
 *   /service/qmail-smtpd/run cannot read it as root:nofiles 0640; STARTTLS
 *   would fail with "454 TLS missing certificate".
 *   Fix: run qmail-smtpd as qmaild, as djb designed it (tcpserver -u
 *   "$QMAILDUID" -g "$NOFILESGID"), or install with --server-group vchkpw
 */
const char *readers_explain(const struct reader *r, const char *file_perms,
    char *buf, size_t size);

/* The same, with the fix that changes the group as the complete command
 * cmd ("qmail-pem install -d /ctl --server-group vchkpw"); NULL: as
 * readers_explain(). */
const char *readers_explain_cmd(const struct reader *r,
    const char *file_perms, const char *cmd, char *buf, size_t size);

#endif
