/*
 * readercheck.c: the readers of readers.c against the owners and modes
 * of install, rotate and verify.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/msg.h"
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
static int
known(const struct reader *r)
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

	if (!known(r))
		return -1;
	return readers_can_read(r, owner, group, mode, &why);
}

static int
check_file(const struct reader_list *list, const char *file,
    const struct perms_target *t, struct err *err)
{
	char perms[160], who[4400], text[5000];
	const struct reader *r;
	size_t i;
	int can;

	perms_describe(t->uid, t->gid, t->mode, perms, sizeof(perms));
	for (i = 0; i < list->n; i++) {
		r = &list->v[i];
		if (strcmp(r->file, file) != 0 ||
		    (r->source == READER_DEFAULT && !known(r)))
			continue;
		if ((can = can_read(r, t->uid, t->gid, t->mode)) == 0) {
			readers_explain(r, perms, text, sizeof(text));
			return err_set(err, EX_CONFIG, "%s", text);
		}
		if (can == -1) {
			readers_describe(r, who, sizeof(who));
			msg_warn("%s: cannot tell whether %s can read it as "
			    "%s%s%s; check with qmail-pem readers", file, who,
			    perms, r->note[0] ? ": " : "", r->note);
		}
	}
	return 0;
}

int
readercheck_refuse(const struct service_dirs *sd,
    const struct perms_target *server, const struct perms_target *client,
    struct err *err)
{
	struct reader_list list = { NULL, 0 };
	int rc = -1;

	if (readercheck_scan(sd, &list, err) == -1)
		goto out;
	if (check_file(&list, SERVERCERT, server, err) == -1 ||
	    check_file(&list, CLIENTCERT, client, err) == -1)
		goto out;
	rc = 0;
out:
	readers_free(&list);
	return rc;
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
		if (strcmp(r->file, file) == 0 && known(r) &&
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
			    known(&list->v[i]))
				r = &list->v[i];
	return r;
}

const char *
readercheck_group(const struct reader_list *list, const char *file,
    const struct perms_target *t)
{
	const struct reader *r;

	if ((r = first_cannot(list, file, t->uid, t->gid, t->mode)) == NULL)
		return NULL;
	return r->group[0] ? r->group : NULL;
}
