/*
 * startprog.c: the programs a run script chains in front of a server,
 * and how each takes its options (their getopt letters, copied from their
 * sources).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runscript/startprog.h"

#define ID_MAX	4294967294UL	/* (uid_t)-1 is not an id */

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

const struct prog *
prog_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (strcmp(progs[i].name, name) == 0)
			return &progs[i];
	return NULL;
}

/* The program name in w (after the last '/'), NULL if not known. */
const char *
prog_name(const struct rs_word *w)
{
	const char *slash = strrchr(w->text, '/');
	const char *base = slash ? slash + 1 : w->text;

	if (w->unknown && (size_t)(base - w->text) < w->known_from)
		return NULL;
	return *base != '\0' ? base : NULL;
}

int
prog_parse_id(const char *s, unsigned long *v)
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

int
prog_opt_next(struct optit *it, const char *opts, const char **arg,
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
size_t
prog_skip_opts(const struct rs_command *cmd, size_t i, const char *opts)
{
	struct optit it = { cmd, i + 1, 0 };
	const struct rs_word *argw;
	const char *arg;

	while (prog_opt_next(&it, opts, &arg, &argw) != 0)
		;
	return it.i;
}
