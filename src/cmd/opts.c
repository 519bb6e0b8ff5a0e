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

#include <jansson.h>

#include "base/msg.h"
#include "base/text.h"
#include "cmd/opts.h"
#include "fs/plan.h"
#include "site/policy.h"
#include "site/sni.h"
#include "x509gen.h"

#define TABLE_MAX	48
#define OPTS_RUN	(-1)	/* parse(): the command is to run */

/* Every long option, by the group that has it (opts.h). */
static const struct {
	unsigned	 group;
	const char	*name;
	int		 has_arg;
	int		 val;
} options[] = {
	{ OPTS_DIR, "dir", required_argument, OPT_DIR },
	{ OPTS_QUIET, "quiet", no_argument, OPT_QUIET },
	{ OPTS_VERBOSE, "verbose", no_argument, OPT_VERBOSE },
	{ OPTS_OWNERS, "owner", required_argument, OPT_OWNER },
	{ OPTS_OWNERS, "server-group", required_argument, OPT_SERVER_GROUP },
	{ OPTS_OWNERS, "client-group", required_argument, OPT_CLIENT_GROUP },
	{ OPTS_SERVICES, "service-dir", required_argument, OPT_SERVICE_DIR },
	{ OPTS_FORMAT, "format", required_argument, OPT_FORMAT },
	{ OPTS_WAIT, "wait", required_argument, OPT_WAIT },
	{ OPTS_DRY_RUN, "dry-run", no_argument, OPT_DRY_RUN },
	{ OPTS_HOSTNAME, "hostname", required_argument, OPT_HOSTNAME },
	{ OPTS_SAN, "san", required_argument, OPT_SAN },
	{ OPTS_KEY_TYPE, "key-type", required_argument, OPT_KEY_TYPE },
	{ OPTS_DAYS, "days", required_argument, OPT_DAYS },
	{ OPTS_NEW_KEY, "new-key", no_argument, OPT_NEW_KEY },
	{ OPTS_DISTINCT, "distinct-keys", no_argument, OPT_DISTINCT },
	{ OPTS_ALLOW_NON_RSA, "allow-non-rsa", no_argument,
	    OPT_ALLOW_NON_RSA },
	{ OPTS_POST_HOOK, "post-hook", required_argument, OPT_POST_HOOK },
	{ OPTS_OUTPUT, "output", required_argument, OPT_OUTPUT },
	{ OPTS_IMPORT, "key", required_argument, OPT_KEY },
	{ OPTS_IMPORT, "cert", required_argument, OPT_CERT },
	{ OPTS_IMPORT, "chain", required_argument, OPT_CHAIN },
	{ OPTS_IMPORT, "pkcs12", required_argument, OPT_PKCS12 },
	{ OPTS_IMPORT, "from-certbot", optional_argument, OPT_FROM_CERTBOT },
	{ OPTS_IMPORT, "passin", required_argument, OPT_PASSIN },
	{ OPTS_IMPORT, "client-self-signed", no_argument,
	    OPT_CLIENT_SELF_SIGNED },
	{ OPTS_IMPORT, "force", no_argument, OPT_FORCE },
	{ OPTS_ROTATE, "if-expires-within", required_argument, OPT_EXPIRES },
	{ OPTS_ROTATE, "keep-key", no_argument, OPT_KEEP_KEY },
	{ OPTS_KEEP, "keep", required_argument, OPT_KEEP },
	{ OPTS_ROTATE, "stage", no_argument, OPT_STAGE },
	{ OPTS_ROTATE, "commit", no_argument, OPT_COMMIT },
	{ OPTS_REPORT, "client-user", required_argument, OPT_CLIENT_USER },
	{ OPTS_REPORT, "critical", required_argument, OPT_CRITICAL },
	{ OPTS_REPORT, "format", required_argument, OPT_REPORT_FORMAT },
	{ OPTS_REPORT, "server-user", required_argument, OPT_SERVER_USER },
	{ OPTS_REPORT, "warning", required_argument, OPT_WARNING },
	{ OPTS_LIVE, "connect", required_argument, OPT_CONNECT },
	{ OPTS_LIVE, "starttls", required_argument, OPT_STARTTLS },
	{ OPTS_LIVE, "tls", no_argument, OPT_TLS },
	{ OPTS_LIVE, "timeout", required_argument, OPT_TIMEOUT },
	{ OPTS_LIVE, "helo", required_argument, OPT_HELO },
	{ OPTS_SUBJECT, "subject", required_argument, OPT_SUBJECT },
	{ OPTS_STAGED, "staged", no_argument, OPT_STAGED },
	{ OPTS_ROLLBACK, "allow-tlsa-change", no_argument, OPT_ALLOW_TLSA },
	{ OPTS_SNI, "sni", required_argument, OPT_SNI },
};

/* The command's getopt_long table and short options (the options that
 * have a letter, and h). */
static void
make_table(const struct cmdline *cl, struct option *table, char *letters)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (!(cl->groups & options[i].group))
			continue;
		table[n++] = (struct option){ options[i].name,
		    options[i].has_arg, NULL, options[i].val };
		if (options[i].val < 256) {
			*letters++ = (char)options[i].val;
			if (options[i].has_arg == required_argument)
				*letters++ = ':';
		}
	}
	table[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	table[n] = (struct option){ NULL, 0, NULL, 0 };
	*letters++ = 'h';
	*letters = '\0';
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

/* --format of the commands that print text or JSON. */
static const char *const text_json[] = { "text", "json", NULL };

int
opts_choice(const char *arg, const char *const *names, int *out,
    const char *opt, struct err *err)
{
	char list[128] = "";
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	for (i = 0; names[i] != NULL; i++)	/* "a, b or c" */
		text_append(list, sizeof(list), "%s%s", i == 0 ? "" :
		    names[i + 1] == NULL ? " or " : ", ", names[i]);
	return err_set(err, EX_USAGE, "%s takes %s, not '%s'", opt, list,
	    arg);
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

/* The shared options that only store a value, in struct common_opts (the
 * first member of every command's options). */
static const struct opt_field shared_fields[] = {
	{ OPT_DIR, offsetof(struct common_opts, dir), 0, 0 },
	{ OPT_OWNER, offsetof(struct common_opts, owners.owner), 0, 0 },
	{ OPT_SERVER_GROUP, offsetof(struct common_opts, owners.server_group),
	    0, 0 },
	{ OPT_CLIENT_GROUP, offsetof(struct common_opts, owners.client_group),
	    0, 0 },
	{ OPT_HOSTNAME, offsetof(struct common_opts, newcert.hostname), 0, 0 },
	{ OPT_POST_HOOK, offsetof(struct common_opts, post_hook), 0, 0 },
	{ OPT_OUTPUT, offsetof(struct common_opts, output), 0, 0 },
	{ OPT_DRY_RUN, offsetof(struct common_opts, dry_run), 0, 0 },
	{ OPT_NEW_KEY, offsetof(struct common_opts, new_key), 0, 0 },
	{ OPT_DISTINCT, offsetof(struct common_opts, distinct_keys), 0, 0 },
	{ OPT_ALLOW_NON_RSA, offsetof(struct common_opts, allow_non_rsa),
	    0, 0 },
	{ OPT_WAIT, offsetof(struct common_opts, wait), 0, 3600 },
	{ OPT_DAYS, offsetof(struct common_opts, newcert.days), 1, 36500 },
	{ 0, 0, 0, 0 }
};

/* How usage errors name option ch: "-w" where it has a letter, else
 * "--keep". */
static void
option_name(int ch, char *buf, size_t size)
{
	size_t i;

	if (ch < 256) {
		snprintf(buf, size, "-%c", ch);
		return;
	}
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].val == ch)
			break;
	snprintf(buf, size, "--%s", i < sizeof(options) / sizeof(options[0]) ?
	    options[i].name : "?");
}

/* Store option ch in the struct at base if one of fields is it: 1 when
 * stored, 0 when none is, -1 (err set) when its value is out of range. */
static int
store_field(const struct opt_field *fields, void *base, int ch, char *arg,
    struct err *err)
{
	const struct opt_field *f;
	char *field, name[48];

	for (f = fields; f != NULL && f->ch != 0; f++)
		if (f->ch == ch)
			break;
	if (f == NULL || f->ch == 0)
		return 0;
	field = (char *)base + f->offset;
	if (arg == NULL)
		*(int *)(void *)field = 1;
	else if (f->min < f->max) {
		option_name(ch, name, sizeof(name));
		if (opts_number(arg, f->min, f->max, (int *)(void *)field,
		    name, err) == -1)
			return -1;
	} else
		*(const char **)(void *)field = arg;
	return 1;
}

/* Store a shared option; 0 for any other. */
static int
shared_option(struct common_opts *c, int ch, char *arg, struct err *err)
{
	int rc;

	if ((rc = store_field(shared_fields, c, ch, arg, err)) != 0)
		return rc == -1 ? -1 : 0;
	if (ch == OPT_QUIET || ch == OPT_VERBOSE)
		msg_set_verbosity(ch == OPT_QUIET ? MSG_QUIET : MSG_VERBOSE);
	else if (ch == OPT_SERVICE_DIR)
		return service_dirs_add(&c->services, arg, err);
	else if (ch == OPT_FORMAT)
		return opts_choice(arg, text_json, &c->json, "--format", err);
	else if (ch == OPT_SAN)
		return add_san(&c->newcert, arg, err);
	else if (ch == OPT_SNI) {
		/* checked before it names a folder: no '/', no "..". */
		c->sni = c->newcert.sni = arg;
		return sni_check_name(arg, "--sni", err);
	} else if (ch == OPT_KEY_TYPE) {
		c->newcert.key_type_given = 1;
		return x509gen_parse_key_type(arg, &c->newcert.key_type, err);
	}
	return 0;
}

/* --post-hook, if given, must name a command. */
static int
check_post_hook(const struct common_opts *c, struct err *err)
{
	if (c->post_hook != NULL && c->post_hook[0] == '\0')
		return err_set(err, EX_USAGE, "--post-hook needs a command");
	return 0;
}

/* --sni NAME manages one servercert.pem: nothing of clientcert.pem's. */
static int
check_sni(const struct common_opts *c, struct err *err)
{
	if (c->sni == NULL)
		return 0;
	if (c->distinct_keys)
		return err_set(err, EX_USAGE, "--distinct-keys gives "
		    "clientcert.pem a key of its own; --sni NAME manages only "
		    "servercerts/NAME/servercert.pem");
	if (c->owners.client_group != NULL && strcmp(c->owners.client_group,
	    DEFAULT_CLIENT_GROUP) != 0)
		return err_set(err, EX_USAGE, "--client-group is the group of "
		    "clientcert.pem; --sni NAME manages only "
		    "servercerts/NAME/servercert.pem (its group: "
		    "--server-group)");
	return 0;
}

/*
 * With --format json, a command that refuses or fails still prints one
 * JSON object on stdout, with the field names of its report: "command",
 * "ok" (false), "exit" (its exit status), "dir", "message" (as said on
 * stderr) and "warnings" (a list).
 */
static void
json_failure(const struct common_opts *c, int status, const char *text)
{
	json_t *root, *dir;

	/* a path that is not UTF-8 cannot be a JSON string: null */
	if (c->dir == NULL || (dir = json_string(c->dir)) == NULL)
		dir = json_null();
	root = json_pack("{s:s, s:b, s:i, s:o, s:s}", "command", c->command,
	    "ok", 0, "exit", status, "dir", dir, "message", text);
	if (root == NULL)
		return;
	plan_json_warnings(root);
	(void)json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	fflush(stdout);
	json_decref(root);
}

/* err, or (none recorded) the argument getopt(3) stopped at. */
static int
usage_error(const struct cmdline *cl, int argc, char *argv[],
    const struct err *err, const struct common_opts *c)
{
	char text[1200], opt[3] = "-?";
	const char *cmd = c->command;
	const char *bad = opt;

	if (cl->before_usage_error != NULL)
		cl->before_usage_error(c, err);	/* c: the start of o */
	if (err->text[0])
		snprintf(text, sizeof(text), "%s; see qmail-pem help %s",
		    err->text, cmd);
	else {
		if (optind >= 1 && optind <= argc && argv != NULL &&
		    strncmp(argv[optind - 1], "--", 2) == 0)
			bad = argv[optind - 1];		/* a long option */
		else if (optopt > ' ' && optopt < 0x7f)
			opt[1] = (char)optopt;		/* a short one */
		else if (optind >= 1 && optind <= argc && argv != NULL)
			bad = argv[optind - 1];
		snprintf(text, sizeof(text), "%s: %s is not an option of %s, "
		    "or it needs a value; see qmail-pem help %s", cmd, bad,
		    cmd, cmd);
	}
	msg_printable(text);
	msg_say(stderr, "qmail-pem: ", "%s", text);
	if (c->json)
		json_failure(c, cl->usage_status ? cl->usage_status :
		    EX_USAGE, text);
	return cl->usage_status ? cl->usage_status : EX_USAGE;
}

static int
parse(const struct cmdline *cl, int argc, char *argv[], struct common_opts *c,
    void *o)
{
	struct option table[TABLE_MAX];
	struct err err = { 0 };
	char letters[32];
	int ch;

	make_table(cl, table, letters);
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
		    store_field(cl->fields, o, ch, optarg, &err) == -1 ||
		    (cl->option != NULL &&
		    cl->option(o, ch, optarg, &err) == -1))
			return usage_error(cl, argc, argv, &err, c);
	}
	for (; optind < argc; optind++) {
		if (cl->operand == NULL)
			err_set(&err, EX_USAGE, "unexpected argument '%s'",
			    argv[optind]);
		if (cl->operand == NULL || cl->operand(o, argv[optind],
		    optind == argc - 1, &err) == -1)
			return usage_error(cl, argc, argv, &err, c);
	}
	if ((cl->check != NULL && cl->check(o, &err) == -1) ||
	    check_post_hook(c, &err) == -1 || check_sni(c, &err) == -1)
		return usage_error(cl, argc, argv, &err, c);
	return OPTS_RUN;
}

int
opts_main(const struct cmdline *cl, int argc, char *argv[])
{
	struct common_opts *c;		/* the first member of each */
	struct err err = { 0 };
	void *o;
	int rc;

	if ((o = calloc(1, cl->size)) == NULL) {
		err_set(&err, EX_OSERR, "out of memory");
		return err_print(&err);
	}
	c = o;
	common_defaults(c);
	c->command = argv[0];
	if (cl->defaults != NULL)
		cl->defaults(o);
	if ((rc = parse(cl, argc, argv, c, o)) == OPTS_RUN) {
		if ((rc = cl->run(o, &err)) == -1) {
			rc = err_print(&err);
			if (c->json && !plan_json_printed())
				json_failure(c, rc, err.text[0] ? err.text :
				    "internal error");
		}
	}
	free(o);
	return rc;
}
