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

int cmd_csr(int argc, char *argv[]);

#endif
