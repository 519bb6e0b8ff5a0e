/*
 * common.h: what the administrator told a command, in the options that
 * several commands share (cmd/opts.c parses them once for all).
 *
 * Each command's options struct in ops/ starts with one; the defaults
 * are site/policy.h's (common_defaults()).
 */
#ifndef QP_COMMON_H
#define QP_COMMON_H

#include "ops/newcert.h"
#include "site/owners.h"
#include "site/readercheck.h"

struct common_opts {
	const char		*dir;		/* -d: DEFAULT_DIR */
	struct owners		 owners;	/* --owner, --*-group */
	struct service_dirs	 services;	/* --service-dir */
	struct newcert_opts	 newcert;	/* --hostname, --san,
						 * --key-type, --days */
	int			 new_key;	/* --new-key */
	int			 distinct_keys;	/* --distinct-keys */
	int			 allow_non_rsa;	/* --allow-non-rsa */
	int			 json;		/* --format json */
	int			 wait;		/* --wait: DEFAULT_WAIT */
	int			 dry_run;	/* --dry-run */
	const char		*post_hook;	/* --post-hook */
	const char		*output;	/* --output */
};

/* Everything zero but the defaults of policy.h. */
void common_defaults(struct common_opts *c);

/*
 * Before a command writes the control directory: the owners resolved,
 * the readers that run scripts name checked against them (with
 * refuse_readers), root with CAP_CHOWN (unless --dry-run), and the
 * capabilities cut to what it needs (to read only for a dry run; to kill
 * a server for a post-hook).
 */
int common_prepare(struct common_opts *c, int refuse_readers,
    struct err *err);

/* The control directory opened safely and, unless --dry-run, locked
 * (waiting --wait seconds for another writer). */
int common_open_dir(const struct common_opts *c, struct perms_dir *dir,
    struct err *err);

#endif
