/*
 * verify.h: qmail-pem verify, the monitoring check: the checks of check/
 * over the control directory (and, with --connect, the running server,
 * live/), reported as a Nagios line, JSON or a Prometheus textfile.
 */
#ifndef QP_OPS_VERIFY_H
#define QP_OPS_VERIFY_H

#include "check/report.h"
#include "ops/common.h"
#include "ops/verifylive.h"
#include "perms.h"
#include "site/policy.h"

struct verify_args {
	struct common_opts	 c;	/* -d, --owner, --*-group,
					 * --service-dir, --hostname,
					 * --output */
	const char		*server_user;	/* DEFAULT_SERVER_USER */
	const char		*client_user;	/* DEFAULT_CLIENT_USER */
	int			 warn_days;	/* DEFAULT_WARN_DAYS */
	int			 crit_days;	/* DEFAULT_CRIT_DAYS */
	enum report_format	 format;
	int			 verbose;	/* nagios: a line per check */
	struct live_cmd		 live;		/* --connect ... */
	int			 server_group_given;
	int			 server_user_given;
};

/* Check, report (stdout or --output), say any error on stderr; returns
 * the Nagios status (check/verify.h's CHECK_OK ... CHECK_UNKNOWN). */
int verify_run(struct verify_args *a);

/* Where one file verify checked is: its folder (DIR, or DIR/servercerts/
 * NAME for an SNI file; NULL when that folder cannot be used) and its
 * name there (servercert.pem, clientcert.pem). */
struct verify_place {
	const struct perms_dir	*dir;
	const char		*name;
};

/* What verify finds in the control directory, without a report: for
 * qmail-pem status, whose verdict is verify's.  s.files[i] (labelled
 * "servercerts/NAME/servercert.pem" for an SNI file) is at place[i]. */
struct verify_found {
	struct verify_summary	 s;		/* status set */
	struct verify_place	 place[2 + SNI_MAX + 1];
	struct perms_dir	 dir;		/* DIR, open */
	struct verify_files	*held;		/* the reports, the folders */
	char			 hostname[256];
	struct err		 no_host;
};

/* verify's checks of the files in a->c.dir (privileges cut to the read
 * test's), the same files as verify's with a->c.sni or without; -1 (err
 * set) when the directory cannot be opened safely.  Either way f is
 * freed with verify_found_free(). */
int verify_collect(struct verify_args *a, struct verify_found *f,
    struct err *err);
void verify_found_free(struct verify_found *f);

#endif
