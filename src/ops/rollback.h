/*
 * rollback.h: qmail-pem rollback, the way back from a rotation: the newest
 * backups of servercert.pem and clientcert.pem put back, both at once.
 */
#ifndef QP_ROLLBACK_H
#define QP_ROLLBACK_H

#include "base/err.h"
#include "ops/common.h"

struct rollback_opts {
	struct common_opts	c;	/* -d, --owner, --*-group,
					 * --service-dir ... */
	int			allow_tlsa_change;
};

/* Restore (unless --dry-run), print what was done, run the post-hook. */
int rollback_run(struct rollback_opts *o, struct err *err);

#endif
