/*
 * programs.c: QMAILHOME, qmail's default program paths, and the program a
 * run-script word names (see programs.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "base/err.h"
#include "site/programs.h"

int
programs_defaults(const char *control_dir, struct qmail_programs *out,
    struct err *err)
{
	size_t len = strlen(control_dir), slash, home_len;
	const char *last;
	int n;

	memset(out, 0, sizeof(*out));
	while (len > 1 && control_dir[len - 1] == '/')
		len--;
	if (len == 0)
		return err_set(err, EX_USAGE, "the control directory's name is "
		    "empty: pass it with -d (e.g. -d /var/qmail/control)");
	for (slash = len; slash > 0 && control_dir[slash - 1] != '/'; slash--)
		;
	last = control_dir + slash;
	if ((len - slash == 1 && last[0] == '.') ||
	    (len - slash == 2 && last[0] == '.' && last[1] == '.'))
		return err_set(err, EX_USAGE, "cannot tell qmail's home from "
		    "the control directory %s: name the directory itself (e.g. "
		    "/var/qmail/control)", control_dir);
	if (slash == 0)		/* "control": the home is the current dir */
		n = snprintf(out->home, sizeof(out->home), ".");
	else {
		home_len = slash;
		while (home_len > 1 && control_dir[home_len - 1] == '/')
			home_len--;	/* "/var/qmail//control" */
		n = snprintf(out->home, sizeof(out->home), "%.*s",
		    (int)home_len, control_dir);
	}
	if (n < 0 || (size_t)n >= sizeof(out->home) ||
	    (size_t)snprintf(out->smtpd, sizeof(out->smtpd), "%s/bin/%s",
	    strcmp(out->home, "/") == 0 ? "" : out->home, "qmail-smtpd") >=
	    sizeof(out->smtpd) ||
	    (size_t)snprintf(out->remote, sizeof(out->remote), "%s/bin/%s",
	    strcmp(out->home, "/") == 0 ? "" : out->home, "qmail-remote") >=
	    sizeof(out->remote))
		return err_set(err, EX_USAGE, "the control directory's name is "
		    "too long: %.64s...", control_dir);
	return 0;
}

static void unresolved(struct program_where *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
unresolved(struct program_where *out, const char *fmt, ...)
{
	va_list ap;

	out->how = PROGRAM_UNRESOLVED;
	out->path[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

static int
has_expansion(const char *s, size_t len)
{
	return memchr(s, '$', len) != NULL || memchr(s, '`', len) != NULL;
}

/* An executable regular file, as execve(2) would run it (links followed). */
static int
is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0111) != 0;
}

/* dir/name into out->path; dir relative to the service directory unless
 * absolute.  0, or -1 when it does not fit or dir cannot be placed. */
static int
join(const struct program_context *ctx, const char *dir, size_t dirlen,
    const char *name, struct program_where *out)
{
	int n;

	if (dirlen > 0 && dir[0] == '/')
		n = snprintf(out->path, sizeof(out->path), "%.*s/%s",
		    (int)dirlen, dir, name);
	else if (ctx->service_dir == NULL)
		return -1;
	else if (dirlen == 0)	/* an empty PATH element: the current dir */
		n = snprintf(out->path, sizeof(out->path), "%s/%s",
		    ctx->service_dir, name);
	else
		n = snprintf(out->path, sizeof(out->path), "%s/%.*s/%s",
		    ctx->service_dir, (int)dirlen, dir, name);
	return n < 0 || (size_t)n >= sizeof(out->path) ? -1 : 0;
}

/* A PATH search: the first element that is not known stops it. */
struct search {
	const struct program_context	*ctx;
	const char			*dflt;	/* what $PATH stands for */
	const char			*name;
	int				 blocked;	/* an element not known
							 * was passed */
	char				 unknown[96];	/* that element */
};

/*
 * Look s->name up in the PATH value path (":"-separated; "$PATH" or
 * "${PATH}" elements expand to s->dflt, at depth 0 only).  1: found, in
 * out->path; 0: not found, or an element before it is not known
 * (s->blocked).
 */
static int
search(struct search *s, const char *path, int depth,
    struct program_where *out)
{
	const struct program_context *ctx = s->ctx;
	const char *p = path, *end;
	size_t len;

	for (;;) {
		end = strchr(p, ':');
		len = end ? (size_t)(end - p) : strlen(p);
		if (depth == 0 && ((len == 5 && strncmp(p, "$PATH", 5) == 0) ||
		    (len == 7 && strncmp(p, "${PATH}", 7) == 0))) {
			if (search(s, s->dflt, 1, out) == 1)
				return 1;
		} else if (has_expansion(p, len) ||
		    (ctx->service_dir == NULL && (len == 0 || p[0] != '/'))) {
			/* Relative elements (and the empty one, the current
			 * directory) need the service directory. */
			s->blocked = 1;
			snprintf(s->unknown, sizeof(s->unknown), "%.*s",
			    (int)(len > 80 ? 80 : len), p);
			return 0;
		} else if (join(ctx, p, len, s->name, out) == 0 &&
		    is_program(out->path))
			return 1;
		if (s->blocked || end == NULL)
			return 0;
		p = end + 1;
	}
}

static void
resolve_bare(const char *name, const struct program_context *ctx,
    struct program_where *out)
{
	struct search s;
	const char *path;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.name = name;
	s.dflt = ctx->default_path ? ctx->default_path : PROGRAMS_PATH_DEFAULT;
	path = ctx->path ? ctx->path : s.dflt;
	if (search(&s, path, ctx->path ? 0 : 1, out) == 1) {
		out->how = ctx->path ? PROGRAM_SCRIPT_PATH :
		    PROGRAM_DEFAULT_PATH;
		return;
	}
	if (s.blocked)
		unresolved(out, "%s: the PATH element '%s' is not known, and "
		    "%s is not in the PATH before it", name, s.unknown, name);
	else
		unresolved(out, "%s is not in %s (PATH=%.120s)", name,
		    ctx->path ? "the PATH the run script sets" :
		    "the PATH a run script inherits", path);
}

/* The value of $NAME or ${NAME} at the start of word: 0 and the rest in
 * *rest; -1 unresolved. */
static int
leading_var(const char *word, const struct program_context *ctx,
    const char **value, const char **rest, struct program_where *out)
{
	const char *name = word + 1, *end;
	size_t len, i;
	int braced = *name == '{';

	if (braced)
		name++;
	for (end = name; isalnum((unsigned char)*end) || *end == '_'; end++)
		;
	len = (size_t)(end - name);
	if (len == 0 || isdigit((unsigned char)name[0]) ||
	    (braced && *end != '}')) {
		unresolved(out, "%.80s: an expansion that is not known", word);
		return -1;
	}
	*rest = end + braced;
	if (**rest != '\0' && **rest != '/') {
		unresolved(out, "%.80s: an expansion that is not known", word);
		return -1;
	}
	*value = NULL;
	for (i = ctx->nvars; i > 0; i--)
		if (strlen(ctx->vars[i - 1].name) == len &&
		    strncmp(ctx->vars[i - 1].name, name, len) == 0)
			break;
	if (i == 0) {
		unresolved(out, "%.80s: $%.*s is not known (not set in the "
		    "run script or its envdir)", word, (int)len, name);
		return -1;
	}
	if ((*value = ctx->vars[i - 1].value) == NULL) {
		unresolved(out, "%.80s: $%.*s is unset", word, (int)len, name);
		return -1;
	}
	return 0;
}

void
programs_resolve(const char *word, const struct program_context *ctx,
    struct program_where *out)
{
	char expanded[PATH_MAX];
	const char *value, *rest;
	size_t i;
	int n;

	memset(out, 0, sizeof(*out));
	for (i = 0; word[i] != '\0'; i++)
		if (!isprint((unsigned char)word[i])) {
			unresolved(out, "the program's name holds control "
			    "characters");
			return;
		}
	if (word[0] == '$') {
		if (leading_var(word, ctx, &value, &rest, out) == -1)
			return;
		n = snprintf(expanded, sizeof(expanded), "%s%s", value, rest);
		if (n < 0 || (size_t)n >= sizeof(expanded)) {
			unresolved(out, "%.80s: too long once expanded", word);
			return;
		}
		for (i = 0; expanded[i] != '\0'; i++)
			if (!isprint((unsigned char)expanded[i])) {
				unresolved(out, "%.80s: the value holds "
				    "control characters", word);
				return;
			}
		out->from_var = 1;
		word = expanded;
	}
	if (word[0] == '\0') {
		unresolved(out, "the program's name is empty");
		return;
	}
	if (has_expansion(word, strlen(word))) {
		unresolved(out, "%.80s: an expansion that is not known", word);
		return;
	}
	if (word[0] == '/') {
		n = snprintf(out->path, sizeof(out->path), "%s", word);
		out->how = PROGRAM_AS_WRITTEN;
		if (n < 0 || (size_t)n >= sizeof(out->path))
			unresolved(out, "%.80s...: too long", word);
		return;
	}
	if (strchr(word, '/') != NULL) {
		if (ctx->service_dir == NULL)
			unresolved(out, "%.80s: a path relative to the service "
			    "directory, which is not known", word);
		else if (join(ctx, "", 0, word, out) == -1)
			unresolved(out, "%.80s: too long", word);
		else
			out->how = PROGRAM_SERVICE_DIR;
		return;
	}
	resolve_bare(word, ctx, out);
}
