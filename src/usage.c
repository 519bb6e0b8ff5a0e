/* usage.c: small helpers for command-line parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "msg.h"
#include "usage.h"

int
usage_error(const char *usage_text)
{
	if (msg_error()[0])
		msg_print_error();
	fputs(usage_text, stderr);
	return EX_USAGE;
}

int
usage_number(const char *arg, int min, int max, int *out, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return msg_fail(EX_USAGE, "%s takes a whole number from %d to "
		    "%d, not '%s'", opt, min, max, arg);
	*out = (int)v;
	return 0;
}

int
usage_format(const char *arg, int *json)
{
	if (strcmp(arg, "text") == 0)
		*json = 0;
	else if (strcmp(arg, "json") == 0)
		*json = 1;
	else
		return msg_fail(EX_USAGE, "--format takes text or json, not "
		    "'%s'", arg);
	return 0;
}
