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
