/*
 * backup.h: the copies kept before a file is replaced.
 *
 * NAME.YYYYMMDDTHHMMSSZ.bak (then .1.bak, .2.bak ... within one second),
 * root:root 0600; a symlink is recorded as a symlink, never followed.
 */
#ifndef QP_BACKUP_H
#define QP_BACKUP_H

#include <stddef.h>
#include <time.h>

#include "base/err.h"
#include "perms.h"

struct backup_name {
	char	name[256];
	char	stamp[32];	/* YYYYMMDDTHHMMSSZ */
	int	seq;		/* 0 for the first in its second */
};

/* Keep a copy of name as it is now; *created receives the backup's name. */
int backup_create(const struct perms_dir *dir, const char *name, time_t now,
    char *created, size_t size, struct err *err);

/* All backups of name, oldest first. *list is malloc'ed. */
int backup_list(const struct perms_dir *dir, const char *name,
    struct backup_name **list, size_t *count, struct err *err);

/* Parse "NAME.<stamp>[.N].bak"; returns 0 if it is a backup of name. */
int backup_parse(const char *entry, const char *name, struct backup_name *b);

/* Order of two backups: <0 when a is older. */
int backup_compare(const void *a, const void *b);

#endif
