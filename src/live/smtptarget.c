/* smtptarget.c: --connect's HOST[:PORT] and the EHLO name. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "live/smtptarget.h"
#include "x509gen.h"

int
smtptarget_is_ip(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
}

static int
valid_port(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535;
}

int
smtptarget_parse(const char *arg, int implicit_tls,
    struct smtp_target *t, struct err *err)
{
	const char *port = NULL, *close, *colon;
	unsigned char addr[16];
	size_t hostlen;

	memset(t, 0, sizeof(*t));
	t->implicit_tls = implicit_tls;
	if (arg[0] == '[') {
		if ((close = strchr(arg, ']')) == NULL ||
		    (close[1] != '\0' && close[1] != ':'))
			goto bad;
		hostlen = (size_t)(close - arg - 1);
		if (close[1] == ':')
			port = close + 2;
		if (hostlen >= sizeof(t->host))
			goto bad;
		memcpy(t->host, arg + 1, hostlen);
		if (inet_pton(AF_INET6, t->host, addr) != 1)
			goto bad;
	} else if ((colon = strchr(arg, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		/* A bare IPv6 address: no port can follow it. */
		if (strlen(arg) >= sizeof(t->host) ||
		    inet_pton(AF_INET6, arg, addr) != 1)
			goto bad;
		snprintf(t->host, sizeof(t->host), "%s", arg);
	} else {
		hostlen = colon ? (size_t)(colon - arg) : strlen(arg);
		if (colon)
			port = colon + 1;
		if (hostlen == 0 || hostlen >= sizeof(t->host))
			goto bad;
		memcpy(t->host, arg, hostlen);
		if (!smtptarget_is_ip(t->host) &&
		    (!x509gen_valid_dns_name(t->host) ||
		    strchr(t->host, '*') != NULL))
			goto bad;
	}
	if (port != NULL && !valid_port(port))
		return err_set(err, EX_USAGE, "--connect %s: the port must be "
		    "a number from 1 to 65535", arg);
	snprintf(t->port, sizeof(t->port), "%s",
	    port ? port : implicit_tls ? "465" : "25");
	snprintf(t->label, sizeof(t->label), "%s:%s%s%s:%s",
	    implicit_tls ? "smtps" : "smtp", strchr(t->host, ':') ? "[" : "",
	    t->host, strchr(t->host, ':') ? "]" : "", t->port);
	return 0;
bad:
	return err_set(err, EX_USAGE, "--connect takes HOST, HOST:PORT or "
	    "[IPV6]:PORT, not '%s'", arg);
}

int
smtptarget_check_helo(const char *name, struct err *err)
{
	char addr[64];
	size_t len = strlen(name);

	if (x509gen_valid_dns_name(name) && strchr(name, '*') == NULL)
		return 0;
	/* An address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
	if (len > 2 && len < sizeof(addr) && name[0] == '[' &&
	    name[len - 1] == ']') {
		snprintf(addr, sizeof(addr), "%.*s", (int)(len - 2), name + 1);
		if (smtptarget_is_ip(addr) || (strncasecmp(addr, "IPv6:",
		    5) == 0 && smtptarget_is_ip(addr + 5) &&
		    strchr(addr + 5, ':')))
			return 0;
	}
	return err_set(err, EX_USAGE, "--helo takes a host name or an address "
	    "literal such as [192.0.2.1], not '%s'", name);
}

void
smtptarget_default_helo(char *buf, size_t size)
{
	struct err ignored = { 0 };
	char name[256];

	if (gethostname(name, sizeof(name)) == 0 &&
	    (name[sizeof(name) - 1] = '\0',
	    smtptarget_check_helo(name, &ignored) == 0)) {
		snprintf(buf, size, "%s", name);
		return;
	}
	snprintf(buf, size, "qmail-pem.invalid");
}

/* --- time and errors --------------------------------------------------- */
