/*
 * err.c: error values (err.h).
 *
 * Every message is made printable once, here: bytes outside printable
 * ASCII in what it echoes (arguments, paths, names from files) become '?',
 * so that a newline or an escape sequence can neither split a log or
 * Nagios line nor reach the terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>

#include "base/err.h"
#include "base/msg.h"

static void record(struct err *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
record(struct err *e, int status, const char *fmt, va_list ap)
{
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	msg_printable(e->text);
	e->status = status;
}

int
err_set(struct err *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->ssl[0] = '\0';
	ERR_clear_error();
	va_start(ap, fmt);
	record(e, status, fmt, ap);
	va_end(ap);
	return -1;
}

/* OpenSSL's own reason strings, joined on one line ("; "), never data. */
static int
collect_reason(const char *str, size_t len, void *arg)
{
	struct err *e = arg;
	size_t used = strlen(e->ssl);
	const char *reason;

	/* "error:0480006C:PEM routines::no start line:...": keep the text. */
	reason = memchr(str, ':', len);
	reason = reason ? reason + 1 : str;
	if (used > 0 && used + 2 < sizeof(e->ssl)) {
		strcat(e->ssl, "; ");
		used += 2;
	}
	snprintf(e->ssl + used, sizeof(e->ssl) - used, "%.*s",
	    (int)(len - (size_t)(reason - str)), reason);
	used = strlen(e->ssl);
	while (used > 0 && e->ssl[used - 1] == '\n')
		e->ssl[--used] = '\0';
	msg_printable(e->ssl);
	return 1;
}

int
err_set_ssl(struct err *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->ssl[0] = '\0';
	ERR_print_errors_cb(collect_reason, e);	/* and empties the queue */
	va_start(ap, fmt);
	record(e, status, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char old[sizeof(e->text)];
	size_t used;
	va_list ap;

	snprintf(old, sizeof(old), "%s", e->text);
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	msg_printable(e->text);
	used = strlen(e->text);
	snprintf(e->text + used, sizeof(e->text) - used, "%s", old);
	return -1;
}

int
err_suffix(struct err *e, const char *fmt, ...)
{
	size_t used = strlen(e->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->text + used, sizeof(e->text) - used, fmt, ap);
	va_end(ap);
	msg_printable(e->text + used);
	return -1;
}

void
err_clear(struct err *e)
{
	e->status = 0;
	e->text[0] = '\0';
	e->ssl[0] = '\0';
}

int
err_status(const struct err *e)
{
	return e->status != 0 ? e->status : EX_SOFTWARE;
}

int
err_print(const struct err *e)
{
	fprintf(stderr, "qmail-pem: %s\n",
	    e->text[0] ? e->text : "internal error");
	if (e->ssl[0] && msg_verbosity() >= MSG_VERBOSE)
		fprintf(stderr, "qmail-pem: (OpenSSL: %s)\n", e->ssl);
	return err_status(e);
}
