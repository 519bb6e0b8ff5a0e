/* grow.c: arrays that grow as needed (grow.h). */
#include <stdlib.h>

#include "base/grow.h"

void *
grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t want;
	void *bigger;

	if (n < *cap)
		return v;
	want = *cap ? *cap * 2 : first;
	if ((bigger = reallocarray(v, want, size)) == NULL)
		return NULL;
	*cap = want;
	return bigger;
}
