/*
 * wire.h: the bytes a sandboxed child hands its parent, written and read
 * back with bounds.
 *
 * A wire is a growing buffer with a cap.  Writers append numbers (fixed
 * width, little end first) and length-prefixed byte strings; readers take
 * them back in the same order.  The reader trusts nothing: every length
 * is checked against what is left, a string must fit its buffer and hold
 * no NUL, and the first failure sticks, so a caller may read a whole
 * record and check once with wire_end().  The buffer may hold key bytes:
 * it is wiped whenever it moves and when it is freed.  No OpenSSL, no
 * messages: a failure is a return value.
 */
#ifndef QP_WIRE_H
#define QP_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct wire {
	unsigned char	*data;
	size_t		 len;		/* bytes written */
	size_t		 size;		/* bytes allocated */
	size_t		 max;		/* len never grows past it */
	size_t		 pos;		/* next byte to read */
	int		 failed;	/* too long, out of memory, short read */
};

/* An empty wire that may grow to max bytes. */
void wire_init(struct wire *w, size_t max);
/* Wipe and free; the wire is empty again (same max). */
void wire_free(struct wire *w);

/* Append; -1 when the wire would pass its max or memory runs out. */
int wire_put(struct wire *w, const void *data, size_t len);
int wire_put_u32(struct wire *w, uint32_t v);
int wire_put_i64(struct wire *w, int64_t v);
int wire_put_bytes(struct wire *w, const void *data, size_t len);
int wire_put_str(struct wire *w, const char *s);

/* Take back, in the order written; -1 (and the wire failed) when the data
 * runs short or does not fit.  wire_get_bytes() points into the wire. */
int wire_get_u32(struct wire *w, uint32_t *v);
int wire_get_i64(struct wire *w, int64_t *v);
int wire_get_bytes(struct wire *w, const unsigned char **data,
    size_t *len);
/* A string into buf (NUL-terminated): -1 if it has a NUL or does not fit. */
int wire_get_str(struct wire *w, char *buf, size_t size);
/* A number that must be at most max. */
int wire_get_bounded(struct wire *w, uint32_t max, uint32_t *v);

/* 0 when everything was read and nothing failed, else -1. */
int wire_end(const struct wire *w);

#endif
