/*
 * rsid.h: the one command substitution the run-script reader answers:
 * `id [-u|-g] [-n] [USER]`, from the user database (base/userdb.h);
 * supervise and runsv run a script as root.
 */
#ifndef QP_RSID_H
#define QP_RSID_H

#include <stddef.h>

#include "runscript/rswbuf.h"

/* 0 with the answer in out; -1 when wv is not such a command (or has
 * unknown words); -2 when it is one that fails, why says so. */
int rs_eval_id(const struct wvec *wv, char *out, size_t size, char *why,
    size_t whysize);

#endif
