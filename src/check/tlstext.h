/*
 * tlstext.h: the text of qmail's other TLS files that qmail compares with
 * names (issue 23): the lines of tlsclients and the host names of
 * tlshosts/HOST.pem.  Text in, named checks out; no OpenSSL, no files.
 *
 * tlsclients is read as control_readfile reads a control file: one entry
 * per line, trailing blanks removed, empty lines and lines starting with
 * '#' dropped; qmail-smtpd lets a client certificate relay when a whole
 * line equals its emailAddress (constmap, case-insensitive).
 * qmail-remote looks for tlshosts/HOST.pem with HOST the name of the MX
 * host as DNS gives it (none for an smtproutes entry that is an address).
 */
#ifndef QP_TLSTEXT_H
#define QP_TLSTEXT_H

#include <stddef.h>

#include "verify.h"

/* "addresses" of tlsclients. */
void tlstext_tlsclients(const char *data, size_t len, struct file_report *r);

/* "host-name": is HOST of tlshosts/HOST.pem a name qmail-remote can look
 * for? */
void tlstext_host_name(const char *host, struct file_report *r);

#endif
