/* text.c: small helpers for the text of messages and notes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/text.h"

void
text_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* t in UTC, as ISO 8601 or as text_date has it, or "?". */
static char *
utc_time(time_t t, int iso, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, iso ?
	    "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

void
text_date(time_t t, char *buf, size_t size)
{
	utc_time(t, 0, buf, size);
}

char *
text_iso_time(time_t t, char *buf, size_t size)
{
	return utc_time(t, 1, buf, size);
}
