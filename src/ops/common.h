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
#include "site/model.h"
#include "site/readercheck.h"
#include "site/sni.h"

struct common_opts {
	const char		*command;	/* "install": its name, for hints */
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
	const char		*sni;		/* --sni NAME: the file
						 * servercerts/NAME/servercert.pem
						 * alone (site/sni.h) */
	int			 plan_new_sni;	/* install: common_open_dir()
						 * plans a missing SNI folder
						 * in a stand-in */
	enum { SNI_NEW_NONE, SNI_NEW_NAME, SNI_NEW_BOTH }
				 sni_new;	/* the folders it makes
						 * (servercerts/ too: BOTH) */
	int			 refuse_readers;	/* common_prepare() */
	int			 lenient;	/* status: a group or reader
						 * that does not exist is
						 * shown, not an error
						 * (site/model.h) */
	struct site_model	 model;		/* common_model() */
};

/* Everything zero but the defaults of policy.h. */
void common_defaults(struct common_opts *c);

/*
 * Before a command writes the control directory: root with CAP_CHOWN
 * (unless --dry-run), and the capabilities cut to what it needs (to read
 * only for a dry run; to kill a server for a post-hook).  With
 * refuse_readers, common_open_dir() refuses owners that lock out a
 * reader a run script names (model_refuse()).
 */
int common_prepare(struct common_opts *c, int refuse_readers,
    struct err *err);

/*
 * The control directory opened safely and, unless --dry-run, locked
 * (waiting --wait seconds for another writer); then common_model().
 * With --sni NAME it is DIR/servercerts/NAME instead (common_enter_sni()
 * with c->plan_new_sni), and the lock is that folder's.
 */
int common_open_dir(struct common_opts *c, struct perms_dir *dir,
    struct err *err);

/*
 * When the plan was made in a stand-in (c->sni_new), and not a dry run:
 * the SNI folders made (root:root 0755, fs/subdir.h), the new one locked
 * and checked to be still empty, and put in dir in place of the
 * stand-in, just before the first file is written, so that a command
 * that refuses leaves no folder.  m (common_sni_init() first) records
 * what was made; common_unmake_sni() takes it back when the command then
 * fails (a write failed); sni_made_close(m) after.
 */
void common_sni_init(struct sni_made *m);
int common_make_sni(const struct common_opts *c, struct sni_made *m,
    struct perms_dir *dir, struct err *err);
void common_unmake_sni(const struct common_opts *c, struct sni_made *m,
    const struct perms_dir *dir, struct err *err);

/*
 * The model of the opened directory (site/model.h) from -d, --owner,
 * --*-group and --service-dir, into c->model; c->owners then holds the
 * owner, groups and modes it wants, which is what the command writes or
 * expects (with --sni, the server's alone: c->owners.client is not
 * set).  quiet: the model says nothing on stderr; c->lenient: the
 * model's (status).  With c->refuse_readers, model_refuse() for command.
 * common_free() after.
 */
int common_model(struct common_opts *c, const struct perms_dir *dir,
    const char *command, int quiet, struct err *err);
void common_free(struct common_opts *c);

/* "qmail-pem COMMAND ..." repeating what the command was told: from the
 * model when common_model() built it (model_command(), the groups in
 * use), else -d, --sni and --service-dir alone. */
const char *common_command(const struct common_opts *c, const char *command,
    char *buf, size_t size);

/* "servercerts/NAME" with --sni NAME, else NULL. */
const char *common_sni_sub(const struct common_opts *c, char *buf,
    size_t size);

/*
 * With --sni NAME, DIR open in dir becomes DIR/servercerts/NAME, opened
 * as a directory of its own (DIR is closed); never made here.  Missing:
 * with plan_new (a command that writes the file there), dir is an empty
 * stand-in (fs/subdir.h) and c->sni_new says which folders
 * common_make_sni() makes; else an error (EX_NOINPUT) that says so.
 * Nothing without --sni.
 */
int common_enter_sni(struct common_opts *c, int plan_new,
    struct perms_dir *dir, struct err *err);

/* The writers' lock of dir (unless --dry-run; a stand-in is locked by
 * common_make_sni()); an SNI folder removed while this waited for it is
 * an error (EX_TEMPFAIL: run again). */
int common_lock_dir(const struct common_opts *c, const struct perms_dir *dir,
    struct err *err);

#endif
