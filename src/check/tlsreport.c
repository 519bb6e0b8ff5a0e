/* tlsreport.c: reports and names as they are made (see tlsreport.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "check/tlsreport.h"

size_t
tlsreport_add(struct tlsreport_list *l, const char *fmt, ...)
{
	struct file_report *files;
	char name[PATH_MAX + 32], **names;
	size_t cap = l->cap;
	va_list ap;

	if (l->failed)
		return TLSREPORT_NONE;
	/* both arrays grow to the same room, names first */
	if ((names = grow(l->names, &cap, l->n, sizeof(*names), 16)) == NULL)
		goto nomem;
	l->names = names;
	cap = l->cap;
	if ((files = grow(l->files, &cap, l->n, sizeof(*files), 16)) == NULL)
		goto nomem;
	l->files = files;
	l->cap = cap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if ((l->names[l->n] = strdup(name)) == NULL)
		goto nomem;
	verify_report_init(&l->files[l->n]);
	l->files[l->n].secondary = 1;
	return l->n++;
nomem:
	l->failed = 1;
	return TLSREPORT_NONE;
}

struct file_report *
tlsreport_at(struct tlsreport_list *l, size_t i)
{
	return &l->files[i];
}

void
tlsreport_finish(struct tlsreport_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		l->files[i].file = l->names[i];
}

void
tlsreport_free(struct tlsreport_list *l)
{
	tlsreport_free_names(l->names, l->n);
	free(l->files);
	memset(l, 0, sizeof(*l));
}

int
tlsreport_push_name(char ***v, size_t *n, const char *name)
{
	char **bigger, *copy;

	if ((copy = strdup(name)) == NULL ||
	    (bigger = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
		free(copy);
		return -1;
	}
	*v = bigger;
	(*v)[(*n)++] = copy;
	return 0;
}

void
tlsreport_free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}
