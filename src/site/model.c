/*
 * model.c: the installation, determined once per command (model.h): the
 * files, their readers, the owner, group and mode each should have, and
 * the DANE state.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/text.h"
#include "base/userdb.h"
#include "site/model.h"
#include "site/policy.h"
#include "site/readerperm.h"
#include "x509gen.h"

/* The files qmail-pem manages and who reads them by default. */
static const struct {
	const char		*name;
	enum model_role		 role;
	int			 usage;
	const char		*daemon;
	const char		*option;
	const char		*default_group;
} file_table[] = {
	{ SERVERCERT, MODEL_SERVER, USAGE_SERVER, "qmail-smtpd",
	    "--server-group", DEFAULT_SERVER_GROUP },
	{ CLIENTCERT, MODEL_CLIENT, USAGE_CLIENT, "qmail-remote",
	    "--client-group", DEFAULT_CLIENT_GROUP },
};

/* The id of group name for f; one that does not exist is EX_NOUSER, or
 * for a lenient request (model.h) f's group_missing, with no id. */
static int
find_group(const struct model_request *req, struct model_file *f,
    const char *name, gid_t *gid, struct err *err)
{
	if (userdb_find_group(name, gid, err) == 0)
		return 0;
	err_set(err, EX_NOUSER, "group %s (for %s) does not exist on this "
	    "system: create it (qmail's install makes %s) or pass the group "
	    "%s runs as with %s", name, f->name, f->default_group, f->daemon,
	    f->option);
	if (!req->lenient)
		return -1;
	snprintf(f->group_missing, sizeof(f->group_missing), "%s", err->text);
	err_clear(err);
	*gid = (gid_t)-1;
	return 0;
}

/* 1 when every reader a run script names (readercheck_known) can read
 * the file as owner:gid 0640, 0 when none is named, -1 when one cannot. */
static int
named_readers_in(const struct site_model *m, const struct model_file *f,
    gid_t gid)
{
	struct err why = { 0 };
	size_t i;
	int named = 0;

	for (i = 0; i < m->readers.n; i++) {
		const struct reader *r = &m->readers.v[i];
		if (strcmp(r->file, f->name) != 0 || !readercheck_known(r))
			continue;
		named = 1;
		if (readers_can_read(r, f->want.uid, gid, KEY_FILE_MODE,
		    &why) == 0)
			return -1;
	}
	return named;
}

/* The first reader a run script names that cannot read f as owner:gid
 * 0640, or NULL. */
static const struct reader *
first_locked_out(const struct site_model *m, const struct model_file *f,
    gid_t gid)
{
	struct err why = { 0 };
	size_t i;

	for (i = 0; i < m->readers.n; i++) {
		const struct reader *r = &m->readers.v[i];
		if (strcmp(r->file, f->name) == 0 && readercheck_known(r) &&
		    readers_can_read(r, f->want.uid, gid, KEY_FILE_MODE,
		    &why) == 0)
			return r;
	}
	return NULL;
}

static void
set_group(struct model_file *f, const char *name, gid_t gid,
    enum model_group_from from)
{
	snprintf(f->group, sizeof(f->group), "%s", name);
	f->want.gid = gid;
	f->group_from = from;
}

/* The live file's group, if it is to be kept (model.h, rule 2).  Group
 * root is never kept: it is what a copy made as root gets, and no qmail
 * reader runs in it, so it is no choice anyone made. */
static int
keep_live_group(const struct site_model *m, struct model_file *f,
    int have_default, gid_t dflt)
{
	char name[64];
	int in;

	if (!f->exists || !S_ISREG(f->st.st_mode) ||
	    f->st.st_uid != f->want.uid ||
	    (f->st.st_mode & 07777 & ~(mode_t)KEY_FILE_MODE) != 0 ||
	    (have_default && f->st.st_gid == dflt) || f->st.st_gid == 0 ||
	    (in = named_readers_in(m, f, f->st.st_gid)) == -1)
		return 0;
	if (userdb_group_by_gid(f->st.st_gid, name, sizeof(name)) != 0)
		snprintf(name, sizeof(name), "%lu",
		    (unsigned long)f->st.st_gid);
	set_group(f, name, f->st.st_gid, in ? MODEL_GROUP_KEPT :
	    MODEL_GROUP_KEPT_UNNAMED);
	return 1;
}

static int
decide_group(const struct model_request *req, const struct site_model *m,
    struct model_file *f, struct err *err)
{
	struct err none = { 0 };
	const struct reader *r;
	const char *given = req->group[f->role];
	gid_t gid, dflt = 0;
	int have_default;

	if (given != NULL) {
		if (find_group(req, f, given, &gid, err) == -1)
			return -1;
		set_group(f, given, gid, MODEL_GROUP_OPTION);
		return 0;
	}
	have_default = userdb_find_group(f->default_group, &dflt, &none) == 0;
	if (keep_live_group(m, f, have_default, dflt))
		return 0;
	/* A first look-up that failed is made again for its message; if
	 * that one finds the group (a passing error), it is the group. */
	if (!have_default && find_group(req, f, f->default_group, &dflt,
	    err) == -1)
		return -1;
	set_group(f, f->default_group, dflt, MODEL_GROUP_DEFAULT);
	if (!f->group_missing[0] && (r = first_locked_out(m, f, dflt)) !=
	    NULL && r->have_gid && r->group[0] &&
	    named_readers_in(m, f, r->gid) == 1)
		set_group(f, r->group, r->gid, MODEL_GROUP_READER);
	return 0;
}

static int
build_file(const struct model_request *req, const struct perms_dir *dir,
    struct site_model *m, size_t i, struct err *err)
{
	struct model_file *f = &m->files[i];
	int rc;

	f->name = file_table[i].name;
	f->role = file_table[i].role;
	f->usage = file_table[i].usage;
	f->daemon = file_table[i].daemon;
	f->option = file_table[i].option;
	f->default_group = file_table[i].default_group;
	snprintf(f->owner, sizeof(f->owner), "%s", req->owner);
	f->want.mode = KEY_FILE_MODE;
	if ((rc = perms_stat(dir, f->name, &f->st, err)) == -1)
		return -1;
	f->exists = rc;
	if (userdb_find_user(req->owner, &f->want.uid, NULL, err) == -1)
		return err_set(err, EX_NOUSER, "owner %s does not exist on "
		    "this system: create it or pass an existing user with "
		    "--owner", req->owner);
	if (decide_group(req, m, f, err) == -1)
		return -1;
	f->locked_out = f->group_missing[0] ? NULL :
	    first_locked_out(m, f, f->want.gid);
	if (f->group_from == MODEL_GROUP_KEPT_UNNAMED && !req->quiet)
		msg_at(MSG_NORMAL, stderr, "qmail-pem: ", "keeping group %s "
		    "of %s: no run script says who reads it", f->group,
		    f->name);
	return 0;
}

static int
build_dane(const struct perms_dir *dir, struct site_model *m,
    struct err *err)
{
	struct stat st;
	int rc;

	if ((rc = perms_stat(dir, SERVERCERT_NEXT, &st, err)) == -1)
		return -1;
	m->dane.staged = rc == 1 && S_ISREG(st.st_mode);
	m->dane.staged_mtime = rc == 1 ? st.st_mtime : 0;
	return dane_note_read(dir, &m->dane.note, err);
}

void
model_init(struct site_model *m, const char *dir, const char *sni,
    const struct service_dirs *services)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	snprintf(m->sni, sizeof(m->sni), "%s", sni ? sni : "");
	m->dir_default = strcmp(m->dir, DEFAULT_DIR) == 0;
	if (services != NULL)
		m->services = *services;
}

int
model_build(const struct model_request *req, const struct perms_dir *dir,
    struct site_model *m, struct err *err)
{
	size_t i;

	model_init(m, req->dir ? req->dir : dir->path, req->sni,
	    req->services);
	if (readercheck_scan(&m->services, &m->readers, err) == -1)
		return -1;
	/* an SNI folder holds servercert.pem alone (file_table[0]) */
	m->nfiles = req->sni != NULL ? 1 :
	    sizeof(file_table) / sizeof(file_table[0]);
	for (i = 0; i < m->nfiles; i++)
		if (build_file(req, dir, m, i, err) == -1)
			return -1;
	return build_dane(dir, m, err);
}

void
model_free(struct site_model *m)
{
	readers_free(&m->readers);
}

const struct model_file *
model_file(const struct site_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i].name, name) == 0)
			return &m->files[i];
	return NULL;
}

/* word, quoted for sh when it needs it. */
static void
append_word(char *buf, size_t size, const char *word)
{
	const char *p;
	int plain = word[0] != '\0';

	for (p = word; *p && plain; p++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
		    "VWXYZ0123456789/._-+,:=@", *p) != NULL;
	if (plain || strchr(word, '\'') != NULL)
		text_append(buf, size, " %s", word);
	else
		text_append(buf, size, " '%s'", word);
}

/* What command_line() says besides -d and --sni. */
enum { WITH_GROUPS = 1, WITH_SERVICES = 2 };

/* "qmail-pem COMMAND" with -d, --sni NAME (sni, may be ""), --owner and
 * the groups (WITH_GROUPS) and --service-dir (WITH_SERVICES), as
 * model_command() says. */
static const char *
command_line(const struct site_model *m, const char *command, const char *sni,
    int with, enum model_role role, const char *group, char *buf,
    size_t size)
{
	int with_groups = with & WITH_GROUPS;

	const char *g;
	size_t i;

	buf[0] = '\0';
	text_append(buf, size, "qmail-pem %s", command);
	if (!m->dir_default) {
		text_append(buf, size, " -d");
		append_word(buf, size, m->dir);
	}
	if (sni[0])
		text_append(buf, size, " --sni %s", sni);
	if (with_groups && m->nfiles > 0 &&
	    strcmp(m->files[0].owner, DEFAULT_OWNER) != 0) {
		text_append(buf, size, " --owner");
		append_word(buf, size, m->files[0].owner);
	}
	for (i = 0; with_groups && i < m->nfiles; i++) {
		const struct model_file *f = &m->files[i];
		if (group != NULL && f->role == role)
			g = group;	/* said even when it is the default */
		else if (strcmp(g = f->group, f->default_group) == 0)
			continue;
		text_append(buf, size, " %s", f->option);
		append_word(buf, size, g);
	}
	for (i = 0; (with & WITH_SERVICES) && i < m->services.n; i++) {
		text_append(buf, size, " --service-dir");
		append_word(buf, size, m->services.v[i]);
	}
	return buf;
}

const char *
model_command(const struct site_model *m, const char *command,
    enum model_role role, const char *group, char *buf, size_t size)
{
	return command_line(m, command, m->sni, WITH_GROUPS | WITH_SERVICES,
	    role, group, buf, size);
}

const char *
model_command_sni(const struct site_model *m, const char *command,
    const char *sni, const char *group, char *buf, size_t size)
{
	return command_line(m, command, sni, WITH_GROUPS | WITH_SERVICES,
	    MODEL_SERVER, group, buf, size);
}

const char *
model_readers_command(const struct site_model *m, char *buf, size_t size)
{
	return command_line(m, "readers", "", WITH_SERVICES, MODEL_SERVER,
	    NULL, buf, size);
}

const char *
model_command_file(const struct site_model *m, const char *command,
    char *buf, size_t size)
{
	return command_line(m, command, m->sni, 0, MODEL_SERVER, NULL, buf,
	    size);
}

const char *
model_label(const struct site_model *m, const char *name, char *buf,
    size_t size)
{
	if (m->sni[0])
		snprintf(buf, size, "%s/%s/%s", SNI_DIR, m->sni, name);
	else
		snprintf(buf, size, "%s", name);
	return buf;
}

/* Warn about the readers of f that cannot be determined. */
static void
warn_unknown_readers(const struct site_model *m, const struct model_file *f)
{
	char perms[160], who[4400], readers[2400];
	size_t i;

	model_readers_command(m, readers, sizeof(readers));
	perms_describe(f->want.uid, f->want.gid, f->want.mode, perms,
	    sizeof(perms));
	for (i = 0; i < m->readers.n; i++) {
		const struct reader *r = &m->readers.v[i];
		if (strcmp(r->file, f->name) != 0 ||
		    r->source != READER_UNKNOWN)
			continue;
		readers_describe(r, who, sizeof(who));
		msg_warn("%s: cannot tell whether %s can read it as %s%s%s; "
		    "check with %s", f->name, who, perms,
		    r->note[0] ? ": " : "", r->note, readers);
	}
}

/* The refusal for r, which cannot read f as uid:gid 0640. */
static int
refuse_reader(const struct site_model *m, const struct model_file *f,
    const struct reader *r, gid_t gid, const char *command,
    struct err *err)
{
	char perms[160], cmd[2400], text[8000];

	perms_describe(f->want.uid, gid, KEY_FILE_MODE, perms, sizeof(perms));
	if (r->group[0])
		model_command(m, command, f->role, r->group, cmd, sizeof(cmd));
	readers_explain_cmd(r, perms, r->group[0] ? cmd : NULL, text,
	    sizeof(text));
	return err_set(err, EX_CONFIG, "%s", text);
}

int
model_refuse(const struct site_model *m, const char *command,
    struct err *err)
{
	struct err none = { 0 };
	const struct reader *r;
	gid_t dflt;
	size_t i;

	for (i = 0; i < m->nfiles; i++) {
		const struct model_file *f = &m->files[i];
		if (f->group_from == MODEL_GROUP_READER &&
		    userdb_find_group(f->default_group, &dflt, &none) == 0 &&
		    (r = first_locked_out(m, f, dflt)) != NULL)
			return refuse_reader(m, f, r, dflt, command, err);
		if (f->locked_out != NULL)
			return refuse_reader(m, f, f->locked_out, f->want.gid,
			    command, err);
		warn_unknown_readers(m, f);
	}
	return 0;
}

const char *
model_group_reason(const struct model_file *f, char *buf, size_t size)
{
	switch (f->group_from) {
	case MODEL_GROUP_OPTION:
		snprintf(buf, size, "given with %s", f->option);
		break;
	case MODEL_GROUP_KEPT:
		snprintf(buf, size, "kept: the group it has, and its readers "
		    "are in it");
		break;
	case MODEL_GROUP_KEPT_UNNAMED:
		snprintf(buf, size, "kept: no run script says who reads it");
		break;
	case MODEL_GROUP_READER:
		snprintf(buf, size, "the group %s runs as, from its run script",
		    f->daemon);
		break;
	default:
		snprintf(buf, size, "qmail's default");
		break;
	}
	return buf;
}
