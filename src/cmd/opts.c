/*
 * opts.c: the command line of every command (opts.h).
 *
 * Usage errors are one line on stderr that names the command and where to
 * read about its options; getopt(3) itself stays silent (opterr is 0) so
 * that its error is said the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/msg.h"
#include "cmd/opts.h"
#include "x509gen.h"

#define TABLE_MAX	48

/* The shared options: getopt_long fragments, by the bit that asks for
 * them. */
static const struct {
	unsigned	bit;
	struct option	opt;
} shared[] = {
	{ OPTS_DIR, { "dir", required_argument, NULL, 'd' } },
	{ OPTS_QUIET, { "quiet", no_argument, NULL, 'q' } },
	{ OPTS_VERBOSE, { "verbose", no_argument, NULL, 'v' } },
	{ OPTS_OWNERS, { "owner", required_argument, NULL, OPT_OWNER } },
	{ OPTS_OWNERS, { "server-group", required_argument, NULL,
	    OPT_SERVER_GROUP } },
	{ OPTS_OWNERS, { "client-group", required_argument, NULL,
	    OPT_CLIENT_GROUP } },
	{ OPTS_SERVICES, { "service-dir", required_argument, NULL,
	    OPT_SERVICE_DIR } },
	{ OPTS_FORMAT, { "format", required_argument, NULL, OPT_FORMAT } },
	{ OPTS_WAIT, { "wait", required_argument, NULL, OPT_WAIT } },
	{ OPTS_DRY_RUN, { "dry-run", no_argument, NULL, OPT_DRY_RUN } },
	{ OPTS_HOSTNAME, { "hostname", required_argument, NULL,
	    OPT_HOSTNAME } },
	{ OPTS_SAN, { "san", required_argument, NULL, OPT_SAN } },
	{ OPTS_KEY_TYPE, { "key-type", required_argument, NULL,
	    OPT_KEY_TYPE } },
	{ OPTS_DAYS, { "days", required_argument, NULL, OPT_DAYS } },
	{ OPTS_NEW_KEY, { "new-key", no_argument, NULL, OPT_NEW_KEY } },
	{ OPTS_DISTINCT, { "distinct-keys", no_argument, NULL,
	    OPT_DISTINCT } },
	{ OPTS_POST_HOOK, { "post-hook", required_argument, NULL,
	    OPT_POST_HOOK } },
	{ OPTS_OUTPUT, { "output", required_argument, NULL, OPT_OUTPUT } },
};

/* The command's getopt_long table and short options. */
static void
make_table(const struct cmdline *cl, struct option *table, char *letters,
    size_t size)
{
	const struct option *own;
	size_t i, n = 0;

	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (cl->common & shared[i].bit)
			table[n++] = shared[i].opt;
	for (own = cl->own; own != NULL && own->name != NULL &&
	    n < TABLE_MAX - 2; own++)
		table[n++] = *own;
	table[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	table[n] = (struct option){ NULL, 0, NULL, 0 };
	snprintf(letters, size, "%s%s%s%sh", cl->common & OPTS_DIR ? "d:" : "",
	    cl->common & OPTS_QUIET ? "q" : "",
	    cl->common & OPTS_VERBOSE ? "v" : "",
	    cl->letters ? cl->letters : "");
}

int
opts_number(const char *arg, int min, int max, int *out, const char *opt,
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

static int
text_or_json(const char *arg, int *json, struct err *err)
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

static int
add_san(struct newcert_opts *o, const char *arg, struct err *err)
{
	if (o->nsans >= X509GEN_MAX_SANS)
		return err_set(err, EX_USAGE, "at most %d --san names",
		    X509GEN_MAX_SANS);
	if (!x509gen_valid_dns_name(arg))
		return err_set(err, EX_USAGE, "--san '%s' is not a valid DNS "
		    "name", arg);
	o->sans[o->nsans++] = arg;
	return 0;
}

/* Store a shared option; 0 for any other. */
static int
shared_option(struct common_opts *c, int ch, char *arg, struct err *err)
{
	switch (ch) {
	case 'd':
		c->dir = arg;
		break;
	case 'q':
		msg_set_verbosity(MSG_QUIET);
		break;
	case 'v':
		msg_set_verbosity(MSG_VERBOSE);
		break;
	case OPT_OWNER:
		c->owners.owner = arg;
		break;
	case OPT_SERVER_GROUP:
		c->owners.server_group = arg;
		break;
	case OPT_CLIENT_GROUP:
		c->owners.client_group = arg;
		break;
	case OPT_SERVICE_DIR:
		return service_dirs_add(&c->services, arg, err);
	case OPT_FORMAT:
		return text_or_json(arg, &c->json, err);
	case OPT_WAIT:
		return opts_number(arg, 0, 3600, &c->wait, "--wait", err);
	case OPT_DRY_RUN:
		c->dry_run = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* The shared options of new certificates and of what a run leaves. */
static int
shared_newcert(struct common_opts *c, int ch, char *arg, struct err *err)
{
	switch (ch) {
	case OPT_HOSTNAME:
		c->newcert.hostname = arg;
		break;
	case OPT_SAN:
		return add_san(&c->newcert, arg, err);
	case OPT_KEY_TYPE:
		c->newcert.key_type_given = 1;
		return x509gen_parse_key_type(arg, &c->newcert.key_type, err);
	case OPT_DAYS:
		return opts_number(arg, 1, 36500, &c->newcert.days, "--days",
		    err);
	case OPT_NEW_KEY:
		c->new_key = 1;
		break;
	case OPT_DISTINCT:
		c->distinct_keys = 1;
		break;
	case OPT_POST_HOOK:
		c->post_hook = arg;
		break;
	case OPT_OUTPUT:
		c->output = arg;
		break;
	default:
		break;
	}
	return 0;
}

int
opts_check_post_hook(const struct common_opts *c, struct err *err)
{
	if (c->post_hook != NULL && c->post_hook[0] == '\0')
		return err_set(err, EX_USAGE, "--post-hook needs a command");
	return 0;
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

/* err, or (none recorded) the argument getopt(3) stopped at. */
static int
usage_error(const struct cmdline *cl, int argc, char *argv[],
    const struct err *err)
{
	char cmd[32], opt[3] = "-?";
	const char *bad = opt;

	if (cl->before_usage_error != NULL)
		cl->before_usage_error(err);
	command_of(cl->usage, cmd, sizeof(cmd));
	if (err->text[0])
		msg_say(stderr, "qmail-pem: ", "%s; see qmail-pem help %s",
		    err->text, cmd);
	else {
		if (optind >= 1 && optind <= argc && argv != NULL &&
		    strncmp(argv[optind - 1], "--", 2) == 0)
			bad = argv[optind - 1];		/* a long option */
		else if (optopt > ' ' && optopt < 0x7f)
			opt[1] = (char)optopt;		/* a short one */
		else if (optind >= 1 && optind <= argc && argv != NULL)
			bad = argv[optind - 1];
		msg_say(stderr, "qmail-pem: ", "%s: %s is not an option of %s, "
		    "or it needs a value; see qmail-pem help %s", cmd, bad,
		    cmd, cmd);
	}
	return cl->usage_status ? cl->usage_status : EX_USAGE;
}

int
opts_usage_error(const struct cmdline *cl, const struct err *err)
{
	return usage_error(cl, 0, NULL, err);
}

int
opts_parse(const struct cmdline *cl, int argc, char *argv[],
    struct common_opts *c, void *o)
{
	struct option table[TABLE_MAX];
	struct err err = { 0 };
	char letters[32];
	int ch;

	make_table(cl, table, letters, sizeof(letters));
	optind = 0;	/* 0, not 1: glibc starts afresh (the unit tests
			 * parse several command lines in one process) */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, letters, table, NULL)) != -1) {
		if (ch == 'h') {
			fputs(cl->usage, stdout);
			return EX_OK;
		}
		if (ch == '?' || ch == ':' ||
		    shared_option(c, ch, optarg, &err) == -1 ||
		    shared_newcert(c, ch, optarg, &err) == -1 ||
		    (cl->option != NULL &&
		    cl->option(o, ch, optarg, &err) == -1))
			return usage_error(cl, argc, argv, &err);
	}
	for (; optind < argc; optind++) {
		if (cl->operand == NULL)
			err_set(&err, EX_USAGE, "unexpected argument '%s'",
			    argv[optind]);
		if (cl->operand == NULL || cl->operand(o, argv[optind],
		    optind == argc - 1, &err) == -1)
			return usage_error(cl, argc, argv, &err);
	}
	return OPTS_RUN;
}
