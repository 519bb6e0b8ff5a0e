/*
 * runscript.h: read a daemontools/runit run script without running it.
 *
 * Understands the part of the shell language that run scripts are written
 * in: quoting, backslash-newline, comments, variable assignments (also
 * export, readonly, unset, set -a), $VAR, ${VAR}, ${VAR:-word}, command
 * substitution of `id -u USER` and `id -g USER` (answered from userdb.h),
 * redirections, here-documents, ; && || | & ( ), and the keywords of if,
 * case, while, until and for.  Whatever would need the script to run (any
 * other command substitution, positional parameters, variables the script
 * does not set, values set only under a condition) leaves the word
 * "unknown", written as in the script, with the reason.  Nothing is ever
 * executed and no file is opened.
 *
 * Everything returned points into the runscript and stays valid until
 * runscript_free().
 */
#ifndef QP_RUNSCRIPT_H
#define QP_RUNSCRIPT_H

#include <stddef.h>

#include "base/err.h"
#include "runscript/rscommand.h"

#define RUNSCRIPT_MAX	(64 * 1024)	/* longer scripts are refused */

struct runscript;

/* text need not be NUL-terminated; len must not exceed RUNSCRIPT_MAX. */
int runscript_open(const char *text, size_t len, struct runscript **rsp,
    struct err *err);

/*
 * The next command, in script order.  Returns 1 and fills cmd, 0 when
 * there is none (the end, or an unconditional exec or exit was passed),
 * -1 with a message recorded (out of memory, or a script so convoluted
 * that it exceeds the reader's bounds).
 */
int runscript_next(struct runscript *rs, struct rs_command *cmd,
    struct err *err);

void runscript_free(struct runscript *rs);

#endif
