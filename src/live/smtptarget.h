/*
 * smtptarget.h: the server verify --connect talks to (HOST[:PORT]), and
 * the name it gives with EHLO.
 */
#ifndef QP_SMTPTARGET_H
#define QP_SMTPTARGET_H

#include <stddef.h>

#include "base/err.h"

struct smtp_target {
	char	host[256];	/* name or address, without brackets */
	char	port[8];
	int	implicit_tls;	/* SMTPS: TLS from the first byte */
	char	label[300];	/* "smtp:HOST:PORT", "smtps:[::1]:465" */
};

/*
 * Parse HOST, HOST:PORT, [IPV6]:PORT, [IPV6] or a bare IPv6 address; the
 * port defaults to 25, or 465 with implicit TLS.  -1 with a message
 * (EX_USAGE) for anything else.
 */
int smtptarget_parse(const char *arg, int implicit_tls,
    struct smtp_target *t, struct err *err);

/* Is name usable after EHLO (a host name or an address literal)?  -1
 * with a message (EX_USAGE) if not. */
int smtptarget_check_helo(const char *name, struct err *err);

/* The EHLO name to use when none is given: this host's name when it is a
 * valid DNS name, else "qmail-pem.invalid". */
void smtptarget_default_helo(char *buf, size_t size);

/* Is host an IPv4 or IPv6 address (not a name: no SNI for it)? */
int smtptarget_is_ip(const char *host);

#endif
