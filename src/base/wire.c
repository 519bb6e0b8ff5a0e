/* wire.c: bounded bytes between a sandboxed child and its parent. */
#include <stdlib.h>
#include <string.h>

#include "base/wire.h"

void
wire_init(struct wire *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
}

void
wire_free(struct wire *w)
{
	size_t max = w->max;

	if (w->data != NULL) {
		explicit_bzero(w->data, w->size);
		free(w->data);
	}
	wire_init(w, max);
}

/* Room for more bytes; never realloc(), which would leave a copy of key
 * bytes behind unwiped. */
static int
grow(struct wire *w, size_t more)
{
	unsigned char *bigger;
	size_t want;

	if (w->failed || more > w->max - w->len) {
		w->failed = 1;
		return -1;
	}
	if (w->len + more <= w->size)
		return 0;
	want = w->size ? w->size : 4096;
	while (want < w->len + more)
		want = want > w->max / 2 ? w->max : want * 2;
	if ((bigger = malloc(want)) == NULL) {
		w->failed = 1;
		return -1;
	}
	if (w->data != NULL) {
		memcpy(bigger, w->data, w->len);
		explicit_bzero(w->data, w->size);
		free(w->data);
	}
	w->data = bigger;
	w->size = want;
	return 0;
}

int
wire_put(struct wire *w, const void *data, size_t len)
{
	if (grow(w, len) == -1)
		return -1;
	if (len > 0)
		memcpy(w->data + w->len, data, len);
	w->len += len;
	return 0;
}

int
wire_put_u32(struct wire *w, uint32_t v)
{
	unsigned char b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return wire_put(w, b, sizeof(b));
}

int
wire_put_i64(struct wire *w, int64_t v)
{
	uint64_t u = (uint64_t)v;

	if (wire_put_u32(w, (uint32_t)u) == -1)
		return -1;
	return wire_put_u32(w, (uint32_t)(u >> 32));
}

int
wire_put_bytes(struct wire *w, const void *data, size_t len)
{
	if (len > UINT32_MAX) {
		w->failed = 1;
		return -1;
	}
	if (wire_put_u32(w, (uint32_t)len) == -1)
		return -1;
	return wire_put(w, data, len);
}

int
wire_put_str(struct wire *w, const char *s)
{
	return wire_put_bytes(w, s, strlen(s));
}

static int
take(struct wire *w, size_t len, const unsigned char **p)
{
	if (w->failed || len > w->len - w->pos) {
		w->failed = 1;
		return -1;
	}
	*p = w->data + w->pos;
	w->pos += len;
	return 0;
}

int
wire_get_u32(struct wire *w, uint32_t *v)
{
	const unsigned char *p;

	*v = 0;
	if (take(w, 4, &p) == -1)
		return -1;
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	return 0;
}

int
wire_get_i64(struct wire *w, int64_t *v)
{
	uint32_t lo, hi;

	*v = 0;
	if (wire_get_u32(w, &lo) == -1 || wire_get_u32(w, &hi) == -1)
		return -1;
	*v = (int64_t)((uint64_t)hi << 32 | lo);
	return 0;
}

int
wire_get_bytes(struct wire *w, const unsigned char **data, size_t *len)
{
	uint32_t n;

	*data = NULL;
	*len = 0;
	if (wire_get_u32(w, &n) == -1 || take(w, n, data) == -1)
		return -1;
	*len = n;
	return 0;
}

int
wire_get_str(struct wire *w, char *buf, size_t size)
{
	const unsigned char *p;
	size_t n;

	buf[0] = '\0';
	if (wire_get_bytes(w, &p, &n) == -1)
		return -1;
	if (n >= size || (n > 0 && memchr(p, '\0', n) != NULL)) {
		w->failed = 1;
		return -1;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

int
wire_get_bounded(struct wire *w, uint32_t max, uint32_t *v)
{
	if (wire_get_u32(w, v) == -1)
		return -1;
	if (*v > max) {
		*v = 0;
		w->failed = 1;
		return -1;
	}
	return 0;
}

int
wire_end(const struct wire *w)
{
	return w->failed || w->pos != w->len ? -1 : 0;
}
