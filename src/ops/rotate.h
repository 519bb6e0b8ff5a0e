/*
 * rotate.h: qmail-pem rotate.
 *
 * Replaces servercert.pem and clientcert.pem, as install left them, with
 * new self-signed certificates (and, by default, new keys) in one plan;
 * --stage writes NAME.next instead, for a DANE rollover, and --commit
 * (commit.h) moves them into place.  Every new file is checked with
 * verify's content checks before anything is replaced.
 */
#ifndef QP_ROTATE_H
#define QP_ROTATE_H

#include "base/err.h"
#include "ops/common.h"

struct rotate_opts {
	struct common_opts	 c;
	int			 expires_within;	/* days; -1: always */
	int			 keep_key;
	int			 keep;		/* backups per file */
	int			 stage;
	int			 commit;
};

/* Rotate (or stage, or commit), print the result, run the post-hook. */
int rotate_run(struct rotate_opts *o, struct err *err);

#endif
