/*
 * tlsreport.h: the reports of tlsfiles.h while they are made: a growing
 * array of file_report, each owning its name, and lists of names (issue
 * 23).  A report is found again by its index: adding one may move the
 * array.
 */
#ifndef QP_TLSREPORT_H
#define QP_TLSREPORT_H

#include <stddef.h>

#include "check/verify.h"

#define TLSREPORT_NONE	((size_t)-1)

struct tlsreport_list {
	struct file_report	 *files;	/* files[i].file is set by
						 * tlsreport_finish() */
	char			**names;
	size_t			  n, cap;
	int			  failed;	/* memory ran out: nothing
						 * more is added */
};

/* A new report (secondary, no checks) named by fmt; TLSREPORT_NONE when
 * memory runs out (failed is then set). */
size_t tlsreport_add(struct tlsreport_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
struct file_report *tlsreport_at(struct tlsreport_list *l, size_t i);

/* Point every report's file at its name, once all are made. */
void tlsreport_finish(struct tlsreport_list *l);
void tlsreport_free(struct tlsreport_list *l);

/* Append a copy of name to v[0..*n); -1 when memory runs out. */
int tlsreport_push_name(char ***v, size_t *n, const char *name);
void tlsreport_free_names(char **v, size_t n);

#endif
