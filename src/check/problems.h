/*
 * problems.h: the problems of verify's Nagios status line, in the order an
 * on-call person reads them, each cause once (report.c prints them).
 */
#ifndef QP_PROBLEMS_H
#define QP_PROBLEMS_H

#include <stddef.h>

#include "check/verify.h"

struct problem {
	const struct file_report *file;
	const struct check	*check;
	int			 level;	/* 0 CRITICAL, 1 WARNING, 2 UNKNOWN */
	int			 rank;	/* within the level */
	size_t			 order;	/* as verify found them */
};

/*
 * The problems of files[0..nfiles), at most max, sorted: by level, then a
 * key readable beyond its readers (mode, acl, owner), a reader that
 * cannot read, expiry, the rest, then as found.  group, reader-can-read
 * and reader-cannot-read of one file give one problem, the most severe
 * (reader-cannot-read, which has the fix, on a tie); a read test that
 * fails because the key cannot be loaded at all gives none.
 */
size_t problems_collect(const struct file_report *files, size_t nfiles,
    struct problem *p, size_t max);

/* 0 CRITICAL, 1 WARNING, 2 UNKNOWN; -1 for any other status. */
int problems_level(enum check_status s);

#endif
