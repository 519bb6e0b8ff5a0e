/*
 * msg.h: diagnostics.
 *
 * A module that fails records one message and an exit status (from
 * <sysexits.h>) with msg_fail() and returns -1; the command at the top prints
 * it once with msg_print_error() and exits with msg_status().  Nothing below
 * the command line calls exit().  Messages name the file and the fix and
 * never contain key material.  Every message goes out printable: bytes
 * outside printable ASCII (newlines, escapes) in what it echoes become '?'.
 */
#ifndef QP_MSG_H
#define QP_MSG_H

#include <stdarg.h>
#include <stdio.h>

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2 };

void msg_set_verbosity(enum msg_level level);
enum msg_level msg_verbosity(void);

/* Record the error: status is an EX_* code. Always returns -1. */
int msg_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As msg_fail(), and keep the OpenSSL error queue to print under it. */
int msg_fail_ssl(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *msg_error(void);	/* "" when no error was recorded */
int msg_status(void);		/* EX_SOFTWARE when none was recorded */
void msg_clear(void);

/*
 * Issue 22: an error recorded in a sandboxed child (src/base/sandbox.c)
 * crosses the pipe to the parent as it was.  msg_error_ssl() is the
 * OpenSSL reasons kept with the error ("" when none); msg_fail_carried()
 * records an error with its reasons as given (made printable again: it
 * comes from the child).  With issue 18's caller-owned errors these are
 * the status, text and ssl fields of the error value.  Returns -1.
 */
const char *msg_error_ssl(void);
int msg_fail_carried(int status, const char *text, const char *ssl);

/* Print the recorded error (and OpenSSL's reasons) on stderr. */
void msg_print_error(void);

/* Warnings go to stderr unless quiet; info to stdout unless quiet;
 * detail to stdout only when verbose. */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line "PREFIX MESSAGE\n" on fp, the message made printable: for
 * lines a command prints itself (usage errors, progress on stderr). */
void msg_say(FILE *fp, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void msg_vsay(FILE *fp, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Replace, in place, every byte that is not printable ASCII with '?'. */
char *msg_printable(char *text);

#endif
