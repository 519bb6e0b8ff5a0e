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

#define RUNSCRIPT_MAX	(64 * 1024)	/* longer scripts are refused */

struct rs_word {
	const char	*text;		/* expanded; unknown parts as written */
	size_t		 len;
	int		 unknown;	/* some part is not known */
	size_t		 known_from;	/* text[known_from..] is all known */
	int		 literal;	/* no quotes, escapes or expansions */
	int		 assignment;	/* NAME=value before the command name */
	int		 may_split;	/* an unknown part is unquoted: it may
					 * stand for several words, or none */
	const char	*why;		/* unknown words: the first reason */
};

/* A variable in the environment the script gives a program. */
struct rs_var {
	const char	*name;
	const char	*value;		/* NULL: the script removed it */
	int		 unknown;	/* value is as written, not known */
	const char	*why;
};

/* One simple command that runs a program (or a builtin other than the
 * ones the reader follows itself: assignments, export, set, unset, exit,
 * ".", and exec without a program are consumed). */
struct rs_command {
	const struct rs_word	*words;	/* words[0] is the command name */
	size_t			 nwords;
	const struct rs_var	*env;	/* what the script exported, last wins;
					 * anything else is inherited from
					 * supervise and not known */
	size_t			 nenv;
	unsigned		 line;	/* where the command starts */
	int			 conditional;	/* under if, case, a loop, a
						 * subshell, && or || */
};

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
