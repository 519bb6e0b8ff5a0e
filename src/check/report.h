/*
 * report.h: what verify found, as a Nagios plugin line, JSON or a
 * Prometheus textfile.
 */
#ifndef QP_REPORT_H
#define QP_REPORT_H

#include <stddef.h>
#include <time.h>

#include "base/err.h"
#include "check/verify.h"

enum report_format { REPORT_NAGIOS, REPORT_JSON, REPORT_PROMETHEUS };

struct verify_summary {
	const char		*dir;
	const char		*hostname;	/* NULL: none known */
	const char		*error_hostname; /* why there is none */
	int			 warn_days, crit_days;
	time_t			 now;
	int			 verbose;	/* nagios: a line per check */
	const char		*error;		/* set: nothing could be checked */
	enum check_status	 status;	/* overall: report_overall() */
	const struct file_report *files;
	size_t			 nfiles;
};

/* The names of the formats (--format), in the order of enum
 * report_format. */
extern const char *const report_format_names[];

/* The overall status: the worst of the files, UNKNOWN with an error. */
enum check_status report_overall(const struct verify_summary *s);

/* The report as text; *out is malloc'ed and NUL-terminated. */
int report_render(const struct verify_summary *s, enum report_format format,
    char **out, size_t *len, struct err *err);

#endif
