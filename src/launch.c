/*
 * launch.c: follow one command of a run script to the program it starts.
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

#include "launch.h"
#include "userdb.h"

#define ID_MAX	4294967294UL	/* (uid_t)-1 is not an id */

enum env_state { ENV_INHERITED, ENV_UNSET, ENV_SET, ENV_UNKNOWN };
enum { E_UID, E_GID, E_CERTFILE, E_KEYFILE, E_TLSCIPHERS, NENV };
static const char *const env_names[NENV] = {
	"UID", "GID", "CERTFILE", "KEYFILE", "TLSCIPHERS"
};

struct envslot {
	enum env_state	state;
	char		value[1024];
	char		why[200];
};

enum prog_kind {
	P_WRAP,		/* options, then the next program */
	P_ENV,		/* env [-i] [-u NAME] [NAME=value]... */
	P_ENVDIR,	/* envdir DIR */
	P_ENVUIDGID,	/* envuidgid USER: $UID, $GID */
	P_SETUIDGID,	/* setuidgid USER */
	P_CHPST,	/* runit's chpst */
	P_SERVER,	/* tcpserver, sslserver */
	P_SMTPD,	/* qmail-smtpd */
	P_SEND,		/* qmail-start */
	P_OPAQUE,	/* may change user or run anything: not followed */
	P_INERT		/* starts nothing */
};

struct prog {
	const char	*name;
	enum prog_kind	 kind;
	const char	*opts;	/* getopt(3) letters */
};

static const struct prog progs[] = {
	{ "exec", P_WRAP, "a:cl" },
	{ "command", P_WRAP, "p" },
	{ "nohup", P_WRAP, "" },
	{ "setsid", P_WRAP, "cfw" },
	{ "fghack", P_WRAP, "" },
	{ "pgrphack", P_WRAP, "" },
	{ "nice", P_WRAP, "n:" },
	{ "ionice", P_WRAP, "c:n:p:P:u:t" },
	{ "softlimit", P_WRAP, "a:c:d:f:l:m:o:p:r:s:t:" },
	{ "s6-softlimit", P_WRAP, "a:c:d:f:l:m:o:p:r:s:t:" },
	{ "rblsmtpd", P_WRAP, "bBcCWt:r:a:w:" },
	{ "recordio", P_WRAP, "" },
	{ "fixcrio", P_WRAP, "" },
	{ "tcp-env", P_WRAP, "rRt:" },
	{ "env", P_ENV, "" },
	{ "envdir", P_ENVDIR, "" },
	{ "s6-envdir", P_ENVDIR, "IinfLc:" },
	{ "envuidgid", P_ENVUIDGID, "" },
	{ "s6-envuidgid", P_ENVUIDGID, "" },
	{ "setuidgid", P_SETUIDGID, "s" },
	{ "s6-setuidgid", P_SETUIDGID, "" },
	{ "chpst", P_CHPST, "u:U:b:e:/:C:n:l:L:m:d:o:p:f:c:r:t:vP012" },
	{ "tcpserver", P_SERVER, "46dDvqQhHrR1UXx:t:u:g:l:b:B:c:pPoOI:" },
	{ "sslserver", P_SERVER,
	    "1346aAdDvVqQhHrRUXx:t:T:u:g:l:b:B:c:pPoOiIEeSsw:nNzZmyY" },
	{ "qmail-smtpd", P_SMTPD, "" },
	{ "qmail-start", P_SEND, "" },
	{ "sh", P_OPAQUE, "" }, { "bash", P_OPAQUE, "" },
	{ "dash", P_OPAQUE, "" }, { "ksh", P_OPAQUE, "" },
	{ "eval", P_OPAQUE, "" }, { "su", P_OPAQUE, "" },
	{ "sudo", P_OPAQUE, "" }, { "runuser", P_OPAQUE, "" },
	{ "setpriv", P_OPAQUE, "" }, { "doas", P_OPAQUE, "" },
	{ "s6-applyuidgid", P_OPAQUE, "" }, { "chroot", P_OPAQUE, "" },
	{ "start-stop-daemon", P_OPAQUE, "" }, { "xargs", P_OPAQUE, "" },
	{ "echo", P_INERT, "" }, { "printf", P_INERT, "" },
	{ "test", P_INERT, "" }, { "[", P_INERT, "" },
	{ "true", P_INERT, "" }, { "false", P_INERT, "" },
	{ ":", P_INERT, "" }, { "cat", P_INERT, "" },
	{ "head", P_INERT, "" }, { "tail", P_INERT, "" },
	{ "grep", P_INERT, "" }, { "sed", P_INERT, "" },
	{ "logger", P_INERT, "" }, { "sleep", P_INERT, "" },
	{ "rm", P_INERT, "" }, { "mkdir", P_INERT, "" },
	{ "chown", P_INERT, "" }, { "chmod", P_INERT, "" },
	{ "ln", P_INERT, "" }, { "touch", P_INERT, "" },
	{ "cd", P_INERT, "" }, { "umask", P_INERT, "" },
	{ "ulimit", P_INERT, "" }, { "svc", P_INERT, "" },
	{ "svok", P_INERT, "" }, { "sv", P_INERT, "" },
	{ "wait", P_INERT, "" }, { "trap", P_INERT, "" },
	{ "tcprules", P_INERT, "" }, { "id", P_INERT, "" },
};

struct walk {
	const struct rs_command	*cmd;
	const char		*service_dir;
	struct launch		*out;
	struct envslot		 env[NENV];
	const char		*server;	/* tcpserver, sslserver */
	int			 ssl_loads_as_root;	/* sslserver -a */
};

/* An option iterator over cmd->words, as getopt(3) would see them. */
struct optit {
	const struct rs_command	*cmd;
	size_t			 i;	/* word */
	size_t			 ci;	/* letter in it; 0: at a new word */
};

static void note(struct launch *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct launch *out, const char *fmt, ...)
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

static const struct prog *
find_prog(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (strcmp(progs[i].name, name) == 0)
			return &progs[i];
	return NULL;
}

/* The program name in w (after the last '/'), NULL if not known. */
static const char *
prog_name(const struct rs_word *w)
{
	const char *slash = strrchr(w->text, '/');
	const char *base = slash ? slash + 1 : w->text;

	if (w->unknown && (size_t)(base - w->text) < w->known_from)
		return NULL;
	return *base != '\0' ? base : NULL;
}

static int
parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v > ID_MAX)
		return -1;
	return 0;
}

static int
opt_next(struct optit *it, const char *opts, const char **arg,
    const struct rs_word **argw)
{
	const struct rs_word *w;
	const char *p;
	char c;

	*arg = NULL;
	*argw = NULL;
	if (it->ci == 0) {
		if (it->i >= it->cmd->nwords)
			return 0;
		w = &it->cmd->words[it->i];
		if (w->text[0] != '-' || w->text[1] == '\0')
			return 0;
		if (strcmp(w->text, "--") == 0) {
			it->i++;
			return 0;
		}
		it->ci = 1;
	}
	w = &it->cmd->words[it->i];
	c = w->text[it->ci++];
	p = c != ':' ? strchr(opts, c) : NULL;
	if (p != NULL && p[1] == ':') {
		if (w->text[it->ci] != '\0') {
			*arg = w->text + it->ci;
			*argw = w;
		} else if (it->i + 1 < it->cmd->nwords) {
			*argw = &it->cmd->words[it->i + 1];
			*arg = (*argw)->text;
			it->i++;
		}
		it->i++;
		it->ci = 0;
	} else if (w->text[it->ci] == '\0') {
		it->i++;
		it->ci = 0;
	}
	return (unsigned char)c;
}

/* Skip the options of the program at words[i]; the index after them. */
static size_t
skip_opts(const struct rs_command *cmd, size_t i, const char *opts)
{
	struct optit it = { cmd, i + 1, 0 };
	const struct rs_word *argw;
	const char *arg;

	while (opt_next(&it, opts, &arg, &argw) != 0)
		;
	return it.i;
}

/* --- the environment ------------------------------------------------- */

static void
env_init(struct walk *wk)
{
	const struct rs_var *v;
	struct envslot *e;
	size_t i, k;

	for (k = 0; k < NENV; k++)
		wk->env[k].state = ENV_INHERITED;
	for (i = 0; i < wk->cmd->nenv; i++) {
		v = &wk->cmd->env[i];
		for (k = 0; k < NENV; k++) {
			if (strcmp(v->name, env_names[k]) != 0)
				continue;
			e = &wk->env[k];
			if (v->value == NULL)
				e->state = ENV_UNSET;
			else if (v->unknown) {
				e->state = ENV_UNKNOWN;
				snprintf(e->why, sizeof(e->why), "%s",
				    v->why ? v->why : "not known");
			} else {
				e->state = ENV_SET;
				snprintf(e->value, sizeof(e->value), "%s",
				    v->value);
			}
		}
	}
}

static struct envslot *
env_slot(struct walk *wk, const char *name, size_t n)
{
	size_t k;

	for (k = 0; k < NENV; k++)
		if (strlen(env_names[k]) == n &&
		    strncmp(env_names[k], name, n) == 0)
			return &wk->env[k];
	return NULL;
}

static void
env_set(struct envslot *e, const char *value)
{
	e->state = ENV_SET;
	snprintf(e->value, sizeof(e->value), "%s", value);
}

static void env_unknown(struct envslot *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
env_unknown(struct envslot *e, const char *fmt, ...)
{
	va_list ap;

	e->state = ENV_UNKNOWN;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

/* One file of an envdir, as envdir(8) reads it: the first line, trailing
 * blanks removed, NUL bytes as newlines; an empty file removes the name. */
static void
envdir_file(int dfd, const char *dir, struct envslot *e, const char *name)
{
	char buf[sizeof(e->value)];
	struct stat before, st;
	ssize_t n;
	size_t i;
	int fd;

	/* The type before the open: a link to a device is not opened. */
	if (fstatat(dfd, name, &before, 0) == -1) {
		if (errno != ENOENT)
			env_unknown(e, "envdir %s: cannot read %s: %s", dir,
			    name, strerror(errno));
		return;
	}
	if (!S_ISREG(before.st_mode)) {
		env_unknown(e, "envdir %s: %s is not a regular file", dir,
		    name);
		return;
	}
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		if (errno != ENOENT)
			env_unknown(e, "envdir %s: cannot read %s: %s", dir,
			    name, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
		env_unknown(e, "envdir %s: %s changed while it was read", dir,
		    name);
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		env_unknown(e, "envdir %s: cannot read %s", dir, name);
		return;
	}
	if (st.st_size == 0) {
		e->state = ENV_UNSET;
		return;
	}
	for (i = 0; i < (size_t)n && buf[i] != '\n'; i++)
		if (buf[i] == '\0')
			buf[i] = '\n';
	while (i > 0 && (buf[i - 1] == ' ' || buf[i - 1] == '\t'))
		i--;
	buf[i] = '\0';
	env_set(e, buf);
}

static void
read_envdir(struct walk *wk, const struct rs_word *w)
{
	char path[4096];
	size_t k;
	int dfd;

	if (w == NULL || w->unknown) {
		for (k = 0; k < NENV; k++)
			env_unknown(&wk->env[k], "the envdir %s is not known",
			    w ? w->text : "");
		note(wk->out, "line %u: envdir %.80s is not known",
		    wk->cmd->line, w ? w->text : "");
		return;
	}
	if (w->text[0] == '/' || wk->service_dir == NULL)
		snprintf(path, sizeof(path), "%s", w->text);
	else if ((size_t)snprintf(path, sizeof(path), "%s/%s",
	    wk->service_dir, w->text) >= sizeof(path))
		path[0] = '\0';
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		note(wk->out, "line %u: envdir %.80s cannot be read (%s): "
		    "envdir would fail", wk->cmd->line, w->text,
		    strerror(errno));
		return;
	}
	for (k = 0; k < NENV; k++)
		envdir_file(dfd, w->text, &wk->env[k], env_names[k]);
	close(dfd);
}

/* -- identities ------------------------------------------------------- */

static void
set_user(struct launch *out, uid_t uid, gid_t gid, int init_groups)
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
		if (parse_id(buf, &u) == -1 || parse_id(colon + 1, &g) == -1)
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
		return skip_opts(wk->cmd, i - 1, "ugBniD:") + 1;
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
	char buf[512], *parts[1 + LAUNCH_MAX_GROUPS], *p;
	size_t n = 0, k;
	unsigned long v;
	int numeric;
	uid_t uid = 0;
	gid_t gid = 0, groups[LAUNCH_MAX_GROUPS];
	struct launch *out = wk->out;

	if (arg == NULL || argw == NULL || argw->unknown ||
	    (size_t)snprintf(buf, sizeof(buf), "%s", arg) >= sizeof(buf))
		goto unknown;
	numeric = buf[0] == ':';
	for (p = buf + numeric; n < 1 + LAUNCH_MAX_GROUPS; n++) {
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
		if (parse_id(parts[0], &v) == -1 || n < 2)
			goto unknown;
		uid = (uid_t)v;
	} else if (userdb_user_by_name(parts[0], &uid, &gid) == -1)
		goto unknown;
	for (k = 1; k < n; k++) {
		if (numeric && parse_id(parts[k], &v) == 0)
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

	while ((c = opt_next(&it, opts, &arg, &argw)) != 0) {
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

static size_t
do_env(struct walk *wk, size_t i)
{
	const struct rs_command *cmd = wk->cmd;
	const struct rs_word *w;
	struct envslot *e;
	const char *eq;
	size_t k;

	for (i++; i < cmd->nwords; i++) {
		w = &cmd->words[i];
		eq = strchr(w->text, '=');
		if (!strcmp(w->text, "-") || !strcmp(w->text, "-i") ||
		    !strcmp(w->text, "--ignore-environment")) {
			for (k = 0; k < NENV; k++)
				wk->env[k].state = ENV_UNSET;
		} else if (!strcmp(w->text, "-u") && i + 1 < cmd->nwords) {
			i++;
			e = env_slot(wk, cmd->words[i].text,
			    cmd->words[i].len);
			if (e != NULL)
				e->state = ENV_UNSET;
		} else if (!strcmp(w->text, "-C") || !strcmp(w->text, "-S"))
			i++;
		else if (!strcmp(w->text, "--")) {
			i++;
			break;
		} else if (w->text[0] == '-')
			continue;
		else if (eq != NULL && (!w->unknown ||
		    (size_t)(eq - w->text) < w->known_from)) {
			e = env_slot(wk, w->text, (size_t)(eq - w->text));
			if (e != NULL && w->unknown)
				env_unknown(e, "%s", w->why);
			else if (e != NULL)
				env_set(e, eq + 1);
		} else
			break;
	}
	return i;
}

/* -u, -g, -U of tcpserver and sslserver; the index of the program. */
static size_t
do_server(struct walk *wk, size_t i, const struct prog *p)
{
	const struct rs_command *cmd = wk->cmd;
	const struct rs_word *argw, *host, *port;
	struct optit it = { cmd, i + 1, 0 };
	struct envslot *e;
	const char *arg, *why[2] = { NULL, NULL };
	char whybuf[2][200];
	unsigned long v[2] = { 0, 0 };
	int c, k, given[2] = { 0, 0 }, unknown[2] = { 0, 0 };

	while ((c = opt_next(&it, p->opts, &arg, &argw)) != 0) {
		if (c == 'u' || c == 'g') {
			k = c == 'g';
			given[k] = 1;
			unknown[k] = 0;
			if (argw == NULL || argw->unknown) {
				unknown[k] = 1;
				snprintf(whybuf[k], sizeof(whybuf[k]),
				    "-%c %.60s: %s", c, arg ? arg : "",
				    argw && argw->why ? argw->why :
				    "missing");
				why[k] = whybuf[k];
			} else if (parse_id(arg, &v[k]) == -1) {
				unknown[k] = 1;
				snprintf(whybuf[k], sizeof(whybuf[k]),
				    "-%c %.60s: %s takes a number", c, arg,
				    p->name);
				why[k] = whybuf[k];
			}
		} else if (c == 'U') {
			for (k = 0; k < 2; k++) {
				e = &wk->env[k == 0 ? E_UID : E_GID];
				if (e->state == ENV_UNSET)
					continue;
				given[k] = 1;
				unknown[k] = 0;
				if (e->state == ENV_SET &&
				    parse_id(e->value, &v[k]) == 0)
					continue;
				unknown[k] = 1;
				snprintf(whybuf[k], sizeof(whybuf[k]), "-U: %.190s",
				    e->state == ENV_UNKNOWN ? e->why :
				    e->state == ENV_SET ? "not a number" :
				    "the script does not set $UID and $GID "
				    "(envuidgid USER does)");
				why[k] = whybuf[k];
			}
		} else if (c == 'a')
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
	    find_prog(prog_name(&cmd->words[i + 2])) == NULL)) {
		wk->out->have_uid = wk->out->have_gid = 0;
		note(wk->out, "line %u: cannot tell %s's options from its "
		    "address in \"%.60s %.60s\"", cmd->line, p->name,
		    host->text, port->text);
	}
	for (k = 1; k >= 0; k--) {
		if (!given[k])
			continue;
		if (unknown[k]) {
			if (k == 0)
				wk->out->have_uid = 0;
			else
				wk->out->have_gid = 0;
			note(wk->out, "line %u: %s %s", cmd->line, p->name,
			    why[k]);
		} else if (v[k] != 0 && k == 1) {
			/* prot_gid(): setgroups(1, &gid), setgid(gid) */
			wk->out->gid = (gid_t)v[k];
			wk->out->have_gid = 1;
			wk->out->ngroups = 0;
			wk->out->init_groups = 0;
		} else if (v[k] != 0) {
			wk->out->uid = (uid_t)v[k];
			wk->out->have_uid = 1;
		}
	}
	wk->server = p->name;
	return i + 2;
}

/* Issue 23: TLSCIPHERS as qmail-smtpd gets it. */
static void
tlsciphers_found(const struct envslot *e, struct launch_var *out)
{
	out->state = e->state == ENV_SET ? LAUNCH_VAR_SET :
	    e->state == ENV_UNKNOWN ? LAUNCH_VAR_UNKNOWN : LAUNCH_VAR_NOT_SET;
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

	wk->out->kind = LAUNCH_SMTPD;
	snprintf(wk->out->program, sizeof(wk->out->program), "qmail-smtpd");
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
		    (p = find_prog(name)) == NULL)
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
launch_follow(const struct rs_command *cmd, const char *service_dir,
    struct launch *out)
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
	env_init(&wk);
	for (k = 0; k < cmd->nwords; k++)
		if (strstr(cmd->words[k].text, "qmail-smtpd") != NULL)
			out->mentions_smtpd = 1;

	while (i < cmd->nwords) {
		w = &cmd->words[i];
		if ((name = prog_name(w)) == NULL) {
			out->kind = LAUNCH_UNKNOWN;
			note(out, "line %u: runs %.80s, which is only known by "
			    "running the script (%s)", cmd->line, w->text,
			    w->why ? w->why : "");
			return;
		}
		if ((p = find_prog(name)) == NULL) {
			i = skip_unknown(&wk, i);
			continue;
		}
		switch (p->kind) {
		case P_WRAP:
			i = skip_opts(cmd, i, p->opts);
			break;
		case P_ENV:
			i = do_env(&wk, i);
			break;
		case P_ENVDIR:
			i = skip_opts(cmd, i, p->opts);
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
			out->kind = LAUNCH_SEND;
			snprintf(out->program, sizeof(out->program),
			    "qmail-start");
			return;
		case P_OPAQUE:
			out->kind = LAUNCH_UNKNOWN;
			note(out, "line %u: runs %.60s, which qmail-pem does "
			    "not follow", cmd->line, w->text);
			return;
		case P_INERT:
			return;
		}
	}
}
