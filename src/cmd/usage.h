/* usage.h: small helpers for command-line parsing. */
#ifndef QP_USAGE_H
#define QP_USAGE_H

#include "base/err.h"

/* One line on stderr: the message in err, or (none recorded) the option
 * getopt(3) stopped at, and where to read about the command's options (the
 * name is taken from "usage: qmail-pem NAME ..."); returns EX_USAGE. */
int usage_error(const char *usage_text, const struct err *err);
/* The command's argv, for usage_error() to name a bad option. */
void usage_set_argv(int argc, char *argv[]);

/* A whole number in [min, max] for option opt, or -1 with a message. */
int usage_number(const char *arg, int min, int max, int *out,
    const char *opt, struct err *err);

/* --format text|json */
int usage_format(const char *arg, int *json, struct err *err);

#endif
