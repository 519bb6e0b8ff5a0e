/* rswbuf.c: a run-script word being built, and a command's words. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/grow.h"
#include "runscript/rswbuf.h"

void
wb_reset(struct wbuf *wb)
{
	wb->len = 0;
	wb->unknown = 0;
	wb->known_from = 0;
	wb->literal = 1;
	wb->present = 0;
	wb->assignment = 0;
	wb->may_split = 0;
	wb->why[0] = '\0';
}

void
wb_set_why(struct wbuf *wb, const char *fmt, ...)
{
	va_list ap;

	wb->unknown = 1;
	if (wb->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(wb->why, sizeof(wb->why), fmt, ap);
	va_end(ap);
}

int
wb_put(struct wbuf *wb, const char *s, size_t n, struct err *err)
{
	char *bigger;
	size_t cap;

	wb->present = 1;
	if (n > WORD_MAX - wb->len) {
		wb_set_why(wb, "a word is longer than %d bytes", WORD_MAX);
		n = WORD_MAX - wb->len;
	}
	if (wb->len + n + 1 > wb->cap) {
		cap = wb->cap ? wb->cap : 64;
		while (cap < wb->len + n + 1)
			cap *= 2;
		if ((bigger = realloc(wb->s, cap)) == NULL)
			return err_set(err, EX_OSERR, "out of memory reading a "
			    "run script");
		wb->s = bigger;
		wb->cap = cap;
	}
	memcpy(wb->s + wb->len, s, n);
	wb->len += n;
	wb->s[wb->len] = '\0';
	return 0;
}

/* Append what the script says literally where the value is not known. */
int
wb_unknown(struct wbuf *wb, const char *raw, size_t n, const char *why,
    struct err *err)
{
	wb->literal = 0;
	if (wb_put(wb, raw, n, err) == -1)
		return -1;
	wb_set_why(wb, "%s", why);
	wb->known_from = wb->len;
	return 0;
}

int
wv_push(struct runscript *rs, struct wvec *wv, struct wbuf *wb, struct err *err)
{
	struct rs_word *w, *bigger;

	if (wv->n == WORDS_MAX)
		return err_set(err, EX_DATAERR, "a command in the run script "
		    "has more than %d words", WORDS_MAX);
	if ((bigger = grow(wv->v, &wv->cap, wv->n, sizeof(*bigger), 16)) ==
	    NULL)
		return err_set(err, EX_OSERR, "out of memory reading a run "
		    "script");
	wv->v = bigger;
	w = &wv->v[wv->n];
	memset(w, 0, sizeof(*w));
	if ((w->text = rs_arena_strndup(&rs->arena, wb->s ? wb->s : "",
	    wb->len, err)) == NULL)
		return -1;
	w->len = wb->len;
	w->unknown = wb->unknown;
	w->known_from = wb->unknown ? wb->known_from : 0;
	w->literal = wb->literal;
	w->assignment = wb->assignment;
	w->may_split = wb->may_split;
	if (wb->unknown && (w->why = rs_arena_strndup(&rs->arena, wb->why,
	    strlen(wb->why), err)) == NULL)
		return -1;
	if (wv->n == 0)
		wv->line = rs->lx.line;
	wv->n++;
	return 0;
}

/* Append a known value; unquoted, it is split into words at blanks. */
int
wb_put_value(struct runscript *rs, struct wbuf *wb, struct wvec *out,
    const char *v, size_t n, int split, struct err *err)
{
	size_t i;

	wb->literal = 0;
	if (!split)
		return wb_put(wb, v, n, err);
	for (i = 0; i < n; i++) {
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '\n') {
			if (wb->present || wb->len > 0) {
				if (wv_push(rs, out, wb, err) == -1)
					return -1;
				wb_reset(wb);
				wb->literal = 0;
			}
			continue;
		}
		if (wb_put(wb, &v[i], 1, err) == -1)
			return -1;
	}
	return 0;
}
