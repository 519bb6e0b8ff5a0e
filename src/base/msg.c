/*
 * msg.c: warnings and progress lines.
 *
 * Messages echo what they were given: arguments, paths, names from files.
 * Whatever is not printable ASCII becomes '?' here, once for every
 * message, so that a newline or an escape sequence in an argument can
 * neither split a log or Nagios line nor reach the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msg.h"

static enum msg_level verbosity = MSG_NORMAL;

void
msg_set_verbosity(enum msg_level level)
{
	verbosity = level;
}

enum msg_level
msg_verbosity(void)
{
	return verbosity;
}

char *
msg_printable(char *text)
{
	unsigned char *p;

	for (p = (unsigned char *)text; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return text;
}

void
msg_vsay(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) == -1) {
		fprintf(fp, "%s(out of memory)\n", prefix);
		return;
	}
	fprintf(fp, "%s%s\n", prefix, msg_printable(text));
	free(text);
}

void
msg_say(FILE *fp, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vsay(fp, prefix, fmt, ap);
	va_end(ap);
}

static char warnings[MSG_MAX_WARNINGS][1024];
static size_t nwarnings;

void
msg_warning(const char *fmt, ...)
{
	va_list ap;

	if (nwarnings < MSG_MAX_WARNINGS) {
		va_start(ap, fmt);
		vsnprintf(warnings[nwarnings], sizeof(warnings[0]), fmt, ap);
		va_end(ap);
		msg_printable(warnings[nwarnings++]);
	}
	if (verbosity < MSG_NORMAL)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	msg_vsay(stderr, "qmail-pem: warning: ", fmt, ap);
	va_end(ap);
}

size_t
msg_warnings(const char *list[MSG_MAX_WARNINGS])
{
	size_t i;

	for (i = 0; i < nwarnings; i++)
		list[i] = warnings[i];
	return nwarnings;
}

void
msg_at(enum msg_level least, FILE *fp, const char *prefix, const char *fmt,
    ...)
{
	va_list ap;

	if (verbosity < least)
		return;
	if (fp == stderr)
		fflush(stdout);
	va_start(ap, fmt);
	msg_vsay(fp, prefix, fmt, ap);
	va_end(ap);
}
