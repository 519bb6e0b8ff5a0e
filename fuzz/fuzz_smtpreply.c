/*
 * fuzz_smtpreply.c: what an SMTP server we probe sends, split into lines at
 * LF (a CR before it dropped, at most SMTP_MAX_LINE bytes) as smtpdialog.c
 * does, each line through smtpreply_line(), and its text through
 * smtpreply_sanitize().
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "live/smtpreply.h"

static void
check_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '|')
			abort();	/* would reach a terminal or Nagios */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	char error[256], text[64];
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t len;
	int done;

	fuzz_begin();
	memset(&r, 0, sizeof(r));
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		len = nl - p;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > SMTP_MAX_LINE)
			break;		/* smtpdialog.c stops reading there */
		error[0] = '\0';
		done = smtpreply_line(&r, p, len, error, sizeof(error));
		if (done != 0) {
			check_printable(r.text);
			check_printable(r.auth_mechs);
			if (done == -1)
				check_printable(error);
			memset(&r, 0, sizeof(r));
		}
		text[0] = '\0';
		smtpreply_sanitize(text, sizeof(text), p, len);
		check_printable(text);
		p = nl + 1;
	}
	fuzz_end();
	return 0;
}
