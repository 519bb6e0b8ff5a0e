/*
 * rsvars.h: the state of a run script being read (the arena its words
 * live in, the lexer, the variables, the nesting), shared by
 * runscript.c (commands), rsword.c (words) and rsvars.c (this).  Other
 * modules use runscript.h only.
 */
#ifndef QP_RSVARS_H
#define QP_RSVARS_H

#include <stddef.h>

#include "base/err.h"
#include "runscript/rscommand.h"

#define ARENA_BLOCK	(32 * 1024)
#define ARENA_MAX	(8 * 1024 * 1024)
#define VARS_MAX	512
#define WHY_MAX		240

struct block {
	struct block		*next;
	size_t			 used, size;
	_Alignas(max_align_t) char data[];
};

struct arena {
	struct block	*head;
	size_t		 total;
};

struct lexer {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	unsigned	 line;
	char		 heredoc[64];	/* delimiter of a pending here-doc */
	int		 heredoc_strip;	/* <<-: leading tabs are removed */
	int		 heredoc_pending;
};

struct var {
	const char	*name;
	const char	*value;		/* NULL: unset by the script */
	int		 unknown;
	const char	*why;
	int		 exported;
};

struct runscript {
	struct arena	 arena;
	struct lexer	 lx;
	struct var	*vars;
	size_t		 nvars, capvars;
	int		 allexport;	/* set -a */
	int		 depth;		/* if, case, loops, subshells */
	int		 in_case;
	int		 parens;
	int		 next_conditional;	/* after && or || */
	int		 done;
	int		 subst_depth;
	const char	*sourced;	/* why, after ". FILE" */
};

enum lookup { VAR_KNOWN, VAR_UNKNOWN, VAR_INHERITED };

/* The arena, freed as a whole. */
void *rs_arena_alloc(struct arena *a, size_t n, struct err *err);
char *rs_arena_strndup(struct arena *a, const char *s, size_t n,
    struct err *err);
char *rs_arena_printf(struct arena *a, struct err *err, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void rs_arena_free(struct arena *a);

/* The variables: a value as the script sets it, or why it is not known. */
enum lookup rs_var_lookup(struct runscript *rs, const char *name, size_t n,
    const char **value, const char **why);
/* NAME=value, from an assignment word (export: exported too). */
int rs_assign(struct runscript *rs, const struct rs_word *w, int export,
    int conditional, struct err *err);
/* The builtins the reader follows: unset; export, readonly, local ...;
 * ". FILE" (after which any variable may have changed). */
int rs_unset(struct runscript *rs, const struct rs_word *w, size_t n,
    struct err *err);
int rs_declare(struct runscript *rs, const struct rs_word *w, size_t n,
    int conditional, struct err *err);
int rs_mark_sourced(struct runscript *rs, const struct rs_word *file,
    unsigned line, struct err *err);
/* The environment a command gets: exported variables, then its own
 * NAME=value prefixes. */
int rs_make_env(struct runscript *rs, const struct rs_word *prefix,
    size_t nprefix, struct rs_command *cmd, struct err *err);

#endif
