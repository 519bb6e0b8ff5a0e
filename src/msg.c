/*
 * msg.c: one recorded error, warnings and progress lines.
 *
 * Messages echo what they were given: arguments, paths, names from files.
 * Whatever is not printable ASCII becomes '?' here, once for every
 * message, so that a newline or an escape sequence in an argument can
 * neither split a log or Nagios line nor reach the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>

#include "msg.h"

static enum msg_level verbosity = MSG_NORMAL;
static char error_text[1024];
static char ssl_reasons[1024];
static int error_status = EX_SOFTWARE;

void
msg_set_verbosity(enum msg_level level)
{
	verbosity = level;
}

enum msg_level
msg_verbosity(void)
{
	return verbosity;
}

char *
msg_printable(char *text)
{
	unsigned char *p;

	for (p = (unsigned char *)text; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return text;
}

static void record(int, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
record(int status, const char *fmt, va_list ap)
{
	vsnprintf(error_text, sizeof(error_text), fmt, ap);
	msg_printable(error_text);
	error_status = status;
	ssl_reasons[0] = '\0';
}

int
msg_fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(status, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return -1;
}

/* OpenSSL's own reason strings, joined on one line ("; "), never data. */
static int
collect_reason(const char *str, size_t len, void *arg)
{
	size_t used = strlen(ssl_reasons);
	const char *reason;
	(void)arg;

	/* "error:0480006C:PEM routines::no start line:...": keep the text. */
	reason = memchr(str, ':', len);
	reason = reason ? reason + 1 : str;
	if (used > 0 && used + 2 < sizeof(ssl_reasons)) {
		strcat(ssl_reasons, "; ");
		used += 2;
	}
	snprintf(ssl_reasons + used, sizeof(ssl_reasons) - used, "%.*s",
	    (int)(len - (size_t)(reason - str)), reason);
	used = strlen(ssl_reasons);
	while (used > 0 && ssl_reasons[used - 1] == '\n')
		ssl_reasons[--used] = '\0';
	msg_printable(ssl_reasons);
	return 1;
}

int
msg_fail_ssl(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(status, fmt, ap);
	va_end(ap);
	ERR_print_errors_cb(collect_reason, NULL);
	return -1;
}

const char *
msg_error(void)
{
	return error_text;
}

int
msg_status(void)
{
	return error_status;
}

void
msg_clear(void)
{
	error_text[0] = '\0';
	ssl_reasons[0] = '\0';
	error_status = EX_SOFTWARE;
}

/* Issue 22: see msg.h. */
const char *
msg_error_ssl(void)
{
	return ssl_reasons;
}

int
msg_fail_carried(int status, const char *text, const char *ssl)
{
	snprintf(error_text, sizeof(error_text), "%s", text);
	msg_printable(error_text);
	snprintf(ssl_reasons, sizeof(ssl_reasons), "%s", ssl);
	msg_printable(ssl_reasons);
	error_status = status;
	ERR_clear_error();
	return -1;
}

void
msg_print_error(void)
{
	fprintf(stderr, "qmail-pem: %s\n",
	    error_text[0] ? error_text : "internal error");
	if (ssl_reasons[0] && verbosity >= MSG_VERBOSE)
		fprintf(stderr, "qmail-pem: (OpenSSL: %s)\n", ssl_reasons);
}

void
msg_vsay(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) == -1) {
		fprintf(fp, "%s(out of memory)\n", prefix);
		return;
	}
	fprintf(fp, "%s%s\n", prefix, msg_printable(text));
	free(text);
}

void
msg_say(FILE *fp, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vsay(fp, prefix, fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	if (verbosity == MSG_QUIET)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	msg_vsay(stderr, "qmail-pem: warning: ", fmt, ap);
	va_end(ap);
}

void
msg_info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity == MSG_QUIET)
		return;
	va_start(ap, fmt);
	msg_vsay(stdout, "", fmt, ap);
	va_end(ap);
}

void
msg_detail(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < MSG_VERBOSE)
		return;
	va_start(ap, fmt);
	msg_vsay(stdout, "", fmt, ap);
	va_end(ap);
}
