/*
 * tlstext.h: the text of qmail's other TLS files that qmail compares with
 * names (issue 23): the lines of tlsclients and the host names of
 * tlshosts/HOST.pem, and the lines of a control file as qmail reads them
 * (for ciphers.c too).  Text in, named checks out; no OpenSSL, no files.
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

#include "check/verify.h"

/*
 * The lines of a control file as qmail's control_readfile keeps them:
 * trailing blanks (' ', '\t') removed, empty lines and lines that start
 * with '#' dropped.  Start with { data, len } and the rest zero.
 */
struct tlstext_lines {
	const char	*data;
	size_t		 len;
	size_t		 pos;		/* where the next line starts */
	size_t		 lineno;	/* of the line returned, from 1,
					 * dropped lines counted */
};

/* The next line kept: 1 with [*line, *line + *n), 0 at the end. */
int tlstext_next_line(struct tlstext_lines *it, const char **line,
    size_t *n);

/* "addresses" of tlsclients. */
void tlstext_tlsclients(const char *data, size_t len, struct file_report *r);

/* "host-name": is HOST of tlshosts/HOST.pem a name qmail-remote can look
 * for? */
void tlstext_host_name(const char *host, struct file_report *r);

#endif
