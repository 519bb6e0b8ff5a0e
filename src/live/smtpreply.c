/* smtpreply.c: bounded parsing of SMTP replies. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "live/smtpreply.h"

void
smtpreply_sanitize(char *dst, size_t size, const char *src, size_t len)
{
	size_t used, i;
	unsigned char c;

	if (size < 4)
		return;
	used = strnlen(dst, size - 1);
	for (i = 0; i < len; i++) {
		if (used == size - 1) {
			memcpy(dst + size - 4, "...", 3);
			break;
		}
		c = (unsigned char)src[i];
		dst[used++] = c >= 0x20 && c < 0x7f && c != '|' ? (char)c : '?';
	}
	dst[used] = '\0';
}

/* The keyword of an EHLO line ("AUTH PLAIN LOGIN", "AUTH=LOGIN"). */
static void
take_extension(struct smtp_reply *r, const char *text, size_t len)
{
	size_t kw = 0;

	while (kw < len && text[kw] != ' ' && text[kw] != '=')
		kw++;
	if (kw == 8 && strncasecmp(text, "STARTTLS", 8) == 0)
		r->starttls = 1;
	else if (kw == 4 && strncasecmp(text, "AUTH", 4) == 0) {
		r->auth = 1;
		/* Both forms often come together, with the same list. */
		if (r->auth_mechs[0] == '\0' && kw < len)
			smtpreply_sanitize(r->auth_mechs,
			    sizeof(r->auth_mechs), text + kw + 1,
			    len - kw - 1);
	}
}

int
smtpreply_line(struct smtp_reply *r, const char *line, size_t len,
    char *error, size_t errsize)
{
	char shown[64] = "";
	int code, last;

	if (len < 3 || !isdigit((unsigned char)line[0]) || line[0] < '2' ||
	    line[0] > '5' || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) ||
	    (len > 3 && line[3] != ' ' && line[3] != '-')) {
		smtpreply_sanitize(shown, sizeof(shown), line, len);
		snprintf(error, errsize, "not an SMTP reply: \"%s\"", shown);
		return -1;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		smtpreply_sanitize(shown, sizeof(shown), line, len);
		snprintf(error, errsize, "reply code changes within a reply "
		    "(%d, then \"%s\")", r->code, shown);
		return -1;
	}
	if (r->nlines >= SMTP_MAX_LINES) {
		snprintf(error, errsize, "%d reply has more than %d lines: "
		    "stopped reading", code, SMTP_MAX_LINES);
		return -1;
	}
	r->code = code;
	last = len == 3 || line[3] == ' ';
	if (r->nlines > 0) {
		smtpreply_sanitize(r->text, sizeof(r->text), " / ", 3);
		/* After the greeting line, each EHLO line is one extension. */
		if (len > 4)
			take_extension(r, line + 4, len - 4);
	}
	smtpreply_sanitize(r->text, sizeof(r->text), line, len);
	r->nlines++;
	return last;
}
