/*
 * msg.h: what qmail-pem says besides its errors (err.h): warnings,
 * progress and detail, at the verbosity of -q and -v.
 *
 * Messages name the file and the fix and never contain key material.
 * Every message goes out printable: bytes outside printable ASCII
 * (newlines, escapes) in what it echoes become '?'.
 */
#ifndef QP_MSG_H
#define QP_MSG_H

#include <stdarg.h>
#include <stdio.h>

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2 };

void msg_set_verbosity(enum msg_level level);
enum msg_level msg_verbosity(void);

/* Warnings go to stderr unless quiet; info to stdout unless quiet;
 * detail to stdout only when verbose. */
#define msg_warn(...)	msg_warning(__VA_ARGS__)
#define msg_info(...)	msg_at(MSG_NORMAL, stdout, "", __VA_ARGS__)
#define msg_detail(...)	msg_at(MSG_VERBOSE, stdout, "", __VA_ARGS__)

/* msg_say() when the verbosity is at least least; before a line on
 * stderr what is waiting on stdout goes out. */
void msg_at(enum msg_level least, FILE *fp, const char *prefix,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A warning: on stderr unless quiet, and kept (also when quiet) for the
 * JSON output's "warnings" list. */
void msg_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The warnings said so far, printable, oldest first (at most
 * MSG_MAX_WARNINGS). */
#define MSG_MAX_WARNINGS	16
size_t msg_warnings(const char *list[MSG_MAX_WARNINGS]);

/* One line "PREFIX MESSAGE\n" on fp, the message made printable: for
 * lines a command prints itself (usage errors, progress on stderr). */
void msg_say(FILE *fp, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void msg_vsay(FILE *fp, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Replace, in place, every byte that is not printable ASCII with '?'. */
char *msg_printable(char *text);

#endif
