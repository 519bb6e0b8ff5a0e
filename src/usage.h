/* usage.h: small helpers for command-line parsing. */
#ifndef QP_USAGE_H
#define QP_USAGE_H

/* Print the recorded message (if any) and the usage text on stderr;
 * returns EX_USAGE. */
int usage_error(const char *usage_text);

/* A whole number in [min, max] for option opt, or -1 with a message. */
int usage_number(const char *arg, int min, int max, int *out,
    const char *opt);

/* --format text|json */
int usage_format(const char *arg, int *json);

#endif
