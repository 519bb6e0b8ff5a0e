/*
 * verify.h: the checks of qmail-pem verify, shared with rotate (which
 * verifies every new file before it replaces the old one).
 *
 * Each check has a stable name (e.g. "exists", "regular-file",
 * "link-count", "owner", "group", "mode", "parses", "key-matches",
 * "expiry", ...), used in every output format.
 */
#ifndef QP_VERIFY_H
#define QP_VERIFY_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/x509.h>

#include "base/err.h"
#include "perms.h"
#include "site/readerbin.h"

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

/* What verify found out about one file, for the reports. */
struct file_report {
	const char	*file;		/* "servercert.pem" */
	struct check	 checks[VERIFY_MAX_CHECKS];
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
};

struct verify_opts {
	const char		*hostname;	/* NULL: skip the host check */
	int			 warn_days;	/* default 30 */
	int			 crit_days;	/* default 7 */
	struct perms_target	 expect;	/* owner, group, mode 0640 */
	int			 usage;		/* USAGE_SERVER or USAGE_CLIENT */
	time_t			 now;		/* 0: time(NULL) */
	const char		*no_hostname_why; /* hostname NULL: why */
	/* What the file's readers load (rsa-key, chain-sent); NULL: not
	 * known (rotate checking its new bytes). */
	const struct readerbin_file *loads;
	const char		*dir;		/* for hints; NULL: the default */
	const char		*install;	/* the hints' "qmail-pem install
						 * -d DIR ...", complete
						 * (model_command); NULL: plain */
};

/*
 * The content checks of one file's bytes (parses, key-matches, expiry,
 * strength, rsa-key, leaf-ca, eku, hostname ...); appends to r.  Used by
 * verify on the files on disk and by rotate on the bytes it is about to
 * write.  Returns -1 only on an internal error (message recorded).
 */
int verify_content(const char *data, size_t len, const struct verify_opts *o,
    struct file_report *r, struct err *err);

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
/* The check of r named name, or NULL when r has none. */
const struct check *verify_find(const struct file_report *r,
    const char *name);
/* Append every content check from the one named `from' (NULL: all) as
 * SKIPPED with the reason why. */
void verify_skip_content(struct file_report *r, const char *from,
    const char *why);
/* Fill the certificate fields of r (have_cert, dates, days_left,
 * subject, issuer, serial, key, SANs, fingerprints) from leaf. */
void verify_describe_cert(X509 *leaf, time_t now, struct file_report *r);
/* Whole days left before not_after, rounded down (negative: expired). */
long verify_days(const struct file_report *r);

#endif
