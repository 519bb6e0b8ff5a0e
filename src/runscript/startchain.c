/*
 * startchain.c: follow one command of a run script to the program it
 * starts, and as whom.
 *
 * Each program in the chain is looked up by name in a table that says how
 * it parses its options (getopt letters) and what it does to the process:
 * nothing (a wrapper), the environment (env, envdir, envuidgid), the
 * user (setuidgid, chpst -u, tcpserver -u/-g/-U), or something not followed
 * (sudo, su, sh -c ...).  What tcpserver and friends really do is copied
 * from their sources: ids 0 mean "do not change", a -g sets the only
 * group (setgroups(1, &gid)), setuidgid drops every supplementary group,
 * chpst -u sets exactly the groups listed, s6-setuidgid takes the user's
 * groups from the group database.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/userdb.h"
#include "runscript/startchain.h"
#include "runscript/startenv.h"
#include "runscript/startprog.h"

struct walk {
	const struct rs_command	*cmd;
	const char		*service_dir;
	struct startchain		*out;
	struct envslot		 env[NENV];
	const char		*server;	/* tcpserver, sslserver */
	int			 ssl_loads_as_root;	/* sslserver -a */
};

static void note(struct startchain *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct startchain *out, const char *fmt, ...)
{
	size_t used = strlen(out->note);
	va_list ap;

	if (used + 3 >= sizeof(out->note))
		return;
	if (used > 0) {
		memcpy(out->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out->note + used, sizeof(out->note) - used, fmt, ap);
	va_end(ap);
}

/* --- the environment ------------------------------------------------- */

/* envdir DIR, said in the note when it cannot be followed. */
static void
read_envdir(struct walk *wk, const struct rs_word *w)
{
	char why[256];

	if (env_read_dir(wk->env, w, wk->service_dir, why, sizeof(why)) == -1)
		note(wk->out, "line %u: %s", wk->cmd->line, why);
}

/* -- identities ------------------------------------------------------- */

static void
set_user(struct startchain *out, uid_t uid, gid_t gid, int init_groups)
{
	out->uid = uid;
	out->gid = gid;
	out->have_uid = out->have_gid = 1;
	out->ngroups = 0;
	out->init_groups = init_groups;
}

static void
unknown_user(struct walk *wk, const char *what, const struct rs_word *w)
{
	wk->out->have_uid = wk->out->have_gid = 0;
	wk->out->ngroups = 0;
	wk->out->init_groups = 0;
	note(wk->out, "line %u: %s %.80s: %s", wk->cmd->line, what,
	    w ? w->text : "(nothing)", w && w->why ? w->why :
	    w ? "no such user here" : "the user is missing");
}

/* setuidgid USER (-s: with the user's groups), s6-setuidgid USER or
 * UID:GID; returns the index of the program it runs. */
static size_t
do_setuidgid(struct walk *wk, size_t i, const char *name)
{
	const struct rs_word *w;
	unsigned long u, g;
	char *colon;
	char buf[64];
	int s6 = strcmp(name, "s6-setuidgid") == 0, init = s6;
	uid_t uid;
	gid_t gid;

	i++;
	if (!s6 && i < wk->cmd->nwords &&
	    strcmp(wk->cmd->words[i].text, "-s") == 0) {
		init = 1;
		i++;
	}
	w = i < wk->cmd->nwords ? &wk->cmd->words[i] : NULL;
	if (w == NULL || w->unknown) {
		unknown_user(wk, name, w);
		return i + 1;
	}
	if (s6 && w->text[0] == '\0')
		return i + 1;	/* no change */
	snprintf(buf, sizeof(buf), "%s", w->text);
	if (s6 && (colon = strchr(buf, ':')) != NULL) {
		*colon = '\0';
		if (prog_parse_id(buf, &u) == -1 ||
		    prog_parse_id(colon + 1, &g) == -1)
			unknown_user(wk, name, w);
		else
			set_user(wk->out, (uid_t)u, (gid_t)g, 0);
		return i + 1;
	}
	if (userdb_user_by_name(w->text, &uid, &gid) == -1) {
		unknown_user(wk, name, w);
		return i + 1;
	}
	set_user(wk->out, uid, gid, init);
	return i + 1;
}

/* envuidgid USER: $UID and $GID for tcpserver -U. */
static size_t
do_envuidgid(struct walk *wk, size_t i, const char *name)
{
	const struct rs_word *w;
	char buf[32];
	uid_t uid;
	gid_t gid;

	i++;
	w = i < wk->cmd->nwords ? &wk->cmd->words[i] : NULL;
	if (w != NULL && w->text[0] == '-' && !w->unknown) {
		env_unknown(&wk->env[E_UID], "%s %s is not followed", name,
		    w->text);
		env_unknown(&wk->env[E_GID], "%s %s is not followed", name,
		    w->text);
		return prog_skip_opts(wk->cmd, i - 1, "ugBniD:") + 1;
	}
	if (w == NULL || w->unknown) {
		env_unknown(&wk->env[E_UID], "%s %s: the user is not known",
		    name, w ? w->text : "");
		wk->env[E_GID] = wk->env[E_UID];
	} else if (userdb_user_by_name(w->text, &uid, &gid) == -1) {
		env_unknown(&wk->env[E_UID], "%s %s: no such user here",
		    name, w->text);
		wk->env[E_GID] = wk->env[E_UID];
	} else {
		snprintf(buf, sizeof(buf), "%lu", (unsigned long)uid);
		env_set(&wk->env[E_UID], buf);
		snprintf(buf, sizeof(buf), "%lu", (unsigned long)gid);
		env_set(&wk->env[E_GID], buf);
	}
	return i + 1;
}

/*
 * chpst -u user[:group[:group...]] or -u :uid[:gid...]: exactly the groups
 * listed (the user's own if none); with env, chpst -U: only $UID, $GID.
 */
static void
do_chpst_user(struct walk *wk, const char *arg, const struct rs_word *argw,
    int env)
{
	char buf[512], *parts[1 + START_MAX_GROUPS], *p;
	size_t n = 0, k;
	unsigned long v;
	int numeric;
	uid_t uid = 0;
	gid_t gid = 0, groups[START_MAX_GROUPS];
	struct startchain *out = wk->out;

	if (arg == NULL || argw == NULL || argw->unknown ||
	    (size_t)snprintf(buf, sizeof(buf), "%s", arg) >= sizeof(buf))
		goto unknown;
	numeric = buf[0] == ':';
	for (p = buf + numeric; n < 1 + START_MAX_GROUPS; n++) {
		parts[n] = p;
		if ((p = strchr(p, ':')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL)
		goto unknown;	/* too many groups */
	if (numeric) {
		if (prog_parse_id(parts[0], &v) == -1 || n < 2)
			goto unknown;
		uid = (uid_t)v;
	} else if (userdb_user_by_name(parts[0], &uid, &gid) == -1)
		goto unknown;
	for (k = 1; k < n; k++) {
		if (numeric && prog_parse_id(parts[k], &v) == 0)
			groups[k - 1] = (gid_t)v;
		else if (numeric || userdb_group_by_name(parts[k],
		    &groups[k - 1]) == -1)
			goto unknown;
	}
	if (n > 1)
		gid = groups[0];
	if (env) {
		snprintf(buf, sizeof(buf), "%lu", (unsigned long)uid);
		env_set(&wk->env[E_UID], buf);
		snprintf(buf, sizeof(buf), "%lu", (unsigned long)gid);
		env_set(&wk->env[E_GID], buf);
		return;
	}
	set_user(out, uid, gid, 0);
	for (k = 1; k < n; k++)
		out->groups[out->ngroups++] = groups[k - 1];
	return;
unknown:
	if (env) {
		env_unknown(&wk->env[E_UID], "chpst -U %s: not known",
		    arg ? arg : "");
		wk->env[E_GID] = wk->env[E_UID];
		return;
	}
	out->have_uid = out->have_gid = 0;
	out->ngroups = 0;
	note(out, "line %u: chpst -u %.80s: %s", wk->cmd->line,
	    arg ? arg : "", argw && argw->why ? argw->why :
	    "no such user or group here");
}

static size_t
do_chpst(struct walk *wk, size_t i, const char *opts)
{
	struct optit it = { wk->cmd, i + 1, 0 };
	const struct rs_word *argw;
	const char *arg;
	int c;

	while ((c = prog_opt_next(&it, opts, &arg, &argw)) != 0) {
		if (c == 'u' || c == 'U')
			do_chpst_user(wk, arg, argw, c == 'U');
		else if (c == 'e')
			read_envdir(wk, argw);
		else if (c == '/')
			note(wk->out, "line %u: chpst -/ %.80s: the files are "
			    "read inside that root", wk->cmd->line,
			    arg ? arg : "");
	}
	return it.i;
}

/* What tcpserver's -u, -g and -U say: [0] the uid, [1] the gid. */
struct server_ids {
	int		given[2], unknown[2];
	unsigned long	v[2];
	char		why[2][200];	/* when unknown */
};

/* -u UID or -g GID. */
static void
server_id(struct server_ids *ids, const struct prog *p, int c,
    const char *arg, const struct rs_word *argw)
{
	int k = c == 'g';

	ids->given[k] = 1;
	ids->unknown[k] = 0;
	if (argw == NULL || argw->unknown) {
		ids->unknown[k] = 1;
		snprintf(ids->why[k], sizeof(ids->why[k]), "-%c %.60s: %s", c,
		    arg ? arg : "", argw && argw->why ? argw->why : "missing");
	} else if (prog_parse_id(arg, &ids->v[k]) == -1) {
		ids->unknown[k] = 1;
		snprintf(ids->why[k], sizeof(ids->why[k]), "-%c %.60s: %s "
		    "takes a number", c, arg, p->name);
	}
}

/* -U: $UID and $GID, as envuidgid sets them. */
static void
server_env_ids(struct server_ids *ids, const struct envslot *env)
{
	const struct envslot *e;
	int k;

	for (k = 0; k < 2; k++) {
		e = &env[k == 0 ? E_UID : E_GID];
		if (e->state == ENV_UNSET)
			continue;
		ids->given[k] = 1;
		ids->unknown[k] = 0;
		if (e->state == ENV_SET && prog_parse_id(e->value, &ids->v[k])
		    == 0)
			continue;
		ids->unknown[k] = 1;
		snprintf(ids->why[k], sizeof(ids->why[k]), "-U: %.190s",
		    e->state == ENV_UNKNOWN ? e->why : e->state == ENV_SET ?
		    "not a number" : "the script does not set $UID and $GID "
		    "(envuidgid USER does)");
	}
}

/* The ids the server sets (0: no change), or why they are not known. */
static void
server_apply(struct walk *wk, const struct prog *p,
    const struct server_ids *ids)
{
	int k;

	for (k = 1; k >= 0; k--) {
		if (!ids->given[k])
			continue;
		if (ids->unknown[k]) {
			if (k == 0)
				wk->out->have_uid = 0;
			else
				wk->out->have_gid = 0;
			note(wk->out, "line %u: %s %s", wk->cmd->line, p->name,
			    ids->why[k]);
		} else if (ids->v[k] != 0 && k == 1) {
			/* prot_gid(): setgroups(1, &gid), setgid(gid) */
			wk->out->gid = (gid_t)ids->v[k];
			wk->out->have_gid = 1;
			wk->out->ngroups = 0;
			wk->out->init_groups = 0;
		} else if (ids->v[k] != 0) {
			wk->out->uid = (uid_t)ids->v[k];
			wk->out->have_uid = 1;
		}
	}
}

/* -u, -g, -U of tcpserver and sslserver; the index of the program. */
static size_t
do_server(struct walk *wk, size_t i, const struct prog *p)
{
	const struct rs_command *cmd = wk->cmd;
	const struct rs_word *argw, *host, *port;
	struct optit it = { cmd, i + 1, 0 };
	struct server_ids ids;
	const char *arg;
	int c;

	memset(&ids, 0, sizeof(ids));
	while ((c = prog_opt_next(&it, p->opts, &arg, &argw)) != 0) {
		if (c == 'u' || c == 'g')
			server_id(&ids, p, c, arg, argw);
		else if (c == 'U')
			server_env_ids(&ids, wk->env);
		else if (c == 'a')
			wk->ssl_loads_as_root = 1;
		else if (c == 'A')
			wk->ssl_loads_as_root = 0;
	}
	i = it.i;
	if (i + 2 >= cmd->nwords)
		return cmd->nwords;	/* no program: it would not start */
	host = &cmd->words[i];
	port = &cmd->words[i + 1];
	/* "$OPTS 0 smtp qmail-smtpd": cannot tell options from address */
	if ((host->may_split || port->may_split) &&
	    strchr(cmd->words[i + 2].text, '/') == NULL &&
	    (prog_name(&cmd->words[i + 2]) == NULL ||
	    prog_find(prog_name(&cmd->words[i + 2])) == NULL)) {
		wk->out->have_uid = wk->out->have_gid = 0;
		note(wk->out, "line %u: cannot tell %s's options from its "
		    "address in \"%.60s %.60s\"", cmd->line, p->name,
		    host->text, port->text);
	}
	server_apply(wk, p, &ids);
	wk->server = p->name;
	return i + 2;
}

/* The program word and the PATH it is looked up in (the last PATH of
 * the command's environment wins). */
static void
record_word(struct startchain *out, const struct rs_command *cmd, size_t i)
{
	const struct rs_word *w = &cmd->words[i];
	size_t k;

	if ((size_t)snprintf(out->word, sizeof(out->word), "%.*s",
	    (int)w->len, w->text) >= sizeof(out->word))
		out->word_unknown = 1;
	out->word_unknown |= w->unknown;
	for (k = cmd->nenv; k-- > 0;) {
		if (strcmp(cmd->env[k].name, "PATH") != 0)
			continue;
		out->path_set = 1;
		out->path_unknown = cmd->env[k].unknown;
		snprintf(out->path, sizeof(out->path), "%s",
		    cmd->env[k].value ? cmd->env[k].value : "");
		if (cmd->env[k].value == NULL)
			out->path_set = 0;	/* unset: inherited PATH gone */
		break;
	}
}

/* Issue 23: TLSCIPHERS as qmail-smtpd gets it. */
static void
tlsciphers_found(const struct envslot *e, struct start_var *out)
{
	out->state = e->state == ENV_SET ? START_VAR_SET :
	    e->state == ENV_UNKNOWN ? START_VAR_UNKNOWN : START_VAR_NOT_SET;
	snprintf(out->value, sizeof(out->value), "%s", e->state == ENV_SET ?
	    e->value : e->state == ENV_UNKNOWN ? e->why : "");
}

/* qmail-smtpd found: what reads servercert.pem, and notes. */
static void
found_smtpd(struct walk *wk, size_t i)
{
	const struct rs_command *cmd = wk->cmd;
	const struct envslot *cert = &wk->env[E_CERTFILE];
	const char *base, *name;
	size_t k;

	wk->out->kind = START_SMTPD;
	snprintf(wk->out->program, sizeof(wk->out->program), "qmail-smtpd");
	record_word(wk->out, cmd, i);
	tlsciphers_found(&wk->env[E_TLSCIPHERS], &wk->out->tlsciphers);
	for (k = i + 1; k < cmd->nwords; k++) {
		name = prog_name(&cmd->words[k]);
		if (name != NULL && strcmp(name, "vchkpw") == 0)
			note(wk->out, "line %u: qmail-smtpd runs vchkpw, "
			    "which must run as vpopmail or root to read the "
			    "passwords", cmd->line);
	}
	if (wk->server == NULL || strcmp(wk->server, "sslserver") != 0)
		return;
	if (cert->state == ENV_SET) {
		base = strrchr(cert->value, '/');
		base = base ? base + 1 : cert->value;
		if (strcmp(base, "servercert.pem") != 0) {
			note(wk->out, "line %u: sslserver loads CERTFILE=%.200s, "
			    "not servercert.pem; qmail-smtpd behind it reads "
			    "servercert.pem only for STARTTLS", cmd->line,
			    cert->value);
			return;
		}
		note(wk->out, "line %u: sslserver loads CERTFILE=%.200s itself",
		    cmd->line, cert->value);
	} else if (cert->state == ENV_UNKNOWN)
		note(wk->out, "line %u: sslserver's CERTFILE is not known: "
		    "%s", cmd->line, cert->why);
	else
		note(wk->out, "line %u: the script does not set CERTFILE: "
		    "sslserver loads its compiled-in default", cmd->line);
	snprintf(wk->out->program, sizeof(wk->out->program), "sslserver");
	if (wk->ssl_loads_as_root)
		note(wk->out, "line %u: with -a, sslserver (ucspi-ssl 0.70) "
		    "loads it as root, but a STARTTLS qmail-smtpd still reads "
		    "servercert.pem as this user", cmd->line);
}

/* An unknown program: is there a program we know further on? */
static size_t
skip_unknown(struct walk *wk, size_t i)
{
	const struct prog *p;
	const char *name;
	size_t k;

	for (k = i + 1; k < wk->cmd->nwords; k++) {
		if ((name = prog_name(&wk->cmd->words[k])) == NULL ||
		    (p = prog_find(name)) == NULL)
			continue;
		if (p->kind == P_SERVER || p->kind == P_SMTPD ||
		    p->kind == P_SEND || p->kind == P_SETUIDGID ||
		    p->kind == P_ENVUIDGID || p->kind == P_CHPST) {
			note(wk->out, "line %u: assumed that %.60s does not "
			    "change the user", wk->cmd->line,
			    wk->cmd->words[i].text);
			return k;
		}
	}
	return wk->cmd->nwords;
}

void
startchain_follow(const struct rs_command *cmd, const char *service_dir,
    struct startchain *out)
{
	struct walk wk;
	const struct prog *p;
	const struct rs_word *w;
	const char *name;
	size_t i = 0, k;

	memset(out, 0, sizeof(*out));
	memset(&wk, 0, sizeof(wk));
	wk.cmd = cmd;
	wk.service_dir = service_dir;
	wk.out = out;
	/* supervise, runsv and s6-supervise run the script as root */
	set_user(out, 0, 0, 0);
	env_init(wk.env, cmd);
	for (k = 0; k < cmd->nwords; k++) {
		if (strstr(cmd->words[k].text, "qmail-smtpd") != NULL)
			out->mentions_smtpd = 1;
		if (strstr(cmd->words[k].text, "vchkpw") != NULL)
			out->mentions_vchkpw = 1;
	}

	while (i < cmd->nwords) {
		w = &cmd->words[i];
		if ((name = prog_name(w)) == NULL) {
			out->kind = START_UNKNOWN;
			note(out, "line %u: runs %.80s, which is only known by "
			    "running the script (%s)", cmd->line, w->text,
			    w->why ? w->why : "");
			return;
		}
		if ((p = prog_find(name)) == NULL) {
			i = skip_unknown(&wk, i);
			continue;
		}
		switch (p->kind) {
		case P_WRAP:
			i = prog_skip_opts(cmd, i, p->opts);
			break;
		case P_ENV:
			i = env_command(wk.env, cmd, i);
			break;
		case P_ENVDIR:
			i = prog_skip_opts(cmd, i, p->opts);
			read_envdir(&wk, i < cmd->nwords ? &cmd->words[i] :
			    NULL);
			i++;
			break;
		case P_ENVUIDGID:
			i = do_envuidgid(&wk, i, p->name);
			break;
		case P_SETUIDGID:
			i = do_setuidgid(&wk, i, p->name);
			break;
		case P_CHPST:
			i = do_chpst(&wk, i, p->opts);
			break;
		case P_SERVER:
			i = do_server(&wk, i, p);
			break;
		case P_SMTPD:
			found_smtpd(&wk, i);
			return;
		case P_SEND:
			out->kind = START_SEND;
			snprintf(out->program, sizeof(out->program),
			    "qmail-start");
			return;
		case P_OPAQUE:
			out->kind = START_UNKNOWN;
			note(out, "line %u: runs %.60s, which qmail-pem does "
			    "not follow", cmd->line, w->text);
			return;
		case P_INERT:
			return;
		}
	}
}
