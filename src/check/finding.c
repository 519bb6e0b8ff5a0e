/*
 * finding.c: the checks of a report (finding.h): adding, finding, the
 * worst status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "check/finding.h"

long
verify_days(const struct file_report *r)
{
	long days = (long)r->days_left;

	return (double)days > r->days_left ? days - 1 : days;
}

void
verify_set(struct check *c, const char *name, enum check_status status,
    const char *text)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->status = status;
	snprintf(c->message, sizeof(c->message), "%s", text);
}

void
verify_report_init(struct file_report *r)
{
	memset(r, 0, offsetof(struct file_report, checks));
}

void
verify_report_copy(struct file_report *dst, const struct file_report *src)
{
	memcpy(dst, src, offsetof(struct file_report, checks) +
	    src->n * sizeof(src->checks[0]));
}

static void add_v(struct file_report *, const char *, enum check_status,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
add_v(struct file_report *r, const char *name, enum check_status status,
    const char *fmt, va_list ap)
{
	struct check *c;

	if (r->n >= VERIFY_MAX_CHECKS)
		return;
	c = &r->checks[r->n++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->status = status;
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
}

void
verify_add(struct file_report *r, const char *name, enum check_status status,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_v(r, name, status, fmt, ap);
	va_end(ap);
}

void
verify_add_if(struct file_report *r, const char *name, int bad,
    enum check_status status, const char *ok, const char *fmt, ...)
{
	va_list ap;

	if (!bad) {
		verify_add(r, name, CHECK_OK, "%s", ok);
		return;
	}
	va_start(ap, fmt);
	add_v(r, name, status, fmt, ap);
	va_end(ap);
}

const struct check *
verify_find(const struct file_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return &r->checks[i];
	return NULL;
}

/* Nagios order, as monitoring-plugins' max_state_alt(): CRITICAL, then
 * WARNING, then UNKNOWN, then OK; SKIPPED and INFO count as OK. */
static int
rank(enum check_status s)
{
	switch (s) {
	case CHECK_CRITICAL:
		return 3;
	case CHECK_WARNING:
		return 2;
	case CHECK_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

enum check_status
verify_worst_status(enum check_status a, enum check_status b)
{
	if (rank(a) == 0 && rank(b) == 0)
		return CHECK_OK;
	return rank(a) >= rank(b) ? a : b;
}

enum check_status
verify_worst(const struct file_report *r)
{
	enum check_status worst = CHECK_OK;
	size_t i;

	for (i = 0; i < r->n; i++)
		worst = verify_worst_status(worst, r->checks[i].status);
	return worst;
}

const char *
verify_status_name(enum check_status s)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL",
	    "UNKNOWN", "SKIPPED", "INFO" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ?
	    names[s] : "UNKNOWN";
}
