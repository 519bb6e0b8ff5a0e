/*
 * verify_live.h: the --connect options of qmail-pem verify and the glue
 * between verify_cmd.c and livecheck.c.
 *
 * With -d the presented certificate is compared with servercert.pem in
 * that directory; without -d only the server is checked, so that the
 * check can run on a monitoring host that has no control directory.
 */
#ifndef QP_VERIFY_LIVE_H
#define QP_VERIFY_LIVE_H

#include <time.h>

#include "base/err.h"
#include "check/verify.h"
#include "live/smtpprobe.h"
#include "perms.h"

/* getopt_long values of verify's live options. */
enum {
	LIVE_OPT_CONNECT = 512, LIVE_OPT_STARTTLS, LIVE_OPT_TLS,
	LIVE_OPT_TIMEOUT, LIVE_OPT_HELO
};

struct live_cmd {
	const char		*connect;	/* --connect; NULL: no live check */
	int			 implicit_tls;	/* --tls */
	int			 starttls;	/* --starttls smtp given */
	int			 timeout;	/* --timeout,
	    seconds per step */
	int			 timeout_given;
	const char		*helo;		/* --helo */
	int			 dir_given;	/* -d: compare with the files */
	struct smtp_target	 target;	/* from --connect */
	char			 helo_buf[256];
};

/* Defaults. */
void verify_live_init(struct live_cmd *l);

/* One of the LIVE_OPT_* options; -1 with a message (EX_USAGE). */
int verify_live_option(struct live_cmd *l, int opt, const char *arg,
    struct err *err);

/* After all options: check they fit together, parse the target. */
int verify_live_finish(struct live_cmd *l, struct err *err);

/*
 * Probe the server into r; with dir, compare with servercert.pem there.
 * Returns -1 only on an internal error (message recorded).
 */
int verify_live_run(const struct live_cmd *l, const struct perms_dir *dir,
    int warn_days, int crit_days, time_t now, struct file_report *r,
    struct err *err);

#endif
