/*
 * startenv.h: the variables that matter on the way from a run script to
 * qmail-smtpd, for startchain.c.
 */
#ifndef QP_STARTENV_H
#define QP_STARTENV_H

#include <stddef.h>

#include "runscript/rscommand.h"

enum env_state { ENV_INHERITED, ENV_UNSET, ENV_SET, ENV_UNKNOWN };
enum { E_UID, E_GID, E_CERTFILE, E_KEYFILE, E_TLSCIPHERS, NENV };
extern const char *const env_names[NENV];	/* "UID", ... */

struct envslot {
	enum env_state	state;
	char		value[1024];
	char		why[200];
};

/* What cmd's environment says of each (the script's exports). */
void env_init(struct envslot *env, const struct rs_command *cmd);
/* The slot of NAME (name[0..n)), or NULL when it does not matter. */
struct envslot *env_slot(struct envslot *env, const char *name, size_t n);
void env_set(struct envslot *e, const char *value);
void env_unknown(struct envslot *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* envdir DIR (the word w; relative to service_dir): each variable read
 * from its file.  -1 with why ("envdir X is not known") when the
 * directory is not known or cannot be read. */
int env_read_dir(struct envslot *env, const struct rs_word *w,
    const char *service_dir, char *why, size_t size);

/* env [-i] [-u NAME] [NAME=value]... at cmd->words[i]; the index of the
 * program it runs. */
size_t env_command(struct envslot *env, const struct rs_command *cmd,
    size_t i);

#endif
