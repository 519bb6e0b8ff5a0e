/*
 * rsvars.c: the arena a run script's words live in, and its variables.
 *
 * Strings live in an arena that is freed as a whole, so that the many
 * small pieces of a parse need no individual clean-up on error paths.  The
 * arena and the number of variables are bounded (rsvars.h), so a hostile
 * script costs little.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/grow.h"
#include "runscript/rsvars.h"

/* --- arena ---------------------------------------------------------- */

void *
rs_arena_alloc(struct arena *a, size_t n, struct err *err)
{
	struct block *b = a->head;
	size_t size;

	n = (n + 15) & ~(size_t)15;
	if (b == NULL || b->size - b->used < n) {
		size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if (a->total + size > ARENA_MAX) {
			err_set(err, EX_DATAERR, "the run script is too "
			    "complex to read (more than %d MiB of words)",
			    ARENA_MAX / (1024 * 1024));
			return NULL;
		}
		if ((b = malloc(sizeof(*b) + size)) == NULL) {
			err_set(err, EX_OSERR, "out of memory reading a run "
			    "script");
			return NULL;
		}
		b->used = 0;
		b->size = size;
		b->next = a->head;
		a->head = b;
		a->total += size;
	}
	b->used += n;
	return b->data + b->used - n;
}

char *
rs_arena_strndup(struct arena *a, const char *s, size_t n, struct err *err)
{
	char *p;

	if ((p = rs_arena_alloc(a, n + 1, err)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
rs_arena_printf(struct arena *a, struct err *err, const char *fmt, ...)
{
	char buf[WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return rs_arena_strndup(a, buf, strlen(buf), err);
}

void
rs_arena_free(struct arena *a)
{
	struct block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->total = 0;
}

/* --- variables ------------------------------------------------------- */

static struct var *
var_find(struct runscript *rs, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < rs->nvars; i++)
		if (strlen(rs->vars[i].name) == n &&
		    memcmp(rs->vars[i].name, name, n) == 0)
			return &rs->vars[i];
	return NULL;
}

static struct var *
var_get(struct runscript *rs, const char *name, size_t n, struct err *err)
{
	struct var *v, *bigger;

	if ((v = var_find(rs, name, n)) != NULL)
		return v;
	if (rs->nvars == VARS_MAX) {
		err_set(err, EX_DATAERR, "the run script sets more than %d "
		    "variables", VARS_MAX);
		return NULL;
	}
	if ((bigger = grow(rs->vars, &rs->capvars, rs->nvars, sizeof(*bigger),
	    32)) == NULL) {
		err_set(err, EX_OSERR, "out of memory reading a run script");
		return NULL;
	}
	rs->vars = bigger;
	v = &rs->vars[rs->nvars];
	memset(v, 0, sizeof(*v));
	if ((v->name = rs_arena_strndup(&rs->arena, name, n, err)) == NULL)
		return NULL;
	rs->nvars++;
	return v;
}

enum lookup
rs_var_lookup(struct runscript *rs, const char *name, size_t n,
    const char **value, const char **why)
{
	struct var *v;

	*value = NULL;
	*why = NULL;
	if ((v = var_find(rs, name, n)) == NULL)
		return VAR_INHERITED;
	*value = v->value;
	*why = v->why;
	return v->unknown ? VAR_UNKNOWN : VAR_KNOWN;
}

/* NAME=value, from an assignment word. */
int
rs_assign(struct runscript *rs, const struct rs_word *w, int export,
    int conditional, struct err *err)
{
	const char *eq = strchr(w->text, '=');
	struct var *v;

	if (eq == NULL)
		return 0;
	if ((v = var_get(rs, w->text, (size_t)(eq - w->text), err)) == NULL)
		return -1;
	if (export || rs->allexport)
		v->exported = 1;
	if (conditional) {
		if (!v->unknown && !w->unknown && v->value != NULL &&
		    v->why == NULL && strcmp(v->value, eq + 1) == 0)
			return 0;	/* the same value either way */
		v->value = eq + 1;
		v->unknown = 1;
		v->why = rs_arena_printf(&rs->arena, err,
		    "$%s is set only under a "
		    "condition (line %u)", v->name, rs->lx.line);
		return v->why == NULL ? -1 : 0;
	}
	v->value = eq + 1;
	v->unknown = w->unknown;
	v->why = w->unknown ? w->why : NULL;
	return 0;
}

/* "." or "source": anything may change after it. */
int
rs_mark_sourced(struct runscript *rs, const struct rs_word *file, unsigned line,
    struct err *err)
{
	size_t i;

	rs->sourced = rs_arena_printf(&rs->arena, err,
	    "variables may come from "
	    "`. %s` (line %u), which is not read", file ? file->text : "",
	    line);
	if (rs->sourced == NULL)
		return -1;
	for (i = 0; i < rs->nvars; i++) {
		rs->vars[i].unknown = 1;
		rs->vars[i].why = rs->sourced;
	}
	return 0;
}

int
rs_unset(struct runscript *rs, const struct rs_word *w, size_t n,
    struct err *err)
{
	struct var *v;
	size_t k;

	for (k = 1; k < n; k++) {
		if (w[k].unknown || w[k].text[0] == '-')
			continue;
		if ((v = var_get(rs, w[k].text, w[k].len, err)) == NULL)
			return -1;
		v->value = NULL;
		v->unknown = 0;
		v->why = NULL;
		v->exported = 1;	/* gone from the environment too */
	}
	return 0;
}

int
rs_declare(struct runscript *rs, const struct rs_word *w, size_t n,
    int conditional, struct err *err)
{
	struct var *v;
	int export = strcmp(w[0].text, "export") == 0;
	size_t k;

	for (k = 1; k < n; k++) {
		if (w[k].text[0] == '-') {
			if (strchr(w[k].text, 'x') != NULL)
				export = 1;
			continue;
		}
		if (w[k].assignment || strchr(w[k].text, '=') != NULL) {
			if (rs_assign(rs, &w[k], export, conditional,
			    err) == -1)
				return -1;
		} else if (export && !w[k].unknown &&
		    (v = var_find(rs, w[k].text, w[k].len)) != NULL)
			v->exported = 1;
	}
	return 0;
}

/* The environment a command gets: exported variables, then its own
 * NAME=value prefixes. */
int
rs_make_env(struct runscript *rs, const struct rs_word *prefix, size_t nprefix,
    struct rs_command *cmd, struct err *err)
{
	struct rs_var *env;
	size_t i, n = 0;
	const char *eq;

	if ((env = rs_arena_alloc(&rs->arena, (rs->nvars + nprefix + 1) *
	    sizeof(*env), err)) == NULL)
		return -1;
	for (i = 0; i < rs->nvars; i++) {
		/* PATH comes from the environment: setting it changes it */
		if (!rs->vars[i].exported &&
		    strcmp(rs->vars[i].name, "PATH") != 0)
			continue;
		env[n].name = rs->vars[i].name;
		env[n].value = rs->vars[i].value;
		env[n].unknown = rs->vars[i].unknown;
		env[n].why = rs->vars[i].why;
		n++;
	}
	for (i = 0; i < nprefix; i++) {
		eq = strchr(prefix[i].text, '=');
		if (eq == NULL)
			continue;
		env[n].name = rs_arena_strndup(&rs->arena, prefix[i].text,
		    (size_t)(eq - prefix[i].text), err);
		if (env[n].name == NULL)
			return -1;
		env[n].value = eq + 1;
		env[n].unknown = prefix[i].unknown;
		env[n].why = prefix[i].why;
		n++;
	}
	cmd->env = env;
	cmd->nenv = n;
	return 0;
}
