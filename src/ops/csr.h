/*
 * csr.h: qmail-pem csr, a certificate signing request for this server.
 *
 * The request is made from the key in servercert.pem (which then never
 * leaves the server and stays in place), or with --new-key from a new key
 * kept as servercert.pem.pending-key (root:root 0600) until
 * `qmail-pem install --cert' finds it for the signed certificate.
 */
#ifndef QP_CSR_H
#define QP_CSR_H

#include "base/err.h"
#include "ops/common.h"

struct csr_opts {
	struct common_opts	 c;
	const char		*subject;	/* --subject DN */
};

/* Make the request, write the pending key (--new-key), then the request
 * (stdout or --output); say what was done. */
int csr_run(struct csr_opts *o, struct err *err);

#endif
