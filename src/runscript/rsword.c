/*
 * rsword.c: the words of a run script, as the shell would make them:
 * quoting, backslash-newline, $VAR, ${VAR:-word}, `id -u USER` and $( ),
 * splitting of unquoted values, redirections and here-documents.  Parts
 * that need the script to run are kept as written and mark the word
 * unknown, with the reason.  Every word and the nesting of $( ) are
 * bounded (rsword.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/userdb.h"
#include "runscript/rsword.h"

static int lex_chars(struct runscript *, struct lexer *, struct wbuf *,
    struct wvec *, int split, int whole, struct err *err);

/* --- small helpers --------------------------------------------------- */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Is c one of set?  (strchr() alone would also find the NUL.) */
static int
in_set(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static int
is_operator(char c)
{
	return in_set(";&|()<>", c);
}

static int
is_name_start(int c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int
is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does s start with NAME= ? */
static int
is_assignment_start(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_name_start(s[0]))
		return 0;
	for (i = 1; i < n && is_name_char(s[i]); i++)
		;
	return i < n && s[i] == '=';
}

int
rs_in_list(const char *word, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(word, *list) == 0)
			return 1;
	return 0;
}

/* Move the lexer to pos, counting the newlines passed. */
static void
advance(struct lexer *lx, size_t pos)
{
	if (pos > lx->len)
		pos = lx->len;
	for (; lx->pos < pos; lx->pos++)
		if (lx->s[lx->pos] == '\n')
			lx->line++;
}

/* For messages: s[0..n) on one line, shortened. */
static void
excerpt(char *buf, size_t size, const char *s, size_t n)
{
	size_t i, o = 0, max = 72;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	for (i = 0; i < n && o + 4 < size; i++) {
		if (i == max) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = (s[i] == '\n' || s[i] == '\t') ? ' ' :
		    isprint((unsigned char)s[i]) ? s[i] : '?';
	}
	buf[o] = '\0';
}

/* --- words ----------------------------------------------------------- */

static void
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

static void
wb_set_why(struct wbuf *wb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
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

static int
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
static int
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

static int
wv_push(struct runscript *rs, struct wvec *wv, struct wbuf *wb, struct err *err)
{
	struct rs_word *w, *bigger;
	size_t cap;

	if (wv->n == WORDS_MAX)
		return err_set(err, EX_DATAERR, "a command in the run script "
		    "has more than %d words", WORDS_MAX);
	if (wv->n == wv->cap) {
		cap = wv->cap ? wv->cap * 2 : 16;
		if ((bigger = reallocarray(wv->v, cap, sizeof(*bigger))) ==
		    NULL)
			return err_set(err, EX_OSERR, "out of memory reading a "
			    "run script");
		wv->v = bigger;
		wv->cap = cap;
	}
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
static int
put_value(struct runscript *rs, struct wbuf *wb, struct wvec *out,
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

/* --- expansions ------------------------------------------------------ */

/* Index of the character that closes an opening at from-1 ("(" or "{"),
 * skipping quotes and nested pairs; len if there is none. */
static size_t
find_close(const char *s, size_t from, size_t len, char open, char close)
{
	size_t i;
	int depth = 1;

	for (i = from; i < len; i++) {
		switch (s[i]) {
		case '\\':
			i++;
			break;
		case '\'':
			while (++i < len && s[i] != '\'')
				;
			break;
		case '"':
			while (++i < len && s[i] != '"')
				if (s[i] == '\\')
					i++;
			break;
		case '`':
			while (++i < len && s[i] != '`')
				if (s[i] == '\\')
					i++;
			break;
		default:
			if (s[i] == open)
				depth++;
			else if (s[i] == close && --depth == 0)
				return i;
		}
	}
	return len;
}

/* Answer `id [-u|-g] [-n] [USER]` from the account database. */
static int
eval_id(const struct wvec *wv, char *out, size_t size, char *why,
    size_t whysize)
{
	const char *user = NULL, *base, *p;
	char name[USERDB_NAME_MAX];
	int want_u = 0, want_g = 0, want_name = 0;
	size_t i;
	uid_t uid;
	gid_t gid;

	for (i = 0; i < wv->n; i++)
		if (wv->v[i].unknown)
			return -1;
	if (wv->n == 0)
		return -1;
	base = strrchr(wv->v[0].text, '/');
	base = base ? base + 1 : wv->v[0].text;
	if (strcmp(base, "id") != 0)
		return -1;
	for (i = 1; i < wv->n; i++) {
		p = wv->v[i].text;
		if (p[0] == '-' && p[1] != '\0' && user == NULL) {
			for (p++; *p != '\0'; p++) {
				if (*p == 'u')
					want_u = 1;
				else if (*p == 'g')
					want_g = 1;
				else if (*p == 'n')
					want_name = 1;
				else if (*p != 'r')
					return -1;
			}
		} else if (user == NULL)
			user = p;
		else
			return -1;
	}
	if (want_u + want_g != 1)
		return -1;
	if (user == NULL) {
		/* supervise and runsv run the script as root */
		uid = 0;
		gid = 0;
		user = "root";
	} else if (userdb_user_by_name(user, &uid, &gid) == -1) {
		snprintf(why, whysize, "`id` finds no user %s here", user);
		return -2;
	}
	if (want_u && !want_name)
		snprintf(out, size, "%lu", (unsigned long)uid);
	else if (want_u)
		snprintf(out, size, "%s", user);
	else if (!want_name)
		snprintf(out, size, "%lu", (unsigned long)gid);
	else if (userdb_group_by_gid(gid, name, sizeof(name)) == 0)
		snprintf(out, size, "%s", name);
	else {
		snprintf(why, whysize, "`id -gn %s`: gid %lu has no name",
		    user, (unsigned long)gid);
		return -2;
	}
	return 0;
}

/* $( ) or ` `: only `id` is answered; inner is the command text. */
static int
subst(struct runscript *rs, const char *inner, size_t n, const char *raw,
    size_t rawlen, struct wbuf *wb, struct wvec *out, int split,
    struct err *err)
{
	struct lexer sub;
	struct wvec wv;
	char value[USERDB_NAME_MAX + 32], why[WHY_MAX], text[96];
	int sep = 0, r = -1, rc = -1;

	memset(&wv, 0, sizeof(wv));
	memset(&sub, 0, sizeof(sub));
	sub.s = inner;
	sub.len = n;
	sub.line = rs->lx.line;
	why[0] = '\0';
	excerpt(text, sizeof(text), inner, n);
	if (rs->subst_depth < SUBST_DEPTH) {
		rs->subst_depth++;
		r = rs_read_words(rs, &sub, &wv, &sep, err);
		rs->subst_depth--;
		if (r == -1)
			goto out;
		/* one simple command and nothing after it */
		while (sub.pos < sub.len && (isspace((unsigned char)
		    sub.s[sub.pos]) || sub.s[sub.pos] == ';'))
			sub.pos++;
		r = (sub.pos == sub.len && sep != '|' && sep != '&') ?
		    eval_id(&wv, value, sizeof(value), why, sizeof(why)) : -1;
	}
	if (r == 0)
		rc = put_value(rs, wb, out, value, strlen(value), split, err);
	else {
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "qmail-pem does not run "
			    "`%s`", text);
		rc = wb_unknown(wb, raw, rawlen, why, err);
	}
out:
	free(wv.v);
	return rc;
}

/* ${...}: the braced text is s[0..n); raw is the whole ${...}. */
static int
braced(struct runscript *rs, const char *s, size_t n, const char *raw,
    size_t rawlen, struct wbuf *wb, struct wvec *out, int split,
    struct err *err)
{
	const char *value, *why, *op;
	struct lexer sub;
	struct wbuf def;
	struct rs_word w;
	enum lookup state;
	size_t name_len = 0, oplen;
	int colon, rc;
	char buf[WHY_MAX];

	while (name_len < n && is_name_char(s[name_len]))
		name_len++;
	if (name_len == 0 || !is_name_start(s[0])) {
		excerpt(buf, sizeof(buf), raw, rawlen);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    " is only known when the script runs");
		return wb_unknown(wb, raw, rawlen, buf, err);
	}
	state = rs_var_lookup(rs, s, name_len, &value, &why);
	op = s + name_len;
	oplen = n - name_len;
	colon = oplen > 0 && op[0] == ':';
	if (oplen == 0) {
		if (state == VAR_KNOWN)
			return put_value(rs, wb, out, value ? value : "",
			    value ? strlen(value) : 0, split, err);
		if (why == NULL) {
			snprintf(buf, sizeof(buf), "$%.*s is not set in the "
			    "script", (int)name_len, s);
			why = rs->sourced ? rs->sourced : buf;
		}
		return wb_unknown(wb, raw, rawlen, why, err);
	}
	if (oplen < (size_t)colon + 1 ||
	    (op[colon] != '-' && op[colon] != '=')) {
		excerpt(buf, sizeof(buf), raw, rawlen);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    " is not followed by qmail-pem");
		return wb_unknown(wb, raw, rawlen, buf, err);
	}
	/*
	 * ${NAME:-word} ${NAME-word} ${NAME:=word} ${NAME=word}.  A name the
	 * script never sets is taken as unset: supervise and runsv pass on
	 * svscan's environment, which holds almost nothing.
	 */
	if (state == VAR_UNKNOWN)
		return wb_unknown(wb, raw, rawlen, why, err);
	if (state == VAR_KNOWN && value != NULL && (!colon || *value != '\0'))
		return put_value(rs, wb, out, value, strlen(value), split, err);
	memset(&sub, 0, sizeof(sub));
	sub.s = op + colon + 1;
	sub.len = oplen - (size_t)colon - 1;
	sub.line = rs->lx.line;
	memset(&def, 0, sizeof(def));
	wb_reset(&def);
	if ((rc = wb_put(&def, s, name_len + 1, err)) == 0)	/* "NAME=" */
		def.s[name_len] = '=';
	if (rc == 0)
		rc = lex_chars(rs, &sub, &def, NULL, 0, 1, err);
	if (rc == 0 && op[colon] == '=') {
		memset(&w, 0, sizeof(w));
		/* The variable keeps pointing at its text: the arena's copy,
		 * not def.s, which is freed below. */
		w.text = rs_arena_strndup(&rs->arena, def.s, def.len, err);
		w.len = def.len;
		w.unknown = def.unknown;
		w.why = def.unknown ? rs_arena_strndup(&rs->arena, def.why,
		    strlen(def.why), err) : NULL;
		if (w.text == NULL || (def.unknown && w.why == NULL))
			rc = -1;
		else
			rc = rs_assign(rs, &w, 0, rs->depth > 0, err);
	}
	if (rc == 0 && def.unknown)
		rc = wb_unknown(wb, raw, rawlen, def.why, err);
	else if (rc == 0)
		rc = put_value(rs, wb, out, def.s + name_len + 1,
		    def.len - name_len - 1, split, err);
	free(def.s);
	return rc;
}

/* At a '$' in lx: expand it into wb. */
static int
dollar(struct runscript *rs, struct lexer *lx, struct wbuf *wb,
    struct wvec *out, int split, struct err *err)
{
	const char *s = lx->s, *value, *why;
	size_t start = lx->pos, i = lx->pos + 1, end;
	char buf[WHY_MAX];
	enum lookup state;

	wb->literal = 0;
	if (i >= lx->len || (s[i] != '(' && s[i] != '{' &&
	    !is_name_char(s[i]) && !in_set("@*#?$!-", s[i]))) {
		advance(lx, i);
		return wb_put(wb, "$", 1, err);
	}
	if (s[i] == '(') {
		end = find_close(s, i + 1, lx->len, '(', ')');
		advance(lx, end < lx->len ? end + 1 : lx->len);
		if (i + 1 < lx->len && s[i + 1] == '(')
			return wb_unknown(wb, s + start, lx->pos - start,
			    "arithmetic $(( )) is not followed", err);
		if (end >= lx->len)
			return wb_unknown(wb, s + start, lx->pos - start,
			    "a $( is not closed", err);
		return subst(rs, s + i + 1, end - i - 1, s + start,
		    lx->pos - start, wb, out, split, err);
	}
	if (s[i] == '{') {
		end = find_close(s, i + 1, lx->len, '{', '}');
		advance(lx, end < lx->len ? end + 1 : lx->len);
		if (end >= lx->len)
			return wb_unknown(wb, s + start, lx->pos - start,
			    "a ${ is not closed", err);
		return braced(rs, s + i + 1, end - i - 1, s + start,
		    lx->pos - start, wb, out, split, err);
	}
	if (!is_name_start(s[i])) {
		/* $1, $@, $$ ... */
		advance(lx, i + 1);
		snprintf(buf, sizeof(buf), "$%c is only known when the script "
		    "runs", s[i]);
		return wb_unknown(wb, s + start, 2, buf, err);
	}
	for (end = i; end < lx->len && is_name_char(s[end]); end++)
		;
	advance(lx, end);
	state = rs_var_lookup(rs, s + i, end - i, &value, &why);
	if (state == VAR_KNOWN)
		return put_value(rs, wb, out, value ? value : "",
		    value ? strlen(value) : 0, split, err);
	if (why == NULL) {
		snprintf(buf, sizeof(buf), "$%.*s is not set in the script",
		    (int)(end - i), s + i);
		why = rs->sourced ? rs->sourced : buf;
	}
	return wb_unknown(wb, s + start, end - start, why, err);
}

/* At a '`' in lx: the old form of $( ). */
static int
backquote(struct runscript *rs, struct lexer *lx, struct wbuf *wb,
    struct wvec *out, int split, struct err *err)
{
	const char *s = lx->s;
	size_t start = lx->pos, i, n = 0;
	char *inner;
	int rc;

	wb->literal = 0;
	for (i = start + 1; i < lx->len && s[i] != '`'; i++)
		if (s[i] == '\\' && i + 1 < lx->len)
			i++;
	advance(lx, i < lx->len ? i + 1 : lx->len);
	if (i >= lx->len)
		return wb_unknown(wb, s + start, lx->pos - start,
		    "a ` is not closed", err);
	if ((inner = malloc(i - start)) == NULL)
		return err_set(err, EX_OSERR, "out of memory reading a run "
		    "script");
	/* inside backquotes, \ quotes only $ ` and \ */
	for (i = start + 1; s[i] != '`'; i++) {
		if (s[i] == '\\' && in_set("$`\\", s[i + 1]))
			i++;
		inner[n++] = s[i];
	}
	rc = subst(rs, inner, n, s + start, lx->pos - start, wb, out, split,
	    err);
	free(inner);
	return rc;
}

/*
 * The characters of one word into wb (and, when an unquoted value splits,
 * finished words into out).  With whole, blanks and operators do not end
 * it: used for the word in ${NAME:-word}.
 */
static int
lex_chars(struct runscript *rs, struct lexer *lx, struct wbuf *wb,
    struct wvec *out, int split, int whole, struct err *err)
{
	const char *s = lx->s;
	char c;
	size_t i;
	int rc;

	while (lx->pos < lx->len) {
		c = s[lx->pos];
		if (!whole && (is_blank(c) || c == '\n' || is_operator(c)))
			break;
		rc = 0;
		if (c == '\\') {
			if (lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n') {
				advance(lx, lx->pos + 2);
				continue;
			}
			wb->literal = 0;
			if (lx->pos + 1 < lx->len)
				rc = wb_put(wb, s + lx->pos + 1, 1, err);
			advance(lx, lx->pos + 2);
		} else if (c == '\'') {
			wb->literal = 0;
			for (i = lx->pos + 1; i < lx->len && s[i] != '\''; i++)
				;
			rc = wb_put(wb, s + lx->pos + 1, i - lx->pos - 1, err);
			if (i >= lx->len)
				wb_set_why(wb, "a ' is not closed");
			advance(lx, i + 1);
		} else if (c == '"') {
			wb->literal = 0;
			wb->present = 1;
			advance(lx, lx->pos + 1);
			while (rc == 0 && lx->pos < lx->len &&
			    s[lx->pos] != '"') {
				c = s[lx->pos];
				if (c == '\\' && lx->pos + 1 < lx->len &&
				    in_set("$`\"\\\n", s[lx->pos + 1])) {
					if (s[lx->pos + 1] != '\n')
						rc = wb_put(wb,
						    s + lx->pos + 1, 1, err);
					advance(lx, lx->pos + 2);
				} else if (c == '$')
					rc = dollar(rs, lx, wb, out, 0, err);
				else if (c == '`')
					rc = backquote(rs, lx, wb, out, 0, err);
				else {
					rc = wb_put(wb, s + lx->pos, 1, err);
					advance(lx, lx->pos + 1);
				}
			}
			if (lx->pos >= lx->len)
				wb_set_why(wb, "a \" is not closed");
			advance(lx, lx->pos + 1);
		} else if (c == '$' || c == '`') {
			size_t before = wb->len;
			int was = wb->unknown && wb->known_from == before;

			if (c == '$')
				rc = dollar(rs, lx, wb, out,
				    split && out != NULL, err);
			else
				rc = backquote(rs, lx, wb, out,
				    split && out != NULL, err);
			/* an unknown part just appended, unquoted */
			if (rc == 0 && split && wb->unknown && !was &&
			    wb->known_from == wb->len && wb->len > before)
				wb->may_split = 1;
		} else {
			rc = wb_put(wb, s + lx->pos, 1, err);
			advance(lx, lx->pos + 1);
		}
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* --- commands -------------------------------------------------------- */

/* At < or >: drop the redirection and its target. */
static int
redirection(struct runscript *rs, struct lexer *lx, struct err *err)
{
	struct wbuf wb;
	struct wvec dummy;
	const char *s = lx->s;
	int heredoc = 0, strip = 0, rc;

	if (s[lx->pos] == '<' && lx->pos + 1 < lx->len &&
	    s[lx->pos + 1] == '<') {
		heredoc = 1;
		advance(lx, lx->pos + 2);
		if (lx->pos < lx->len && s[lx->pos] == '-') {
			strip = 1;
			advance(lx, lx->pos + 1);
		}
	} else {
		advance(lx, lx->pos + 1);
		if (lx->pos < lx->len && in_set("<>&|", s[lx->pos]))
			advance(lx, lx->pos + 1);
	}
	while (lx->pos < lx->len && is_blank(s[lx->pos]))
		advance(lx, lx->pos + 1);
	memset(&wb, 0, sizeof(wb));
	memset(&dummy, 0, sizeof(dummy));
	wb_reset(&wb);
	rc = lex_chars(rs, lx, &wb, NULL, 0, 0, err);
	if (rc == 0 && heredoc && !lx->heredoc_pending &&
	    wb.len < sizeof(lx->heredoc)) {
		memcpy(lx->heredoc, wb.s ? wb.s : "", wb.len);
		lx->heredoc[wb.len] = '\0';
		lx->heredoc_strip = strip;
		lx->heredoc_pending = 1;
	}
	free(wb.s);
	return rc;
}

/* After the newline that ends a line with <<WORD: skip the document. */
static void
skip_heredoc(struct lexer *lx)
{
	size_t start, end, n = strlen(lx->heredoc);

	lx->heredoc_pending = 0;
	while (lx->pos < lx->len) {
		start = lx->pos;
		for (end = start; end < lx->len && lx->s[end] != '\n'; end++)
			;
		if (lx->heredoc_strip)
			while (start < end && lx->s[start] == '\t')
				start++;
		advance(lx, end < lx->len ? end + 1 : end);
		if (end - start == n && memcmp(lx->s + start, lx->heredoc, n)
		    == 0)
			return;
	}
}

const char *const rs_reserved[] = {
	"if", "then", "else", "elif", "fi", "do", "done", "while", "until",
	"for", "select", "case", "esac", "!", "{", "}", "time", NULL
};
const char *const rs_declarations[] = {
	"export", "readonly", "local", "declare", "typeset", NULL
};

/*
 * The words of one simple command, up to an unquoted separator; *sep is
 * '\n', ';', '&' (& or &&), 'a' (&&), 'o' (||), '|', '(', ')', or 0 at the
 * end.  Redirections are dropped.
 */
int
rs_read_words(struct runscript *rs, struct lexer *lx, struct wvec *out,
    int *sep, struct err *err)
{
	const char *s = lx->s;
	struct wbuf wb;
	size_t j, before;
	int assign_ok = 1, decl = 0, rc = 0;
	const struct rs_word *last;

	memset(&wb, 0, sizeof(wb));
	*sep = 0;
	while (lx->pos < lx->len) {
		char c = s[lx->pos];

		if (is_blank(c)) {
			advance(lx, lx->pos + 1);
			continue;
		}
		if (c == '\\' && lx->pos + 1 < lx->len &&
		    s[lx->pos + 1] == '\n') {
			advance(lx, lx->pos + 2);
			continue;
		}
		if (c == '#') {
			while (lx->pos < lx->len && s[lx->pos] != '\n')
				advance(lx, lx->pos + 1);
			continue;
		}
		if (c == '\n') {
			advance(lx, lx->pos + 1);
			if (lx->heredoc_pending)
				skip_heredoc(lx);
			*sep = '\n';
			break;
		}
		if (c == ';' || c == '&' || c == '|') {
			advance(lx, lx->pos + 1);
			*sep = c;
			if (lx->pos < lx->len && s[lx->pos] == c) {
				advance(lx, lx->pos + 1);
				*sep = c == '&' ? 'a' : c == '|' ? 'o' : ';';
			}
			break;
		}
		if (c == '(' || c == ')') {
			advance(lx, lx->pos + 1);
			*sep = c;
			break;
		}
		for (j = lx->pos; j < lx->len && isdigit((unsigned char)s[j]);
		    j++)
			;
		if (j < lx->len && (s[j] == '<' || s[j] == '>')) {
			advance(lx, j);
			if ((rc = redirection(rs, lx, err)) == -1)
				break;
			continue;
		}
		wb_reset(&wb);
		wb.assignment = assign_ok &&
		    is_assignment_start(s + lx->pos, lx->len - lx->pos);
		before = out->n;
		if ((rc = lex_chars(rs, lx, &wb, out, !wb.assignment, 0,
		    err)) ==
		    -1)
			break;
		if ((wb.present || wb.len > 0) &&
		    (rc = wv_push(rs, out, &wb, err)) == -1)
			break;
		if (out->n == before)
			continue;
		last = &out->v[out->n - 1];
		if (last->assignment)
			continue;
		if (last->literal && rs_in_list(last->text, rs_reserved) &&
		    out->n - 1 == before)
			continue;
		if (last->literal && rs_in_list(last->text, rs_declarations))
			decl = 1;
		assign_ok = decl;
	}
	free(wb.s);
	return rc;
}
