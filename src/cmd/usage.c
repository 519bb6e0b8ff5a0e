/* usage.c: small helpers for command-line parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/msg.h"
#include "cmd/usage.h"

static char **cmd_argv;
static int cmd_argc;

void
usage_set_argv(int argc, char *argv[])
{
	cmd_argc = argc;
	cmd_argv = argv;
}

/* "install" from "usage: qmail-pem install [-d DIR] ..." */
static void
command_of(const char *usage_text, char *buf, size_t size)
{
	const char *p = strstr(usage_text, "qmail-pem ");
	size_t n = 0;

	if (p != NULL) {
		p += strlen("qmail-pem ");
		while (p[n] != '\0' && p[n] != ' ' && p[n] != '\n')
			n++;
	}
	snprintf(buf, size, "%.*s", (int)n, p != NULL ? p : "");
}

int
usage_error(const char *usage_text, const struct err *err)
{
	char cmd[32], opt[3] = "-?";
	const char *bad = opt;

	command_of(usage_text, cmd, sizeof(cmd));
	if (err->text[0]) {
		msg_say(stderr, "qmail-pem: ", "%s; see qmail-pem help %s",
		    err->text, cmd);
		return EX_USAGE;
	}
	/* getopt's error (opterr is 0): name the argument it stopped at */
	if (optind >= 1 && optind <= cmd_argc && cmd_argv != NULL &&
	    strncmp(cmd_argv[optind - 1], "--", 2) == 0)
		bad = cmd_argv[optind - 1];	/* a long option */
	else if (optopt > ' ' && optopt < 0x7f)
		opt[1] = (char)optopt;		/* a short one */
	else if (optind >= 1 && optind <= cmd_argc && cmd_argv != NULL)
		bad = cmd_argv[optind - 1];
	msg_say(stderr, "qmail-pem: ", "%s: %s is not an option of %s, or it "
	    "needs a value; see qmail-pem help %s", cmd, bad, cmd, cmd);
	return EX_USAGE;
}

int
usage_number(const char *arg, int min, int max, int *out, const char *opt,
    struct err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return err_set(err, EX_USAGE, "%s takes a whole number from %d "
		    "to %d, not '%s'", opt, min, max, arg);
	*out = (int)v;
	return 0;
}

int
usage_format(const char *arg, int *json, struct err *err)
{
	if (strcmp(arg, "text") == 0)
		*json = 0;
	else if (strcmp(arg, "json") == 0)
		*json = 1;
	else
		return err_set(err, EX_USAGE, "--format takes text or json, "
		    "not '%s'", arg);
	return 0;
}
