/*
 * opts.h: the command line of every command, its options declared once
 * (getopt_long).
 *
 * opts.c holds one table of every long option qmail-pem has, each with
 * the OPTS_* bit of the group it belongs to.  A command describes its
 * command line in a struct cmdline: its help text, the groups it takes,
 * and a function that takes each option.  opts_main() builds the
 * getopt_long table of the command from its groups, stores every option
 * that several commands share in a struct common_opts (ops/common.h),
 * then hands each option to the command's function too, so a command
 * can take its own, or refuse or note a shared one (verify checks
 * --hostname at once, rotate notes that a certificate option was given).
 */
#ifndef QP_OPTS_H
#define QP_OPTS_H

#include <getopt.h>
#include <stddef.h>

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
/* What install and rotate, which write both files, share. */
#define OPTS_WRITE	(OPTS_DIR | OPTS_QUIET | OPTS_VERBOSE | OPTS_OWNERS | \
			    OPTS_SERVICES | OPTS_FORMAT | OPTS_WAIT | \
			    OPTS_DRY_RUN | OPTS_HOSTNAME | OPTS_SAN | \
			    OPTS_KEY_TYPE | OPTS_DAYS | OPTS_NEW_KEY | \
			    OPTS_DISTINCT)
/* The groups of options one command has. */
#define OPTS_IMPORT	0x010000	/* install: --key, --cert ... */
#define OPTS_ROTATE	0x020000	/* rotate: --stage, --keep ... */
#define OPTS_REPORT	0x040000	/* verify: -w, -c, --format ... */
#define OPTS_LIVE	0x080000	/* verify: --connect ... */
#define OPTS_SUBJECT	0x100000	/* csr: --subject DN */
#define OPTS_STAGED	0x200000	/* tlsa: --staged */
#define OPTS_ROLLBACK	0x400000	/* rollback: --allow-tlsa-change */
#define OPTS_SNI	0x800000	/* --sni NAME: one SNI file */
#define OPTS_ALLOW_NON_RSA 0x1000000	/* install, rotate: --allow-non-rsa */
#define OPTS_KEEP	0x2000000	/* install, rotate: --keep N */

/* The getopt_long values of the options: a letter where it has one. */
enum {
	OPT_DIR = 'd', OPT_QUIET = 'q', OPT_VERBOSE = 'v', OPT_WARNING = 'w',
	OPT_CRITICAL = 'c',
	OPT_OWNER = 256, OPT_SERVER_GROUP, OPT_CLIENT_GROUP, OPT_SERVICE_DIR,
	OPT_FORMAT, OPT_WAIT, OPT_DRY_RUN, OPT_HOSTNAME, OPT_SAN,
	OPT_KEY_TYPE, OPT_DAYS, OPT_NEW_KEY, OPT_DISTINCT, OPT_POST_HOOK,
	OPT_OUTPUT,
	OPT_KEY, OPT_CERT, OPT_CHAIN, OPT_PKCS12, OPT_FROM_CERTBOT,
	OPT_PASSIN, OPT_CLIENT_SELF_SIGNED, OPT_FORCE,
	OPT_EXPIRES, OPT_KEEP_KEY, OPT_KEEP, OPT_STAGE, OPT_COMMIT,
	OPT_REPORT_FORMAT, OPT_SERVER_USER, OPT_CLIENT_USER,
	OPT_CONNECT, OPT_STARTTLS, OPT_TLS, OPT_TIMEOUT, OPT_HELO,
	OPT_SUBJECT, OPT_STAGED, OPT_ALLOW_TLSA, OPT_SNI, OPT_ALLOW_NON_RSA
};

/*
 * An option that only stores its value in the command's options struct,
 * at offset: a switch (no argument) sets an int to 1, a whole number
 * (min < max) sets an int in [min, max], any other argument is kept as a
 * const char *.  A list of them ends with a row whose ch is 0.
 */
struct opt_field {
	int		 ch;		/* OPT_* */
	size_t		 offset;	/* offsetof() the command's struct */
	int		 min, max;	/* a number's range */
};

struct cmdline {
	const char		*usage;		/* "usage: qmail-pem NAME" */
	unsigned		 groups;	/* OPTS_*: its options */
	size_t			 size;		/* of its options struct, which
						 * starts with a common_opts */
	/* Its defaults besides common_defaults(); NULL: none. */
	void	(*defaults)(void *o);
	/* Its own options that only store a value; NULL: none. */
	const struct opt_field *fields;
	/* Every option, after it was stored (shared or a field); -1 (err
	 * set) refuses it.  NULL: storing is all it takes. */
	int	(*option)(void *o, int ch, char *arg, struct err *err);
	/* An argument after the options (last: the last one); NULL: none
	 * is taken. */
	int	(*operand)(void *o, char *arg, int last, struct err *err);
	/* After the options: -1 (err set) when they do not fit together,
	 * a usage error (--post-hook '' is one for every command).  NULL:
	 * any fit. */
	int	(*check)(void *o, struct err *err);
	/* The command: its exit status, or -1 (err set). */
	int	(*run)(void *o, struct err *err);
	/* Before a usage error is said, with the options parsed so far,
	 * and the status it exits with (verify: a status line in its
	 * --format, and UNKNOWN). */
	void	(*before_usage_error)(const void *o, const struct err *err);
	int	 usage_status;			/* 0: EX_USAGE */
};

/*
 * A command from its argv (argv[0] is its name) to its exit status: its
 * options struct (cl->size bytes: zeroed, common_defaults(), its own
 * defaults) filled from argv (--help printed), the command run; a usage
 * error or the command's error said once on stderr.
 */
int opts_main(const struct cmdline *cl, int argc, char *argv[]);

/* The index of arg among names (NULL-terminated) for option opt: "--format
 * takes text or json, not 'x'" when it is none of them. */
int opts_choice(const char *arg, const char *const *names, int *out,
    const char *opt, struct err *err);

/* A whole number in [min, max] for option opt. */
int opts_number(const char *arg, int min, int max, int *out, const char *opt,
    struct err *err);

/*
 * The run() of a command whose work is one ops function of its options:
 * the table holds each command's options as void *, and here they become
 * the command's own type again (the function's prototype checks it).
 */
#define OPTS_RUN_WITH(fn)							\
static int								\
run(void *opts, struct err *err)					\
{									\
	return fn(opts, err);						\
}

#endif
