/*
 * rsword.h: the inside of the run-script reader, shared by its two files.
 *
 * runscript.c keeps the commands and the variables of a script, rsword.c
 * reads its words (quoting, expansions, redirections).  Other modules use
 * runscript.h only.
 */
#ifndef QP_RSWORD_H
#define QP_RSWORD_H

#include <stddef.h>

#include "base/err.h"
#include "runscript/runscript.h"

#define ARENA_BLOCK	(32 * 1024)
#define ARENA_MAX	(8 * 1024 * 1024)
#define WORD_MAX	(16 * 1024)
#define WORDS_MAX	4096		/* words in one command */
#define VARS_MAX	512
#define SUBST_DEPTH	4		/* nested $( ) followed */
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

/* A word being built. */
struct wbuf {
	char	*s;
	size_t	 len, cap;
	int	 unknown;
	size_t	 known_from;
	int	 literal;
	int	 present;	/* a word even if empty: "" or '' */
	int	 assignment;
	int	 may_split;
	char	 why[WHY_MAX];
};

struct wvec {
	struct rs_word	*v;
	size_t		 n, cap;
	unsigned	 line;		/* of the first word */
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

/* runscript.c: the arena (freed as a whole) and the variables */
void *rs_arena_alloc(struct arena *a, size_t n, struct err *err);
char *rs_arena_strndup(struct arena *a, const char *s, size_t n,
    struct err *err);
char *rs_arena_printf(struct arena *a, struct err *err, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
enum lookup rs_var_lookup(struct runscript *rs, const char *name, size_t n,
    const char **value, const char **why);
int rs_assign(struct runscript *rs, const struct rs_word *w, int export,
    int conditional, struct err *err);

/* rsword.c: the words of one simple command */
extern const char *const rs_reserved[];
extern const char *const rs_declarations[];
int rs_in_list(const char *word, const char *const *list);
int rs_read_words(struct runscript *rs, struct lexer *lx, struct wvec *out,
    int *sep, struct err *err);

#endif
