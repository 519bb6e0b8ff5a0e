/*
 * rslex.c: the characters of a run script: their classes, moving the
 * lexer (counting lines), the bracket that closes an expansion, the
 * here-document to skip, and excerpts of the script for messages.
 */
#include <ctype.h>
#include <string.h>

#include "runscript/rslex.h"

int
rs_is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Is c one of set?  (strchr() alone would also find the NUL.) */
int
rs_in_set(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

int
rs_is_operator(char c)
{
	return rs_in_set(";&|()<>", c);
}

int
rs_is_name_start(int c)
{
	return isalpha((unsigned char)c) || c == '_';
}

int
rs_is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does s start with NAME= ? */
int
rs_is_assignment_start(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !rs_is_name_start(s[0]))
		return 0;
	for (i = 1; i < n && rs_is_name_char(s[i]); i++)
		;
	return i < n && s[i] == '=';
}

/* Move the lexer to pos, counting the newlines passed. */
void
rs_advance(struct lexer *lx, size_t pos)
{
	if (pos > lx->len)
		pos = lx->len;
	for (; lx->pos < pos; lx->pos++)
		if (lx->s[lx->pos] == '\n')
			lx->line++;
}

/* For messages: s[0..n) on one line, shortened. */
void
rs_excerpt(char *buf, size_t size, const char *s, size_t n)
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

/* Index of the character that closes an opening at from-1 ("(" or "{"),
 * skipping quotes and nested pairs; len if there is none. */
size_t
rs_find_close(const char *s, size_t from, size_t len, char open, char close)
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

/* After the newline that ends a line with <<WORD: skip the document. */
void
rs_skip_heredoc(struct lexer *lx)
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
		rs_advance(lx, end < lx->len ? end + 1 : end);
		if (end - start == n && memcmp(lx->s + start, lx->heredoc, n)
		    == 0)
			return;
	}
}
