/* text.h: small helpers for the text of messages and notes. */
#ifndef QP_TEXT_H
#define QP_TEXT_H

#include <stddef.h>
#include <time.h>

/* t as "YYYY-MM-DD HH:MM UTC" ("?" if it cannot be). */
void text_date(time_t t, char *buf, size_t size);
/* t as ISO 8601 in UTC, "YYYY-MM-DDTHH:MM:SSZ" ("?" if it cannot be);
 * returns buf. */
char *text_iso_time(time_t t, char *buf, size_t size);

/* Append to the string in buf (size bytes), cut at the end of buf. */
void text_append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
