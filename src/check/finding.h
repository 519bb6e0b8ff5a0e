/*
 * finding.h: what verify finds, for every report: named checks, each with
 * a status and a message, gathered per file in a struct file_report.
 *
 * Each check has a stable name (e.g. "exists", "regular-file",
 * "link-count", "owner", "group", "mode", "parses", "key-matches",
 * "expiry", ...), used in every output format.
 */
#ifndef QP_FINDING_H
#define QP_FINDING_H

#include <stddef.h>
#include <time.h>

enum check_status {
	CHECK_OK = 0, CHECK_WARNING = 1, CHECK_CRITICAL = 2, CHECK_UNKNOWN = 3,
	CHECK_SKIPPED = 4, CHECK_INFO = 5
};

#define VERIFY_MAX_CHECKS 48

struct check {
	char			name[48];
	enum check_status	status;
	char			message[512];
};

/* What verify found out about one file, for the reports.  The checks
 * come last: only checks[0..n) are ever set or read, so a report is
 * started and copied with the functions below, which leave the rest of
 * its 29 KB untouched (a page touched is a page fault; issue 26). */
struct file_report {
	const char	*file;		/* "servercert.pem" */
	size_t		 n;
	int		 have_cert;	/* the fields below are set */
	time_t		 not_before, not_after;
	double		 days_left;
	char		 subject[256], issuer[256], serial[80];
	char		 key_type[32];
	int		 key_bits;
	char		 sans[1024];	/* comma separated */
	char		 cert_sha256[65], pubkey_sha256[65];
	/* Issue 23: one of qmail's other TLS files (check/tlsfiles.h): in
	 * the Nagios status line only when not OK, and no perfdata. */
	int		 secondary;
	struct check	 checks[VERIFY_MAX_CHECKS];
};

/* An empty report (as if zeroed). */
void verify_report_init(struct file_report *r);
/* *dst = *src, as far as it is set. */
void verify_report_copy(struct file_report *dst,
    const struct file_report *src);

/* The worst status of a report (OK, WARNING, CRITICAL, UNKNOWN), in the
 * order CRITICAL, WARNING, UNKNOWN, OK; SKIPPED and INFO count as OK. */
enum check_status verify_worst(const struct file_report *r);
/* The worse of two statuses, in the same order. */
enum check_status verify_worst_status(enum check_status a,
    enum check_status b);
/* "OK", "WARNING", "CRITICAL", "UNKNOWN", "SKIPPED", "INFO" */
const char *verify_status_name(enum check_status s);

/* Set one check (kept apart from a report until its turn comes). */
void verify_set(struct check *c, const char *name, enum check_status status,
    const char *text);

/* Append a check to r (ignored when r is full). */
void verify_add(struct file_report *r, const char *name,
    enum check_status status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Append check name to r: with status and the message fmt when bad, else
 * OK with the message ok (the arguments are evaluated either way). */
void verify_add_if(struct file_report *r, const char *name, int bad,
    enum check_status status, const char *ok, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The check of r named name, or NULL when r has none. */
const struct check *verify_find(const struct file_report *r,
    const char *name);
/* Whole days left before not_after, rounded down (negative: expired). */
long verify_days(const struct file_report *r);

#endif
