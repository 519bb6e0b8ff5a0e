/*
 * readercheck.c: the readers of readers.c against the owners and modes
 * of install, rotate and verify.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "site/policy.h"
#include "site/readercheck.h"
#include "site/readerperm.h"

int
service_dirs_add(struct service_dirs *sd, const char *dir, struct err *err)
{
	if (sd->n == MAX_SERVICE_DIRS)
		return err_set(err, EX_USAGE, "at most %d --service-dir",
		    MAX_SERVICE_DIRS);
	if (dir[0] == '\0')
		return err_set(err, EX_USAGE, "--service-dir needs a directory"
		    );
	sd->v[sd->n++] = dir;
	return 0;
}

int
readercheck_scan(const struct service_dirs *sd, struct reader_list *list,
    struct err *err)
{
	return readers_scan(sd->n ? sd->v : NULL, sd->n, list, err);
}

/*
 * A reader whose ids are known: from a run script, or qmail-remote's,
 * which qmail-start always runs as qmailr with group qmail (compiled into
 * qmail; prot_gid drops every other group).  qmail-smtpd's default
 * (qmaild) is only an assumption when no run script was found: a
 * --server-group then says who reads servercert.pem.
 */
int
readercheck_known(const struct reader *r)
{
	return r->source == READER_SCRIPT ||
	    (r->source == READER_DEFAULT && r->have_uid && r->have_gid &&
	    strcmp(r->file, CLIENTCERT) == 0);
}

/* 1 can, 0 cannot, -1 cannot tell. */
static int
can_read(const struct reader *r, uid_t owner, gid_t group, mode_t mode)
{
	struct err why = { 0 };

	if (!readercheck_known(r))
		return -1;
	return readers_can_read(r, owner, group, mode, &why);
}

/* The first known reader of file that cannot read it as owner:group
 * with mode. */
static const struct reader *
first_cannot(const struct reader_list *list, const char *file, uid_t owner,
    gid_t group, mode_t mode)
{
	const struct reader *r;
	size_t i;

	for (i = 0; i < list->n; i++) {
		r = &list->v[i];
		if (strcmp(r->file, file) == 0 && readercheck_known(r) &&
		    can_read(r, owner, group, mode) == 0)
			return r;
	}
	return NULL;
}

const struct reader *
readercheck_cannot(const struct reader_list *list, const char *file,
    const struct stat *st)
{
	return first_cannot(list, file, st->st_uid, st->st_gid, st->st_mode);
}

const struct reader *
readercheck_test_reader(const struct reader_list *list, const char *file,
    const struct stat *st)
{
	const struct reader *r;
	size_t i;

	if ((r = readercheck_cannot(list, file, st)) == NULL)
		for (i = 0; i < list->n && r == NULL; i++)
			if (strcmp(list->v[i].file, file) == 0 &&
			    readercheck_known(&list->v[i]))
				r = &list->v[i];
	return r;
}
