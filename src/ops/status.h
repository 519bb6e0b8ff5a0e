/*
 * status.h: qmail-pem status, the screen an administrator reads first.
 *
 * For each key file (servercert.pem, clientcert.pem and each
 * servercerts/NAME/servercert.pem; with --sni NAME that one alone):
 * owner, group and mode; the key and the certificate (subject, issuer,
 * names, expiry); whether the files share a key; who
 * reads it (run scripts), the reader's program and what it can load,
 * whether the reader can read it today; a staged key; the backups; and
 * verify's verdict in one line.  Changes nothing.
 */
#ifndef QP_OPS_STATUS_H
#define QP_OPS_STATUS_H

#include "ops/common.h"

struct status_opts {
	struct common_opts	 c;	/* -d, --sni, --service-dir,
					 * --format */
};

/* Print the status (text or JSON); 0, or -1 (err set) when the control
 * directory cannot be opened safely. */
int status_run(struct status_opts *o, struct err *err);

#endif
