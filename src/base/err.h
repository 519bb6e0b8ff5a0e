/*
 * err.h: errors as values.
 *
 * A function that can fail takes a `struct err *err' as its last
 * parameter (a printf-like one: just before the format); on failure it
 * records one message and an exit status (from <sysexits.h>) with
 * err_set() and returns -1 (or NULL).  The caller owns
 * the struct: a command declares one, passes it down, prints it once with
 * err_print() and exits with the status that returns.  A caller that tries
 * something and carries on when it fails uses a local struct err of its
 * own, so nothing is saved and restored around calls.  Nothing below the
 * command line calls exit().  Messages name the file and the fix and never
 * contain key material; whatever is not printable ASCII in them (a newline
 * or an escape from an argument) becomes '?'.
 */
#ifndef QP_ERR_H
#define QP_ERR_H

struct err {
	int	status;		/* EX_*; 0: nothing recorded */
	char	text[1024];	/* printable ASCII */
	char	ssl[1024];	/* OpenSSL's reasons, shown with -v */
};

/* Record the error: status is an EX_* code.  Always returns -1. */
int err_set(struct err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As err_set(), and keep the OpenSSL error queue to print under it. */
int err_set_ssl(struct err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put text before or after the recorded message, keeping its status
 * ("--passin file:x: " + "cannot open x: ..."); always returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int err_suffix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forget what was recorded. */
void err_clear(struct err *e);

/* The exit status of a failure: the recorded one, EX_SOFTWARE if none
 * was recorded. */
int err_status(const struct err *e);

/* Print the message on stderr ("qmail-pem: ...", "internal error" when
 * none was recorded), and OpenSSL's reasons when verbose; returns
 * err_status(). */
int err_print(const struct err *e);

#endif
