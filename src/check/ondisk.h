/*
 * ondisk.h: verify's checks of a key file as it is on disk, from its
 * lstat and its ACL: exists, regular-file, link-count, owner, group,
 * mode, acl; and the directory's default-acl, reported on every file.
 * Nothing is read but metadata.
 */
#ifndef QP_ONDISK_H
#define QP_ONDISK_H

#include <stddef.h>
#include <sys/stat.h>

#include "check/verify.h"
#include "perms.h"

/* What verify expects of one file on disk, and what it found. */
struct ondisk_target {
	const char		*name;		/* "servercert.pem" */
	const char		*owner_name;	/* "root" */
	const char		*group_name;	/* "nofiles" */
	const char		*group_option;	/* "--server-group" */
	const char		*daemon;	/* "qmail-smtpd" */
	const char		*fix;		/* "qmail-pem install -d /ctl
						 * --server-group vchkpw" */
	const char		*group_note;	/* why its group; NULL */
	const char		*group_missing;	/* the group does not exist
						 * (status: the message and
						 * fix); NULL or "" */
	enum check_status	 missing;	/* the status if it is absent */
	struct perms_target	 expect;	/* owner, group, mode */
	struct stat		 st;		/* found: its lstat */
	int			 readable_type;	/* found: exists, regular */
	const char		*skipped;	/* found: why the checks after
						 * these were not run; NULL */
};

/* The checks of t into r; when the file is missing or not a regular
 * file, every later check is SKIPPED with t->skipped as the reason. */
void ondisk_check(const struct perms_dir *dir, struct ondisk_target *t,
    struct file_report *r);

/* default-acl of the directory, into each of files[0..n). */
void ondisk_default_acl(const struct perms_dir *dir,
    struct file_report *files, size_t n);

#endif
