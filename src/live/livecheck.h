/*
 * livecheck.h: qmail-pem verify --connect: what a running server really
 * offers and presents, as checks of a pseudo-file named after the server
 * ("smtp:mail.example.com:25"), in the same reports as the files.
 *
 * Check names, in report order (with --tls the TLS checks come first and
 * there is no auth-before-tls or starttls-offered):
 *   connect, banner, ehlo, auth-before-tls, starttls-offered,
 *   tls-handshake, tls-version, live-cert-expiry, live-cert-matches,
 *   live-chain-order, live-chain-complete, ehlo-tls, auth-after-tls.
 * live-cert-matches and live-chain-complete need servercert.pem's
 * certificates; without a control directory they are left out.  A check
 * the dialogue did not reach is SKIPPED, so every run of the same command
 * reports the same names.
 */
#ifndef QP_LIVECHECK_H
#define QP_LIVECHECK_H

#include <time.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "check/verify.h"
#include "live/smtpdialog.h"

struct live_opts {
	const struct smtp_target *target;
	int			 timeout;	/* seconds per step */
	const char		*helo;		/* EHLO name */
	int			 warn_days, crit_days;
	time_t			 now;		/* 0: time(NULL) */
	/*
	 * servercert.pem's certificates in file order, which is what the
	 * server sends once it loads the file; NULL: the server only, or,
	 * with expect_why set, the file could not be read (the file checks
	 * are then SKIPPED with that reason).
	 */
	const STACK_OF(X509)	*expect;
	const char		*expect_name;	/* "servercert.pem" */
	const char		*expect_why;
};

/*
 * Run the dialogue and append the checks to r, whose file becomes the
 * target's label.  Returns -1 only on an internal error (message
 * recorded); an unreachable or misbehaving server is a check result.
 */
int livecheck_run(const struct live_opts *o, struct file_report *r,
    struct err *err);

/* The checks of a finished probe (livecheck_run's second half). */
void livecheck_judge(const struct live_opts *o, const struct smtp_dialog *p,
    struct file_report *r);

#endif
