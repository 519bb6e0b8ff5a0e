/*
 * verifylive.h: qmail-pem verify --connect: servercert.pem as the server
 * should present it, handed to live/livecheck.c.
 *
 * With -d the presented certificate is compared with servercert.pem in
 * that directory; without -d only the server is checked, so that the
 * check can run on a monitoring host that has no control directory.
 */
#ifndef QP_VERIFYLIVE_H
#define QP_VERIFYLIVE_H

#include <time.h>

#include "base/err.h"
#include "check/verify.h"
#include "live/smtptarget.h"
#include "perms.h"

struct live_cmd {
	const char		*connect;	/* --connect; NULL: no live check */
	int			 implicit_tls;	/* --tls */
	int			 starttls;	/* --starttls smtp given */
	int			 timeout;	/* --timeout, seconds per step
						 * (DEFAULT_LIVE_TIMEOUT) */
	int			 timeout_given;
	const char		*helo;		/* --helo */
	int			 dir_given;	/* -d: compare with the files */
	struct smtp_target	 target;	/* from --connect */
	char			 helo_buf[256];
};

/*
 * Probe the server into r; with dir, compare with servercert.pem there.
 * Returns -1 only on an internal error (message recorded).
 */
int verify_live_run(const struct live_cmd *l, const struct perms_dir *dir,
    int warn_days, int crit_days, time_t now, struct file_report *r,
    struct err *err);

#endif
