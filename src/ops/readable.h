/*
 * readable.h: qmail-pem readers: who reads servercert.pem and
 * clientcert.pem (site/readers.h), and whether they can read them today.
 */
#ifndef QP_READABLE_H
#define QP_READABLE_H

#include "base/err.h"
#include "ops/common.h"

/* The exit statuses of the command (the others are errors). */
enum {
	READERS_OK = 0,		/* every reader can read its file */
	READERS_CANNOT = 1,	/* some reader cannot */
	READERS_UNSURE = 2	/* for some reader qmail-pem cannot tell */
};

struct readable_opts {
	struct common_opts	c;	/* -d, --service-dir, --format */
};

/* Print the readers (text or JSON) of the model of o->c.dir (the run
 * scripts in o->c.services, none: policy.h's), each fix a complete
 * command; READERS_*, or -1 (err set). */
int readable_run(struct readable_opts *o, struct err *err);

#endif
