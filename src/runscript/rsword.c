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
#include "base/userdb.h"
#include "runscript/rsid.h"
#include "runscript/rslex.h"
#include "runscript/rsword.h"

static int lex_chars(struct runscript *, struct lexer *, struct wbuf *,
    struct wvec *, int split, int whole, struct err *err);

int
rs_in_list(const char *word, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(word, *list) == 0)
			return 1;
	return 0;
}

/* --- expansions ------------------------------------------------------ */

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
	rs_excerpt(text, sizeof(text), inner, n);
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
		    rs_eval_id(&wv, value, sizeof(value), why, sizeof(why)) :
		    -1;
	}
	if (r == 0)
		rc = wb_put_value(rs, wb, out, value, strlen(value), split,
		    err);
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

/* raw, excerpted, and what is said of it, as the reason it is unknown. */
static int
unknown_as_written(struct wbuf *wb, const char *raw, size_t rawlen,
    const char *what, struct err *err)
{
	char buf[WHY_MAX];

	rs_excerpt(buf, sizeof(buf), raw, rawlen);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %s", what);
	return wb_unknown(wb, raw, rawlen, buf, err);
}

/* ${NAME:=word}: NAME gets the word as def made it ("NAME=value").  The
 * variable keeps pointing at its text: the arena's copy, not def->s,
 * which the caller frees. */
static int
assign_default(struct runscript *rs, const struct wbuf *def,
    struct err *err)
{
	struct rs_word w;

	memset(&w, 0, sizeof(w));
	w.text = rs_arena_strndup(&rs->arena, def->s, def->len, err);
	w.len = def->len;
	w.unknown = def->unknown;
	w.why = def->unknown ? rs_arena_strndup(&rs->arena, def->why,
	    strlen(def->why), err) : NULL;
	if (w.text == NULL || (def->unknown && w.why == NULL))
		return -1;
	return rs_assign(rs, &w, 0, rs->depth > 0, err);
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
	enum lookup state;
	size_t name_len = 0, oplen;
	int colon, rc;
	char buf[WHY_MAX];

	while (name_len < n && rs_is_name_char(s[name_len]))
		name_len++;
	if (name_len == 0 || !rs_is_name_start(s[0]))
		return unknown_as_written(wb, raw, rawlen, "is only known when "
		    "the script runs", err);
	state = rs_var_lookup(rs, s, name_len, &value, &why);
	op = s + name_len;
	oplen = n - name_len;
	colon = oplen > 0 && op[0] == ':';
	if (oplen == 0) {
		if (state == VAR_KNOWN)
			return wb_put_value(rs, wb, out, value ? value : "",
			    value ? strlen(value) : 0, split, err);
		if (why == NULL) {
			snprintf(buf, sizeof(buf), "$%.*s is not set in the "
			    "script", (int)name_len, s);
			why = rs->sourced ? rs->sourced : buf;
		}
		return wb_unknown(wb, raw, rawlen, why, err);
	}
	if (oplen < (size_t)colon + 1 ||
	    (op[colon] != '-' && op[colon] != '='))
		return unknown_as_written(wb, raw, rawlen, "is not followed by "
		    "qmail-pem", err);
	/*
	 * ${NAME:-word} ${NAME-word} ${NAME:=word} ${NAME=word}.  A name the
	 * script never sets is taken as unset: supervise and runsv pass on
	 * svscan's environment, which holds almost nothing.
	 */
	if (state == VAR_UNKNOWN)
		return wb_unknown(wb, raw, rawlen, why, err);
	if (state == VAR_KNOWN && value != NULL && (!colon || *value != '\0'))
		return wb_put_value(rs, wb, out, value, strlen(value), split,
		    err);
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
	if (rc == 0 && op[colon] == '=')
		rc = assign_default(rs, &def, err);
	if (rc == 0 && def.unknown)
		rc = wb_unknown(wb, raw, rawlen, def.why, err);
	else if (rc == 0)
		rc = wb_put_value(rs, wb, out, def.s + name_len + 1,
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
	    !rs_is_name_char(s[i]) && !rs_in_set("@*#?$!-", s[i]))) {
		rs_advance(lx, i);
		return wb_put(wb, "$", 1, err);
	}
	if (s[i] == '(') {
		end = rs_find_close(s, i + 1, lx->len, '(', ')');
		rs_advance(lx, end < lx->len ? end + 1 : lx->len);
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
		end = rs_find_close(s, i + 1, lx->len, '{', '}');
		rs_advance(lx, end < lx->len ? end + 1 : lx->len);
		if (end >= lx->len)
			return wb_unknown(wb, s + start, lx->pos - start,
			    "a ${ is not closed", err);
		return braced(rs, s + i + 1, end - i - 1, s + start,
		    lx->pos - start, wb, out, split, err);
	}
	if (!rs_is_name_start(s[i])) {
		/* $1, $@, $$ ... */
		rs_advance(lx, i + 1);
		snprintf(buf, sizeof(buf), "$%c is only known when the script "
		    "runs", s[i]);
		return wb_unknown(wb, s + start, 2, buf, err);
	}
	for (end = i; end < lx->len && rs_is_name_char(s[end]); end++)
		;
	rs_advance(lx, end);
	state = rs_var_lookup(rs, s + i, end - i, &value, &why);
	if (state == VAR_KNOWN)
		return wb_put_value(rs, wb, out, value ? value : "",
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
	rs_advance(lx, i < lx->len ? i + 1 : lx->len);
	if (i >= lx->len)
		return wb_unknown(wb, s + start, lx->pos - start,
		    "a ` is not closed", err);
	if ((inner = malloc(i - start)) == NULL)
		return err_set(err, EX_OSERR, "out of memory reading a run "
		    "script");
	/* inside backquotes, \ quotes only $ ` and \ */
	for (i = start + 1; s[i] != '`'; i++) {
		if (s[i] == '\\' && rs_in_set("$`\\", s[i + 1]))
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
		if (!whole && (rs_is_blank(c) || c == '\n' ||
		    rs_is_operator(c)))
			break;
		rc = 0;
		if (c == '\\') {
			if (lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n') {
				rs_advance(lx, lx->pos + 2);
				continue;
			}
			wb->literal = 0;
			if (lx->pos + 1 < lx->len)
				rc = wb_put(wb, s + lx->pos + 1, 1, err);
			rs_advance(lx, lx->pos + 2);
		} else if (c == '\'') {
			wb->literal = 0;
			for (i = lx->pos + 1; i < lx->len && s[i] != '\''; i++)
				;
			rc = wb_put(wb, s + lx->pos + 1, i - lx->pos - 1, err);
			if (i >= lx->len)
				wb_set_why(wb, "a ' is not closed");
			rs_advance(lx, i + 1);
		} else if (c == '"') {
			wb->literal = 0;
			wb->present = 1;
			rs_advance(lx, lx->pos + 1);
			while (rc == 0 && lx->pos < lx->len &&
			    s[lx->pos] != '"') {
				c = s[lx->pos];
				if (c == '\\' && lx->pos + 1 < lx->len &&
				    rs_in_set("$`\"\\\n", s[lx->pos + 1])) {
					if (s[lx->pos + 1] != '\n')
						rc = wb_put(wb,
						    s + lx->pos + 1, 1, err);
					rs_advance(lx, lx->pos + 2);
				} else if (c == '$')
					rc = dollar(rs, lx, wb, out, 0, err);
				else if (c == '`')
					rc = backquote(rs, lx, wb, out, 0, err);
				else {
					rc = wb_put(wb, s + lx->pos, 1, err);
					rs_advance(lx, lx->pos + 1);
				}
			}
			if (lx->pos >= lx->len)
				wb_set_why(wb, "a \" is not closed");
			rs_advance(lx, lx->pos + 1);
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
			rs_advance(lx, lx->pos + 1);
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
		rs_advance(lx, lx->pos + 2);
		if (lx->pos < lx->len && s[lx->pos] == '-') {
			strip = 1;
			rs_advance(lx, lx->pos + 1);
		}
	} else {
		rs_advance(lx, lx->pos + 1);
		if (lx->pos < lx->len && rs_in_set("<>&|", s[lx->pos]))
			rs_advance(lx, lx->pos + 1);
	}
	while (lx->pos < lx->len && rs_is_blank(s[lx->pos]))
		rs_advance(lx, lx->pos + 1);
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

const char *const rs_reserved[] = {
	"if", "then", "else", "elif", "fi", "do", "done", "while", "until",
	"for", "select", "case", "esac", "!", "{", "}", "time", NULL
};
const char *const rs_declarations[] = {
	"export", "readonly", "local", "declare", "typeset", NULL
};

/*
 * At lx: blanks, a line continuation or a comment are skipped (1); a
 * separator ends the command (*sep set: 2); anything else starts a word
 * or a redirection (0).
 */
static int
between_words(struct lexer *lx, int *sep)
{
	const char *s = lx->s;
	char c = s[lx->pos];

	if (rs_is_blank(c)) {
		rs_advance(lx, lx->pos + 1);
		return 1;
	}
	if (c == '\\' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n') {
		rs_advance(lx, lx->pos + 2);
		return 1;
	}
	if (c == '#') {
		while (lx->pos < lx->len && s[lx->pos] != '\n')
			rs_advance(lx, lx->pos + 1);
		return 1;
	}
	if (!rs_in_set("\n;&|()", c))
		return 0;
	rs_advance(lx, lx->pos + 1);
	*sep = c;
	if (c == '\n' && lx->heredoc_pending)
		rs_skip_heredoc(lx);
	else if (rs_in_set(";&|", c) && lx->pos < lx->len && s[lx->pos] == c) {
		rs_advance(lx, lx->pos + 1);
		*sep = c == '&' ? 'a' : c == '|' ? 'o' : ';';
	}
	return 2;
}

int
rs_read_words(struct runscript *rs, struct lexer *lx, struct wvec *out,
    int *sep, struct err *err)
{
	const char *s = lx->s;
	struct wbuf wb;
	size_t j, before;
	int assign_ok = 1, decl = 0, rc = 0, k;
	const struct rs_word *last;

	memset(&wb, 0, sizeof(wb));
	*sep = 0;
	while (lx->pos < lx->len) {
		if ((k = between_words(lx, sep)) == 2)
			break;
		if (k == 1)
			continue;
		for (j = lx->pos; j < lx->len && isdigit((unsigned char)s[j]);
		    j++)
			;
		if (j < lx->len && (s[j] == '<' || s[j] == '>')) {
			rs_advance(lx, j);
			if ((rc = redirection(rs, lx, err)) == -1)
				break;
			continue;
		}
		wb_reset(&wb);
		wb.assignment = assign_ok &&
		    rs_is_assignment_start(s + lx->pos, lx->len - lx->pos);
		before = out->n;
		if ((rc = lex_chars(rs, lx, &wb, out, !wb.assignment, 0,
		    err)) == -1 || ((wb.present || wb.len > 0) &&
		    (rc = wv_push(rs, out, &wb, err)) == -1))
			break;
		if (out->n == before)
			continue;
		last = &out->v[out->n - 1];
		if (last->assignment || (last->literal && rs_in_list(last->text,
		    rs_reserved) && out->n - 1 == before))
			continue;
		if (last->literal && rs_in_list(last->text, rs_declarations))
			decl = 1;
		assign_ok = decl;
	}
	free(wb.s);
	return rc;
}
