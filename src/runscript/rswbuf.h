/*
 * rswbuf.h: a run-script word being built (struct wbuf), and the words of
 * one command (struct wvec) copied into the arena when finished.
 */
#ifndef QP_RSWBUF_H
#define QP_RSWBUF_H

#include <stddef.h>

#include "base/err.h"
#include "runscript/rsvars.h"

#define WORD_MAX	(16 * 1024)
#define WORDS_MAX	4096		/* words in one command */

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

void wb_reset(struct wbuf *wb);
/* The word is unknown; the first reason given is kept. */
void wb_set_why(struct wbuf *wb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append n bytes (a word longer than WORD_MAX is cut, and unknown). */
int wb_put(struct wbuf *wb, const char *s, size_t n, struct err *err);
/* Append what the script says literally where the value is not known. */
int wb_unknown(struct wbuf *wb, const char *raw, size_t n, const char *why,
    struct err *err);
/* The finished word, into the arena and wv. */
int wv_push(struct runscript *rs, struct wvec *wv, struct wbuf *wb,
    struct err *err);
/* Append a known value; unquoted (split), it is split into words at
 * blanks, the finished ones pushed to out. */
int wb_put_value(struct runscript *rs, struct wbuf *wb, struct wvec *out,
    const char *v, size_t n, int split, struct err *err);

#endif
