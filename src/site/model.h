/*
 * model.h: the installation, determined once per command.
 *
 * For a control directory, model_build() says which files qmail-pem
 * manages, who reads each (the run scripts' readers, else qmail's
 * defaults, marked as assumed), the owner, group and mode each should
 * have and where that group came from, and the DANE state (a staged key,
 * the keys that rotate --commit replaced).  install, rotate (--stage,
 * --commit), rollback and verify take these from the model; none decides
 * them on its own.
 *
 * The group of a file:
 *   1. --server-group / --client-group when given;
 *   2. else the live file's group, when the file is owner's, mode 0640 or
 *      stricter, its group is not the default, and every reader a run
 *      script names is in it (none named: kept, and said once);
 *   3. else the default of policy.h, unless it locks out a reader that a
 *      run script names: then the group that reader runs with is the one
 *      the file should have (verify expects it), but install, rotate and
 *      rollback do not choose it on their own: they refuse and name it.
 *
 * With --sni NAME the model holds servercert.pem alone: an SNI folder has
 * no clientcert.pem, and nothing of it (its group) is decided.
 *
 * A group that does not exist is an error (EX_NOUSER), except for a
 * lenient request (status, which shows the installation as it is): the
 * file then wants that group by name, and group_missing says why it has
 * no id and how to fix that.
 *
 * More files (SNI certificates) are more entries of files[]; more about a
 * reader (its binary, what it loads) goes into struct model_file.
 */
#ifndef QP_MODEL_H
#define QP_MODEL_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "base/err.h"
#include "perms.h"
#include "site/danenote.h"
#include "site/readercheck.h"
#include "site/readers.h"

#define MODEL_MAX_FILES		8
#define MODEL_COMMAND_MAX	2400	/* a buffer for model_command() */

enum model_role { MODEL_SERVER, MODEL_CLIENT, MODEL_NROLES };

enum model_group_from {
	MODEL_GROUP_DEFAULT,	/* policy.h's */
	MODEL_GROUP_OPTION,	/* --server-group, --client-group */
	MODEL_GROUP_KEPT,	/* the live file's: its readers are in it */
	MODEL_GROUP_KEPT_UNNAMED, /* the live file's: no run script says
				 * who reads it */
	MODEL_GROUP_READER	/* the group of the reader a run script names,
				 * which the default would lock out */
};

struct model_file {
	const char		*name;		/* relative to the directory */
	enum model_role		 role;
	int			 usage;		/* USAGE_SERVER, USAGE_CLIENT */
	const char		*daemon;	/* qmail-smtpd, qmail-remote */
	const char		*option;	/* --server-group */
	const char		*default_group;
	int			 exists;	/* the live file, lstat'ed */
	struct stat		 st;
	char			 owner[64];	/* wanted */
	char			 group[64];
	struct perms_target	 want;
	enum model_group_from	 group_from;
	const struct reader	*locked_out;	/* a reader a run script names
						 * that cannot read want; NULL */
	char			 group_missing[512];	/* lenient: group has
						 * no id (want.gid is -1), the
						 * message and fix; "" */
};

struct model_dane {
	int			 staged;	/* SERVERCERT_NEXT exists */
	time_t			 staged_mtime;
	struct dane_note	 note;		/* what rotate --commit replaced */
};

struct site_model {
	char			 dir[4096];	/* -d, for the hints */
	char			 sni[256];	/* --sni NAME, or "" */
	int			 dir_default;	/* -d not needed in a command */
	struct service_dirs	 services;	/* as given (n == 0: defaults) */
	struct reader_list	 readers;
	struct model_file	 files[MODEL_MAX_FILES];
	size_t			 nfiles;
	struct model_dane	 dane;
};

/* What the command was told. */
struct model_request {
	const char		*owner;		/* --owner or DEFAULT_OWNER */
	const char		*group[MODEL_NROLES];	/* NULL: not given */
	const struct service_dirs *services;
	int			 quiet;		/* say nothing on stderr */
	const char		*dir;		/* -d as given (NULL: dir's) */
	const char		*sni;		/* --sni NAME, or NULL: with
						 * it, servercert.pem alone */
	int			 lenient;	/* status: a group that does
						 * not exist is group_missing,
						 * not an error */
};

/*
 * What a command was told (-d, --sni, --service-dir), before or without
 * model_build(), which starts with it: enough for model_command() to
 * print a hint with -d, --sni and --service-dir (no group: none known).
 */
void model_init(struct site_model *m, const char *dir, const char *sni,
    const struct service_dirs *services);

/*
 * The model of dir (opened).  An unknown owner or group is EX_NOUSER
 * (a group, unless req->lenient).
 * A group kept only because no run script names the reader is said once
 * on stderr unless req->quiet.  model_free() after, also on failure.
 */
int model_build(const struct model_request *req, const struct perms_dir *dir,
    struct site_model *m, struct err *err);
void model_free(struct site_model *m);

/* The entry of name (SERVERCERT ...), or NULL (CLIENTCERT with --sni). */
const struct model_file *model_file(const struct site_model *m,
    const char *name);

/*
 * Before install, rotate or rollback writes the files with their wanted
 * owners: -1 (EX_CONFIG) when a reader that a run script names could not
 * read one, with the fix as a complete `qmail-pem COMMAND ...'; a reader
 * that cannot be determined is warned about.  0 otherwise.
 */
int model_refuse(const struct site_model *m, const char *command,
    struct err *err);

/*
 * The complete command line that repeats what the model holds:
 * "qmail-pem COMMAND [-d DIR] [--server-group G] [--client-group G]
 * [--service-dir D]...", -d when DIR is not the default, a group when it
 * is not the default; group (may be NULL) replaces that of role, and is
 * said even when it is the default (which a kept group would override).
 */
const char *model_command(const struct site_model *m, const char *command,
    enum model_role role, const char *group, char *buf, size_t size);

/* The same with --sni NAME for the SNI file of sni (verify, which checks
 * every SNI file under one model of DIR), group (NULL: the model's) for
 * --server-group. */
const char *model_command_sni(const struct site_model *m, const char *command,
    const char *sni, const char *group, char *buf, size_t size);

/* "qmail-pem readers [-d DIR] [--service-dir D]...": readers takes no
 * groups. */
const char *model_readers_command(const struct site_model *m, char *buf,
    size_t size);

/* "qmail-pem COMMAND [-d DIR] [--sni NAME]": for csr and tlsa, which
 * take no groups and no run scripts. */
const char *model_command_file(const struct site_model *m,
    const char *command, char *buf, size_t size);

/* The file as the administrator knows it, relative to -d:
 * "servercerts/NAME/servercert.pem" with --sni NAME, else name. */
const char *model_label(const struct site_model *m, const char *name,
    char *buf, size_t size);

/* Why the file has the group it should have, in words ("kept: ..."). */
const char *model_group_reason(const struct model_file *f, char *buf,
    size_t size);

#endif
