/*
 * rscommand.h: what the run-script reader (runscript.h) gives for one
 * command: its words, known or with the reason they are not, and the
 * environment the script gives it.  Everything points into the reader's
 * arena.
 */
#ifndef QP_RSCOMMAND_H
#define QP_RSCOMMAND_H

#include <stddef.h>

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

#endif
