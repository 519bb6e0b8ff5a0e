/*
 * runscript.c: read a run script as the shell would, without running it:
 * its commands, keywords and builtins.  The words are made by rsword.c,
 * the variables kept by rsvars.c.  Every word, the arena, the number of
 * variables and the nesting of command substitutions are bounded, so a
 * hostile script costs little.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "runscript/rsvars.h"
#include "runscript/rsword.h"
#include "runscript/runscript.h"

/* The keywords before a command, w[0..*i): the nesting they open and
 * close.  0 when the rest of the line is a case or for head. */
static int
keywords(struct runscript *rs, const struct rs_word *w, size_t n, size_t *i)
{
	const char *t;

	for (; *i < n && w[*i].literal && rs_in_list(w[*i].text,
	    rs_reserved); (*i)++) {
		t = w[*i].text;
		/* { } count too: an exit in "die() { ...; exit 1; }" must
		 * not end the reading. */
		if (!strcmp(t, "if") || !strcmp(t, "while") ||
		    !strcmp(t, "until") || !strcmp(t, "{"))
			rs->depth++;
		else if ((!strcmp(t, "fi") || !strcmp(t, "done") ||
		    !strcmp(t, "}")) && rs->depth > 0)
			rs->depth--;
		else if (!strcmp(t, "esac")) {
			if (rs->depth > 0)
				rs->depth--;
			if (rs->in_case > 0)
				rs->in_case--;
		} else if (!strcmp(t, "case")) {
			rs->depth++;
			rs->in_case++;
			return 0;
		} else if (!strcmp(t, "for") || !strcmp(t, "select")) {
			rs->depth++;
			return 0;
		}
	}
	return 1;
}

/* exec [-cl] [-a NAME] [--] PROGRAM: 1 if it runs a program (and, not
 * under a condition, ends the script), 0 for exec 2>&1. */
static int
builtin_exec(struct runscript *rs, const struct rs_word *w, size_t n,
    int conditional)
{
	size_t k;

	for (k = 1; k < n && w[k].literal && w[k].text[0] == '-'; k++) {
		if (!strcmp(w[k].text, "--")) {
			k++;
			break;
		}
		if (!strcmp(w[k].text, "-a"))
			k++;
	}
	if (k >= n)
		return 0;
	if (!conditional)
		rs->done = 1;
	return 1;
}

/* The builtins the reader follows itself, at w[0..n): 1 when w is a
 * command to report, 0 when it was consumed here, -1 on error. */
static int
builtin(struct runscript *rs, const struct rs_word *w, size_t n,
    int conditional, unsigned line, struct err *err)
{
	const char *t = w[0].text;
	size_t k;

	if (w[0].unknown)
		return 1;
	if (rs_in_list(t, rs_declarations))
		return rs_declare(rs, w, n, conditional, err);
	if (!strcmp(t, "set")) {
		for (k = 1; k < n; k++)
			if ((w[k].text[0] == '-' || w[k].text[0] == '+') &&
			    strchr(w[k].text, 'a') != NULL)
				rs->allexport = w[k].text[0] == '-';
		return 0;
	}
	if (!strcmp(t, "unset"))
		return rs_unset(rs, w, n, err);
	if (!strcmp(t, ".") || !strcmp(t, "source"))
		return rs_mark_sourced(rs, n > 1 ? &w[1] : NULL, line, err);
	if (!strcmp(t, "exit")) {
		if (!conditional)
			rs->done = 1;
		return 0;
	}
	if (!strcmp(t, "exec"))
		return builtin_exec(rs, w, n, conditional);
	return 1;
}

/* Returns 1 when cmd is a command to report, 0 when the words were
 * consumed here, -1 on error. */
static int
process(struct runscript *rs, struct wvec *wv, int conditional,
    struct rs_command *cmd, struct err *err)
{
	const struct rs_word *w = wv->v;
	struct rs_word *copy;
	size_t n = wv->n, i = 0, j, k;
	int r;

	if (keywords(rs, w, n, &i) == 0)
		return 0;
	conditional = conditional || rs->depth > 0;
	if (i == n)
		return 0;
	for (j = i; j < n && w[j].assignment; j++)
		;
	if (j == n) {
		for (k = i; k < n; k++)
			if (rs_assign(rs, &w[k], 0, conditional, err) == -1)
				return -1;
		return 0;
	}
	if ((r = builtin(rs, w + j, n - j, conditional, wv->line, err)) != 1)
		return r;
	if (rs_make_env(rs, w + i, j - i, cmd, err) == -1)
		return -1;
	if ((copy = rs_arena_alloc(&rs->arena, (n - j) * sizeof(*copy),
	    err)) == NULL)
		return -1;
	memcpy(copy, w + j, (n - j) * sizeof(*copy));
	cmd->words = copy;
	cmd->nwords = n - j;
	cmd->line = wv->line;
	cmd->conditional = conditional;
	return 1;
}

int
runscript_open(const char *text, size_t len, struct runscript **rsp,
    struct err *err)
{
	struct runscript *rs;

	*rsp = NULL;
	if (len > RUNSCRIPT_MAX)
		return err_set(err, EX_DATAERR, "the run script is longer than "
		    "%d bytes", RUNSCRIPT_MAX);
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return err_set(err, EX_OSERR, "out of memory reading a run "
		    "script");
	rs->lx.s = text;
	rs->lx.len = len;
	rs->lx.line = 1;
	*rsp = rs;
	return 0;
}

int
runscript_next(struct runscript *rs, struct rs_command *cmd, struct err *err)
{
	struct wvec wv;
	int sep, conditional, r = 0;

	memset(&wv, 0, sizeof(wv));
	memset(cmd, 0, sizeof(*cmd));
	while (!rs->done && r == 0) {
		if (rs->lx.pos >= rs->lx.len)
			break;
		wv.n = 0;
		conditional = rs->next_conditional || rs->parens > 0;
		if (rs_read_words(rs, &rs->lx, &wv, &sep, err) == -1) {
			r = -1;
			break;
		}
		/* a pipeline's commands run in subshells */
		if (sep == '|')
			conditional = 1;
		if (wv.n > 0 && (r = process(rs, &wv, conditional, cmd,
		    err)) == -1)
			break;
		rs->next_conditional = sep == 'a' || sep == 'o' || sep == '|';
		if (sep == '(') {
			rs->parens++;
			rs->depth++;
		} else if (sep == ')' && rs->parens > 0 &&
		    !(rs->in_case > 0 && wv.n > 0)) {
			rs->parens--;
			if (rs->depth > 0)
				rs->depth--;
		}
	}
	free(wv.v);
	return r;
}

void
runscript_free(struct runscript *rs)
{
	if (rs == NULL)
		return;
	rs_arena_free(&rs->arena);
	free(rs->vars);
	free(rs);
}
