/*
 * tlstext.c: the text qmail compares with names: tlsclients lines and the
 * host names of tlshosts/ files (see tlstext.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/msg.h"
#include "check/tlstext.h"

int
tlstext_next_line(struct tlstext_lines *it, const char **line, size_t *n)
{
	size_t start, end;

	while (it->pos < it->len) {
		start = end = it->pos;
		while (end < it->len && it->data[end] != '\n')
			end++;
		it->pos = end < it->len ? end + 1 : end;
		it->lineno++;
		/* control.c's striptrailingwhitespace */
		while (end > start && (it->data[end - 1] == ' ' ||
		    it->data[end - 1] == '\t'))
			end--;
		if (end == start || it->data[start] == '#')
			continue;
		*line = it->data + start;
		*n = end - start;
		return 1;
	}
	return 0;
}

/* --- tlsclients --------------------------------------------------------- */

/* local@domain: printable, no blanks, one '@', a host name after it. */
static int
is_address(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t i, label = 0;

	if (at == NULL || at == s || (size_t)(at - s) + 1 >= n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '<' || s[i] == '>' ||
		    (s[i] == '@' && s + i != at))
			return 0;
	for (i = (size_t)(at - s) + 1; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)s[i]) || s[i] == '-')
			label++;
		else
			return 0;
	}
	return label > 0;
}

void
tlstext_tlsclients(const char *data, size_t len, struct file_report *r)
{
	struct tlstext_lines it = { data, len, 0, 0 };
	size_t n, good = 0, bad = 0, badline = 0;
	const char *line;
	char shown[80] = "";

	while (tlstext_next_line(&it, &line, &n)) {
		if (is_address(line, n)) {
			good++;
			continue;
		}
		if (bad++ == 0) {
			badline = it.lineno;
			snprintf(shown, sizeof(shown), "%.*s",
			    (int)(n > 60 ? 60 : n), line);
			msg_printable(shown);
		}
	}
	if (bad > 0)
		verify_add(r, "addresses", CHECK_WARNING, "line %zu \"%s\"%s is "
		    "not one e-mail address: qmail-smtpd compares each whole "
		    "line with the emailAddress of a client certificate, so "
		    "that line matches none; one address a line", badline,
		    shown, bad > 1 ? " (and more)" : "");
	else if (good == 0)
		verify_add(r, "addresses", CHECK_WARNING, "no address in it: "
		    "no client certificate can relay");
	else
		verify_add(r, "addresses", CHECK_OK, "%zu address%s", good,
		    good == 1 ? "" : "es");
}

/* --- tlshosts/HOST.pem ------------------------------------------------- */

void
tlstext_host_name(const char *host, struct file_report *r)
{
	size_t i, n = strlen(host), label = 0;
	int upper = 0, digits_dots = 1, bad = n == 0 || n > 253;

	for (i = 0; i < n && !bad; i++) {
		unsigned char ch = (unsigned char)host[i];
		if (ch == '.') {
			bad = label == 0 || host[i - 1] == '-';
			label = 0;
			continue;
		}
		if (++label > 63 || !(isalnum(ch) || ch == '-') ||
		    (label == 1 && ch == '-'))
			bad = 1;
		upper |= isupper(ch) != 0;
		digits_dots &= isdigit(ch) != 0;
	}
	if (!bad && (label == 0 || host[n - 1] == '-'))
		bad = 1;
	if (strncmp(host, "*.", 2) == 0)
		verify_add(r, "host-name", CHECK_WARNING, "\"%s\" is a wildcard: "
		    "qmail-remote looks for the file of the exact host name it "
		    "connects to, never for a pattern; name each host", host);
	else if (bad)
		verify_add(r, "host-name", CHECK_WARNING, "\"%s\" is not a host "
		    "name, so qmail-remote never looks for this file", host);
	else if (digits_dots)
		verify_add(r, "host-name", CHECK_WARNING, "\"%s\" is an IP "
		    "address: qmail-remote looks in tlshosts/ by host name only "
		    "(an smtproutes entry with an address is never checked)",
		    host);
	else if (upper)
		verify_add(r, "host-name", CHECK_WARNING, "\"%s\" has upper-case "
		    "letters: file names are case-sensitive and qmail-remote "
		    "looks for the name as DNS gives it, in lower case as a "
		    "rule; rename it in lower case", host);
	else
		verify_add(r, "host-name", CHECK_OK, "a host name");
}
