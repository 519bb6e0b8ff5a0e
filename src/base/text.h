/* text.h: small helpers for the text of messages and notes. */
#ifndef QP_TEXT_H
#define QP_TEXT_H

#include <stddef.h>

/* Append to the string in buf (size bytes), cut at the end of buf. */
void text_append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
