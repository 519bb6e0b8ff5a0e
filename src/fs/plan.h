/*
 * plan.h: plan-then-apply for commands that change the control directory.
 *
 * A command builds one file_plan per file with the bytes the file must
 * hold and its owner, group and mode; plan_decide() compares that with
 * the disk and sets the actions; plan_apply() carries them out: backups
 * first, then every new file written to a temp file (a repair of owner,
 * mode or ACL too: the same bytes in a new file), then the renames, then
 * the removals.  A file with extended ACL entries needs a fix like a wrong
 * mode: with them, the mode does not say who can read it.  Until the first
 * rename any failure removes what this run created, so the directory is as
 * it was.
 */
#ifndef QP_PLAN_H
#define QP_PLAN_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "base/err.h"
#include "perms.h"

#define ACT_CREATE		0x001
#define ACT_REPLACE_SYMLINK	0x002
#define ACT_REPLACE_HARDLINK	0x004
#define ACT_REPLACE		0x008	/* new content over a regular file */
#define ACT_REWRITE		0x010	/* same key and chain, cleaned layout */
#define ACT_FIX_OWNER		0x020	/* same bytes, new file: renamed */
#define ACT_FIX_MODE		0x040	/* over the old one, no backup */
#define ACT_NEW_KEY		0x080	/* informational */
#define ACT_NEW_CERT		0x100	/* informational */
#define ACT_IMPORT		0x200	/* informational */
#define ACT_REMOVE		0x400	/* the file is removed (no content) */
#define ACT_FIX_ACL		0x800	/* extended ACL entries go */

/* What a repair changes on a file whose content stays. */
#define ACT_FIXES	(ACT_FIX_OWNER | ACT_FIX_MODE | ACT_FIX_ACL)

#define ACT_WRITES	(ACT_CREATE | ACT_REPLACE_SYMLINK | \
			 ACT_REPLACE_HARDLINK | ACT_REPLACE | ACT_REWRITE)

struct file_plan {
	const char		*name;
	struct perms_target	 target;
	char			*content;	/* pemfile bytes; owned */
	size_t			 len;
	int			 same_key_as_old; /* ACT_REWRITE vs ACT_REPLACE */
	int			 actions;	/* set by plan_decide() */
	int			 info;		/* ACT_NEW_KEY etc., by caller */
	int			 keep_backup;	/* back up before replacing */
	int			 key_kept;	/* an import reuses the old key */
	struct stat		 old;		/* lstat before the change */
	int			 old_exists;
	char			 note[512];	/* what the new content is */
	char			 backup[256];	/* set by plan_apply() */
	char			 old_acl[256];	/* its extended ACL entries */
	char			 shown[320];	/* "SUB/name" in the reports
						 * (plan_show_in); "": name */
};

/* to gets from's bytes and what they are (info), its note saying so:
 * "same key and certificate as FROM_NAME". */
int plan_same_as(struct file_plan *to, const struct file_plan *from,
    const char *from_name, struct err *err);

/* Compare the wanted state with the disk; sets actions. */
int plan_decide(const struct perms_dir *dir, struct file_plan *plan,
    struct err *err);

/* Carry out the plans (none of them is touched if nothing changes). */
int plan_apply(const struct perms_dir *dir, struct file_plan *plans,
    size_t n, time_t now, struct err *err);

/* "create, new key" etc.; "unchanged" when there is nothing to do. */
const char *plan_describe(const struct file_plan *plan, char *buf,
    size_t size);
void plan_print(const struct file_plan *plans, size_t n, int dry_run);
/* JSON (jansson) report of the plans, printed on stdout. */
int plan_print_json(const char *command, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, int dry_run, struct err *err);
/* The same report as an object, for commands that add members before
 * printing it with plan_dump_json() (which takes the reference). */
json_t *plan_json(const char *command, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, int dry_run);
int plan_dump_json(json_t *root, struct err *err);

/* Whether plan_dump_json() printed its object (a command that fails
 * after it, in its post-hook, prints no second one). */
int plan_json_printed(void);

/* "warnings": the warnings said so far (base/msg.h), a list. */
void plan_json_warnings(json_t *obj);

/* key: text in obj, unless text is empty. */
void plan_json_text(json_t *obj, const char *key, const char *text);

int plan_changes(const struct file_plan *plans, size_t n);

/* The plans of files in the folder sub of the directory the command was
 * given (an SNI folder): each is reported as "sub/name".  NULL: none. */
void plan_show_in(struct file_plan *plans, size_t n, const char *sub);
void plan_free(struct file_plan *plans, size_t n);

#endif
