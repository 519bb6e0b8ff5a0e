/*
 * journal.h: the note of a rollback that is not finished.
 *
 * A rollback writes down what it restores (ROLLBACK_NOTE, root:root
 * 0600, a line "qmail-pem-rollback" and one "FILE BACKUP" line per file,
 * the names only) before it replaces anything, and removes the note last.
 * A rollback killed in between leaves the note: the next rollback
 * finishes that one instead of choosing anew, and install and rotate
 * refuse to run until it has.
 */
#ifndef QP_JOURNAL_H
#define QP_JOURNAL_H

#include <stddef.h>

#include "base/err.h"
#include "fs/backup.h"
#include "ops/common.h"
#include "perms.h"

/* What the note says of servercert.pem (e[0]) and clientcert.pem
 * (e[1]): the backup it is restored from, if that is still there (one
 * that is gone was restored and removed already). */
struct journal {
	struct {
		int			restore;
		struct backup_name	backup;
	} e[2];
};

/* -1 (EX_CONFIG) when an interrupted rollback left its note in dir; the
 * fix is c's rollback command (common_command()). */
int journal_refuse(const struct perms_dir *dir, const struct common_opts *c,
    struct err *err);

/* 1 with j filled when there is a note, 0 when there is none, -1 when it
 * cannot be read or is not one rollback wrote (EX_DATAERR). */
int journal_read(const struct perms_dir *dir, struct journal *j,
    struct err *err);

/* Write the note (and sync the directory); on failure none is left. */
int journal_write(const struct perms_dir *dir, const struct journal *j,
    struct err *err);

/* Remove the note; a failure is not said (err keeps what led here). */
void journal_drop(const struct perms_dir *dir);

#endif
