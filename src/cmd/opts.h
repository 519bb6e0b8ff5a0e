/*
 * opts.h: the command line of a command, and the options several
 * commands share, declared and parsed once (getopt_long).
 *
 * A command describes its command line in a struct cmdline: its help
 * text, which of the shared options it takes (OPTS_* bits), the table of
 * its own long options, and a function that takes each option.
 * opts_parse() builds the getopt_long table from the shared fragments and
 * the command's own, stores every shared option in a struct common_opts
 * (ops/common.h) and then hands it to the command's function too, so a
 * command can refuse or note one (verify checks --hostname at once,
 * rotate notes that a certificate option was given).
 */
#ifndef QP_OPTS_H
#define QP_OPTS_H

#include <getopt.h>

#include "base/err.h"
#include "ops/common.h"

/* The shared options a command takes. */
#define OPTS_DIR	0x0001	/* -d, --dir DIR */
#define OPTS_QUIET	0x0002	/* -q, --quiet */
#define OPTS_VERBOSE	0x0004	/* -v, --verbose */
#define OPTS_OWNERS	0x0008	/* --owner, --server-group, --client-group */
#define OPTS_SERVICES	0x0010	/* --service-dir D (repeatable) */
#define OPTS_FORMAT	0x0020	/* --format text|json */
#define OPTS_WAIT	0x0040	/* --wait SEC */
#define OPTS_DRY_RUN	0x0080	/* --dry-run */
#define OPTS_HOSTNAME	0x0100	/* --hostname NAME */
#define OPTS_SAN	0x0200	/* --san NAME (repeatable) */
#define OPTS_KEY_TYPE	0x0400	/* --key-type TYPE */
#define OPTS_DAYS	0x0800	/* --days N */
#define OPTS_NEW_KEY	0x1000	/* --new-key */
#define OPTS_DISTINCT	0x2000	/* --distinct-keys */
#define OPTS_POST_HOOK	0x4000	/* --post-hook CMD */
#define OPTS_OUTPUT	0x8000	/* --output FILE */

/* The getopt_long values of the shared long options; a command's own
 * start at OPT_OWN. */
enum {
	OPT_OWNER = 256, OPT_SERVER_GROUP, OPT_CLIENT_GROUP, OPT_SERVICE_DIR,
	OPT_FORMAT, OPT_WAIT, OPT_DRY_RUN, OPT_HOSTNAME, OPT_SAN,
	OPT_KEY_TYPE, OPT_DAYS, OPT_NEW_KEY, OPT_DISTINCT, OPT_POST_HOOK,
	OPT_OUTPUT, OPT_OWN = 512
};

struct cmdline {
	const char		*usage;		/* "usage: qmail-pem NAME ..." */
	unsigned		 common;	/* OPTS_* */
	const char		*letters;	/* its own short options */
	const struct option	*own;		/* its own long options, up
						 * to { NULL } */
	/* Every option, a shared one after it was stored; -1 (err set)
	 * refuses it.  NULL: the command has none of its own. */
	int	(*option)(void *o, int ch, char *arg, struct err *err);
	/* An argument after the options (last: the last one); NULL: none
	 * is taken. */
	int	(*operand)(void *o, char *arg, int last, struct err *err);
	/* Before a usage error is said, and the status it exits with
	 * (verify: a Nagios status line, and UNKNOWN). */
	void	(*before_usage_error)(const struct err *err);
	int	 usage_status;			/* 0: EX_USAGE */
};

/* What opts_parse() returns when the command is to run. */
#define OPTS_RUN	(-1)

/* Parse argv (argv[0] is the command name).  Returns OPTS_RUN when the
 * command is to run; else the status to exit with: EX_OK after --help
 * (printed), EX_USAGE (or usage_status) after a usage error (said). */
int opts_parse(const struct cmdline *cl, int argc, char *argv[],
    struct common_opts *c, void *o);

/* Say err as a usage error of the command; returns the exit status. */
int opts_usage_error(const struct cmdline *cl, const struct err *err);

/* A whole number in [min, max] for option opt. */
int opts_number(const char *arg, int min, int max, int *out, const char *opt,
    struct err *err);

/* --post-hook, if given, must name a command. */
int opts_check_post_hook(const struct common_opts *c, struct err *err);

#endif
