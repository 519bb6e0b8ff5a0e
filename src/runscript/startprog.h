/*
 * startprog.h: the programs a run script chains in front of a server
 * (daemontools, runit, s6, ucspi), what each does to the process, and an
 * option iterator over a command's words as getopt(3) would see them.
 */
#ifndef QP_STARTPROG_H
#define QP_STARTPROG_H

#include <stddef.h>

#include "runscript/rscommand.h"

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

/* The program called name, or NULL if it is not in the table. */
const struct prog *prog_find(const char *name);

/* The program name in w (after the last '/'), NULL if not known. */
const char *prog_name(const struct rs_word *w);

/* A decimal uid or gid; -1 if s is not one. */
int prog_parse_id(const char *s, unsigned long *v);

/* An option iterator over cmd->words, as getopt(3) would see them. */
struct optit {
	const struct rs_command	*cmd;
	size_t			 i;	/* word */
	size_t			 ci;	/* letter in it; 0: at a new word */
};

/* The next option letter, with its argument (and the word it is in);
 * 0 after the last option. */
int prog_opt_next(struct optit *it, const char *opts, const char **arg,
    const struct rs_word **argw);

/* Skip the options of the program at words[i]; the index after them. */
size_t prog_skip_opts(const struct rs_command *cmd, size_t i, const char *opts);

#endif
