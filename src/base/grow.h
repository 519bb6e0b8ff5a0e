/* grow.h: room for one more element of an array that grows as needed. */
#ifndef QP_GROW_H
#define QP_GROW_H

#include <stddef.h>

/*
 * The array v (n elements of size bytes in use, room for *cap) with room
 * for one more: v itself when it has room, or v moved to a larger block
 * (room doubled, first when v is empty) and *cap raised.  NULL when
 * memory runs out; v is then as it was, and still the caller's.
 */
void *grow(void *v, size_t *cap, size_t n, size_t size, size_t first);

#endif
