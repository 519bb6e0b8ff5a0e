/*
 * problems.c: what verify found, as the problems its Nagios status line
 * names (problems.h).
 *
 * The status line lists the problems, each once, as "FILE: CHECK: what":
 * CRITICAL ones first, then WARNING, then UNKNOWN, and within a level a
 * key readable beyond its readers, then a reader that cannot read, then
 * expiry, then the rest.  The checks stay as they are in json and
 * prometheus; only this line folds what says one thing twice.
 */
#include <stdlib.h>
#include <string.h>

#include "check/problems.h"

static int
is_one_of(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(name, *names) == 0)
			return 1;
	return 0;
}

/* A reader that cannot read its file: group, the read test and the run
 * scripts' reader each say so about the same cause. */
static const char *const reader_cause[] = { "reader-cannot-read", "group",
    "reader-can-read", NULL };

static int
problem_rank(const char *name)
{
	static const char *const beyond[] = { "mode", "acl", "owner", NULL };
	static const char *const expiry[] = { "expiry", "not-yet-valid",
	    "live-cert-expiry", NULL };

	if (is_one_of(name, beyond))
		return 0;
	if (is_one_of(name, reader_cause))
		return 1;
	return is_one_of(name, expiry) ? 2 : 3;
}

int
problems_level(enum check_status s)
{
	return s == CHECK_CRITICAL ? 0 : s == CHECK_WARNING ? 1 :
	    s == CHECK_UNKNOWN ? 2 : -1;
}

/* The one check of r that speaks for reader_cause: the most severe, and
 * of those the first in reader_cause (reader-cannot-read has the fix). */
static const struct check *
reader_cause_speaker(const struct file_report *r)
{
	const struct check *best = NULL, *c;
	int i, level, best_level = 3;

	for (i = 0; reader_cause[i] != NULL; i++) {
		if ((c = verify_find(r, reader_cause[i])) == NULL ||
		    (level = problems_level(c->status)) == -1)
			continue;
		if (best == NULL || level < best_level) {
			best = c;
			best_level = level;
		}
	}
	return best;
}

static int
problem_compare(const void *pa, const void *pb)
{
	const struct problem *a = pa, *b = pb;

	if (a->level != b->level)
		return a->level - b->level;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* A key that cannot be loaded at all: the read test fails for that
 * reason too, and says nothing more. */
static int
content_broken(const struct file_report *r)
{
	static const char *const broken[] = { "parses", "single-key",
	    "key-matches", NULL };
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->checks[i].status == CHECK_CRITICAL &&
		    is_one_of(r->checks[i].name, broken))
			return 1;
	return 0;
}

size_t
problems_collect(const struct file_report *files, size_t nfiles,
    struct problem *p, size_t max)
{
	const struct check *c, *speaker;
	size_t i, j, n = 0;
	int level;

	for (i = 0; i < nfiles; i++) {
		speaker = content_broken(&files[i]) ? NULL :
		    reader_cause_speaker(&files[i]);
		for (j = 0; j < files[i].n && n < max; j++) {
			c = &files[i].checks[j];
			if ((level = problems_level(c->status)) == -1 ||
			    (is_one_of(c->name, reader_cause) && c != speaker &&
			    (speaker != NULL || strcmp(c->name,
			    "reader-can-read") == 0)))
				continue;
			p[n] = (struct problem){ &files[i], c, level,
			    problem_rank(c->name), n };
			n++;
		}
	}
	qsort(p, n, sizeof(p[0]), problem_compare);
	return n;
}

