/*
 * readerperm.c: what a reader (readers.h) can open, by the classic
 * owner/group/other check, and who it is and what to do about it, in
 * words for messages.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/text.h"
#include "base/userdb.h"
#include "site/policy.h"
#include "site/readerperm.h"

/* 1 member, 0 not, -1 cannot tell. */
static int
in_group(const struct reader *r, gid_t group)
{
	size_t i;

	if (r->have_gid && r->gid == group)
		return 1;
	for (i = 0; i < r->ngroups; i++)
		if (r->groups[i] == group)
			return 1;
	if (r->init_groups && r->user[0] != '\0' && r->have_gid &&
	    userdb_user_in_group(r->user, r->gid, group))
		return 1;
	return r->have_gid ? 0 : -1;
}

int
readers_can_access(const struct reader *r, uid_t owner, gid_t group,
    mode_t mode, int how, struct err *err)
{
	mode_t want = (mode_t)how & 7;
	int member, g, o;

	if (!r->have_uid)
		return err_set(err, EX_CONFIG, "cannot tell whether %s can "
		    "open %s: its user is not known (%s)", r->program, r->file,
		    r->note);
	if (r->uid == 0)
		return 1;	/* CAP_DAC_OVERRIDE; X_OK on directories too */
	if (r->uid == owner)
		return (((mode >> 6) & 7) & want) == want;
	g = (((mode >> 3) & 7) & want) == want;
	o = ((mode & 7) & want) == want;
	if (g == o)	/* member or not, one answer: no group look-up */
		return g;
	if ((member = in_group(r, group)) == -1)
		return err_set(err, EX_CONFIG, "cannot tell whether %s can "
		    "open %s: its group is not known (%s)", r->program, r->file,
		    r->note);
	return member ? g : o;
}

int
readers_can_read(const struct reader *r, uid_t owner, gid_t group,
    mode_t mode, struct err *err)
{
	return readers_can_access(r, owner, group, mode, R_OK, err);
}

const char *
readers_describe(const struct reader *r, char *buf, size_t size)
{
	char user[80], group[80], origin[4200] = "";
	int client = strcmp(r->file, CLIENTCERT) == 0;

	if (r->user[0])
		snprintf(user, sizeof(user), "%s", r->user);
	else
		snprintf(user, sizeof(user), "uid %lu", (unsigned long)r->uid);
	if (r->group[0])
		snprintf(group, sizeof(group), "%s", r->group);
	else
		snprintf(group, sizeof(group), "gid %lu",
		    (unsigned long)r->gid);
	/* inside the parenthesis: where the ids come from */
	if (client)
		text_append(origin, sizeof(origin), ", set by qmail-start%s%s",
		    r->script[0] ? " from " : "", r->script);
	else if (r->source == READER_DEFAULT)
		text_append(origin, sizeof(origin), ", qmail's default");
	buf[0] = '\0';
	if (r->have_uid && r->have_gid)
		text_append(buf, size, "%s as %s:%s (uid %lu, gid %lu%s)",
		    r->program, user, group, (unsigned long)r->uid,
		    (unsigned long)r->gid, origin);
	else if (r->have_uid)
		text_append(buf, size, "%s as %s (uid %lu, group not known%s)",
		    r->program, user, (unsigned long)r->uid, origin);
	else
		text_append(buf, size, "%s as a user that is not known",
		    r->program);
	if (!client && r->script[0])
		text_append(buf, size, " from %s", r->script);
	return buf;
}

/* The fix; cmd (NULL: "install with --server-group G") is the complete
 * command that gives the file the reader's group. */
static const char *
fix_text(const struct reader *r, const char *cmd, char *buf, size_t size)
{
	char group[80], with[1200];

	if (r->group[0])
		snprintf(group, sizeof(group), "%s", r->group);
	else
		snprintf(group, sizeof(group), "%lu", (unsigned long)r->gid);
	buf[0] = '\0';
	if (strcmp(r->file, CLIENTCERT) == 0) {
		if (cmd == NULL)
			snprintf(with, sizeof(with), "install with "
			    "--client-group %s", r->have_gid ? group :
			    DEFAULT_CLIENT_GROUP);
		text_append(buf, size, "qmail-remote always runs as qmailr "
		    "with group qmail: %s", cmd ? cmd : with);
		return buf;
	}
	snprintf(with, sizeof(with), "install with --server-group %s",
	    group);
	/* vchkpw must run as vpopmail or root: qmaild is no fix there */
	if (r->have_gid && (r->starts_vchkpw ||
	    strcmp(r->user, DEFAULT_SERVER_USER) == 0)) {
		text_append(buf, size, "%s%s", cmd ? cmd : with,
		    r->starts_vchkpw && strcmp(r->user, DEFAULT_SERVER_USER) ?
		    " (the run script starts vchkpw, which must run as "
		    "vpopmail or root)" : "");
		return buf;
	}
	text_append(buf, size, "run %s as qmaild, as djb designed it (%s)",
	    r->program, strcmp(r->program, "sslserver") == 0 ?
	    "envuidgid qmaild sslserver -U ..." :
	    "tcpserver -u \"$QMAILDUID\" -g \"$NOFILESGID\"");
	if (r->have_gid)
		text_append(buf, size, ", or %s", cmd ? cmd : with);
	else
		text_append(buf, size, ", or install with --server-group and "
		    "the group %s runs as", r->program);
	return buf;
}

const char *
readers_fix(const struct reader *r, char *buf, size_t size)
{
	return fix_text(r, NULL, buf, size);
}

const char *
readers_fix_cmd(const struct reader *r, const char *cmd, char *buf,
    size_t size)
{
	return fix_text(r, cmd, buf, size);
}

const char *
readers_explain(const struct reader *r, const char *file_perms, char *buf,
    size_t size)
{
	return readers_explain_cmd(r, file_perms, NULL, buf, size);
}

const char *
readers_explain_cmd(const struct reader *r, const char *file_perms,
    const char *cmd, char *buf, size_t size)
{
	char who[4300], fix[1600];

	readers_describe(r, who, sizeof(who));
	fix_text(r, cmd, fix, sizeof(fix));
	snprintf(buf, size, "%s: %s cannot read it as %s; %s. Fix: %s",
	    r->file, who, file_perms,
	    strcmp(r->file, CLIENTCERT) == 0 ?
	    "qmail-remote could not load its client certificate" :
	    "STARTTLS would fail with \"454 TLS missing certificate\"", fix);
	return buf;
}
