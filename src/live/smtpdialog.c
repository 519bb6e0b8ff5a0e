/*
 * smtpdialog.c: the SMTP dialogue of a live check, with a deadline on every
 * step.
 *
 * The socket is non-blocking from the start and every wait is a poll(2)
 * bounded by the current step's deadline, for the plain text part and for
 * OpenSSL alike, so a silent server, one that trickles a byte at a time or
 * one that never ends a reply costs at most the timeout per step.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/err.h"
#include "live/smtpdialog.h"

#define QUIT_WAIT	2	/* seconds for the 221 to QUIT, at most */

/* One connection: the socket, TLS once started, and the input buffer. */
struct conn {
	int			 fd;
	SSL			*ssl;
	char			 buf[4096];
	size_t			 start, end;	/* unread bytes */
	struct timespec		 deadline;	/* of the current step */
	int			 timeout;
	const char		*awaiting;	/* "banner", for messages */
	struct smtp_dialog	*p;
};

static void
step_begin(struct conn *c, const char *awaiting, int seconds)
{
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += seconds;
	c->awaiting = awaiting;
}

static int
remaining_ms(const struct conn *c)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
	    (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

static int
fail(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record why the dialogue stopped (the first reason only); returns -1. */
static int
fail(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->p->error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->p->error, sizeof(c->p->error), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
fail_closed(struct conn *c)
{
	return fail(c, "the server closed the connection while qmail-pem "
	    "waited for %s", c->awaiting);
}

/* Wait until the socket is ready for events or the step's time is up. */
static int
wait_fd(struct conn *c, short events)
{
	struct pollfd pfd;
	int n, ms;

	pfd.fd = c->fd;
	pfd.events = events;
	for (;;) {
		ms = remaining_ms(c);
		if (ms == 0) {
			c->p->timed_out = 1;
			return fail(c, "no %s within %d s", c->awaiting,
			    c->timeout);
		}
		if ((n = poll(&pfd, 1, ms)) > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return fail(c, "poll: %s", strerror(errno));
	}
}

/* After an OpenSSL call on the non-blocking socket returned ret: 0 to call
 * it again once the socket is ready, -1 (error recorded) to give up. */
static int
tls_retry(struct conn *c, int ret)
{
	unsigned long e;
	const char *reason;
	int saved = errno;

	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c, POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		return fail_closed(c);
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (saved == 0 || saved == ECONNRESET || saved == EPIPE)
			return fail_closed(c);
		return fail(c, "%s", strerror(saved));
	default:
		e = ERR_peek_last_error();
		reason = ERR_reason_error_string(e);
		ERR_clear_error();
		return fail(c, "TLS error: %s", reason ? reason : "unknown");
	}
}

/* --- bytes in and out -------------------------------------------------- */

static int
conn_fill(struct conn *c)
{
	size_t room, got;
	ssize_t n;
	int ret;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	room = sizeof(c->buf) - c->end;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			ret = SSL_read_ex(c->ssl, c->buf + c->end, room, &got);
			if (ret == 1) {
				c->end += got;
				return 0;
			}
			if (tls_retry(c, ret) == -1)
				return -1;
			continue;
		}
		n = recv(c->fd, c->buf + c->end, room, 0);
		if (n > 0) {
			c->end += (size_t)n;
			return 0;
		}
		if (n == 0 || errno == ECONNRESET)
			return fail_closed(c);
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			if (wait_fd(c, POLLIN) == -1)
				return -1;
			continue;
		}
		return fail(c, "reading from the server: %s", strerror(errno));
	}
}

static int
conn_write(struct conn *c, const char *data, size_t len)
{
	size_t done;
	ssize_t n;
	int ret;

	while (len > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			ret = SSL_write_ex(c->ssl, data, len, &done);
			if (ret == 1) {
				data += done;
				len -= done;
			} else if (tls_retry(c, ret) == -1)
				return -1;
			continue;
		}
		n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK || errno == EINTR)) {
			if (wait_fd(c, POLLOUT) == -1)
				return -1;
		} else if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return fail_closed(c);
		else
			return fail(c, "writing to the server: %s",
			    strerror(errno));
	}
	return 0;
}

/* Read one whole reply, line by line, within the bounds of smtpreply.h. */
static int
read_reply(struct conn *c, struct smtp_reply *r)
{
	char *nl, error[SMTP_TEXT];
	size_t len;
	int last;

	memset(r, 0, sizeof(*r));
	for (;;) {
		nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		if (nl == NULL) {
			if (c->end - c->start > SMTP_MAX_LINE)
				return fail(c, "a line of the %s is longer "
				    "than %d bytes: stopped reading",
				    c->awaiting, SMTP_MAX_LINE);
			if (conn_fill(c) == -1)
				return -1;
			continue;
		}
		len = (size_t)(nl - (c->buf + c->start));
		if (len > SMTP_MAX_LINE)
			return fail(c, "a line of the %s is longer than %d "
			    "bytes: stopped reading", c->awaiting,
			    SMTP_MAX_LINE);
		if (len > 0 && nl[-1] == '\r')
			len--;
		last = smtpreply_line(r, c->buf + c->start, len, error,
		    sizeof(error));
		c->start = (size_t)(nl + 1 - c->buf);
		if (last == -1)
			return fail(c, "%s: %s", c->awaiting, error);
		if (last)
			return 0;
	}
}

static int
command(struct conn *c, const char *cmd, const char *awaiting,
    struct smtp_reply *r)
{
	char line[320];
	int n;

	step_begin(c, awaiting, c->timeout);
	n = snprintf(line, sizeof(line), "%s\r\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return fail(c, "command too long");
	if (conn_write(c, line, (size_t)n) == -1)
		return -1;
	return read_reply(c, r);
}

/* --- steps ------------------------------------------------------------- */

int
smtpdialog_resolve(const struct smtp_target *t, struct addrinfo **res,
    struct smtp_dialog *p)
{
	struct addrinfo hints;
	int gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	*res = NULL;
	p->failed = STEP_RESOLVE;
	if ((gai = getaddrinfo(t->host, t->port, &hints, res)) != 0) {
		if (p->error[0] == '\0')
			snprintf(p->error, sizeof(p->error), "cannot resolve "
			    "%s: %s", t->host, gai == EAI_SYSTEM ?
			    strerror(errno) : gai_strerror(gai));
		*res = NULL;
		return -1;
	}
	return 0;
}

/* Issue 22: addrs, when the caller resolved the name; else resolve here. */
static int
connect_to(struct conn *c, const struct smtp_target *t,
    const struct addrinfo *addrs)
{
	struct addrinfo *res = NULL;
	const struct addrinfo *ai;
	char addr[INET6_ADDRSTRLEN];
	socklen_t len;
	int fd, err;

	if (addrs == NULL) {
		if (smtpdialog_resolve(t, &res, c->p) == -1)
			return -1;
		addrs = res;
	}
	c->p->failed = STEP_CONNECT;
	step_begin(c, "connection", c->timeout);
	for (ai = addrs; ai != NULL; ai = ai->ai_next) {
		c->p->error[0] = '\0';
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr,
		    sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(addr, sizeof(addr), "?");
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			fail(c, "socket: %s", strerror(errno));
			continue;
		}
		c->fd = fd;
		err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			err = errno;
			if (err == EINPROGRESS) {
				if (wait_fd(c, POLLOUT) == -1)
					break;	/* out of time for all */
				len = sizeof(err);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
				    &len) == -1)
					err = errno;
			}
		}
		if (err == 0) {
			snprintf(c->p->address, sizeof(c->p->address), "%s",
			    addr);
			c->p->error[0] = '\0';
			freeaddrinfo(res);
			return 0;
		}
		fail(c, "cannot connect to %s port %s: %s", addr, t->port,
		    strerror(err));
		close(fd);
		c->fd = -1;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	return -1;
}

static SSL_CTX *
client_ctx(void)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	/*
	 * Let TLS 1.0 and 1.1 handshakes complete (OpenSSL 3 refuses them
	 * at the default security level) so that an old server is reported
	 * as such rather than as a failed handshake.  Nothing is sent in
	 * this session that needs protecting.
	 */
	SSL_CTX_set_security_level(ctx, 0);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* The presented certificate is compared, not verified. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	return ctx;
}

/* -1: the server failed (recorded), -2: internal error (err set). */
static int
start_tls(struct conn *c, SSL_CTX *ctx, const struct smtp_target *t,
    struct err *err)
{
	STACK_OF(X509) *chain;
	int ret;

	if ((c->ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(c->ssl, c->fd) ||
	    (!smtptarget_is_ip(t->host) &&
	    !SSL_set_tlsext_host_name(c->ssl, t->host))) {
		err_set_ssl(err, EX_SOFTWARE, "cannot set up a TLS session");
		return -2;
	}
	step_begin(c, "TLS handshake", c->timeout);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((ret = SSL_connect(c->ssl)) == 1)
			break;
		if (tls_retry(c, ret) == -1)
			return -1;
	}
	c->p->tls_version = SSL_version(c->ssl);
	snprintf(c->p->tls_version_name, sizeof(c->p->tls_version_name),
	    "%s", SSL_get_version(c->ssl));
	snprintf(c->p->cipher, sizeof(c->p->cipher), "%s",
	    SSL_get_cipher_name(c->ssl));
	/* On the client side the stack holds the leaf too, as sent. */
	if ((chain = SSL_get_peer_cert_chain(c->ssl)) != NULL &&
	    (c->p->peer_chain = X509_chain_up_ref(chain)) == NULL) {
		err_set_ssl(err, EX_OSERR, "out of memory");
		return -2;
	}
	return 0;
}

static int
read_banner(struct conn *c)
{
	c->p->failed = STEP_BANNER;
	step_begin(c, "banner", c->timeout);
	if (read_reply(c, &c->p->banner) == -1)
		return -1;
	if (c->p->banner.code != 220)
		return fail(c, "the banner is not 220: %s",
		    c->p->banner.text);
	return 0;
}

static int
ehlo(struct conn *c, const char *helo, struct smtp_reply *r)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "EHLO %s", helo);
	if (command(c, cmd, "reply to EHLO", r) == -1)
		return -1;
	if (r->code != 250)
		return fail(c, "EHLO refused: %s", r->text);
	return 0;
}

static int
starttls(struct conn *c)
{
	struct smtp_dialog *p = c->p;

	p->failed = STEP_STARTTLS;
	if (!p->ehlo.starttls)
		return fail(c, "STARTTLS not offered: %s", p->ehlo.text);
	if (command(c, "STARTTLS", "reply to STARTTLS", &p->starttls) == -1)
		return -1;
	if (p->starttls.code != 220)
		return fail(c, "STARTTLS refused: %s", p->starttls.text);
	/* Bytes that came before the handshake would be taken as if they
	 * came through TLS (the STARTTLS injection of CVE-2011-0411). */
	if (c->end > c->start)
		return fail(c, "the server sent %zu more bytes after its 220 "
		    "to STARTTLS, before the TLS handshake",
		    c->end - c->start);
	return 0;
}

/* A polite end; its failure changes nothing. */
static void
quit(struct conn *c)
{
	struct smtp_reply r;
	char error[SMTP_TEXT];

	memcpy(error, c->p->error, sizeof(error));
	c->timeout = c->timeout < QUIT_WAIT ? c->timeout : QUIT_WAIT;
	(void)command(c, "QUIT", "reply to QUIT", &r);
	memcpy(c->p->error, error, sizeof(error));
	c->p->timed_out = 0;
	if (c->ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);
	}
	ERR_clear_error();
}

int
smtpdialog_run(const struct smtp_dialog_opts *o, struct smtp_dialog *p,
    struct err *err)
{
	const struct smtp_target *t = o->target;
	struct sigaction ign, old;
	struct conn c;
	SSL_CTX *ctx = NULL;
	int rc = -1, st;

	memset(p, 0, sizeof(*p));
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.p = p;
	c.timeout = o->timeout;
	/* OpenSSL writes with write(2): a closed peer must not kill us. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) == -1)
		return err_set(err, EX_OSERR, "sigaction: %s", strerror(errno));
	if ((ctx = client_ctx()) == NULL) {
		err_set_ssl(err, EX_SOFTWARE, "cannot set up TLS");
		goto out;
	}
	if (connect_to(&c, t, o->addrs) == -1)
		goto done;
	if (t->implicit_tls) {
		p->failed = STEP_HANDSHAKE;
		if ((st = start_tls(&c, ctx, t, err)) == -2)
			goto out;
		if (st == -1 || read_banner(&c) == -1)
			goto done;
	} else {
		if (read_banner(&c) == -1)
			goto done;
		p->failed = STEP_EHLO;
		if (ehlo(&c, o->helo, &p->ehlo) == -1 || starttls(&c) == -1)
			goto done;
		p->failed = STEP_HANDSHAKE;
		if ((st = start_tls(&c, ctx, t, err)) == -2)
			goto out;
		if (st == -1)
			goto done;
	}
	p->failed = STEP_EHLO_TLS;
	if (ehlo(&c, o->helo, &p->ehlo_tls) == -1)
		goto done;
	p->failed = STEP_DONE;
	quit(&c);
done:
	rc = 0;
out:
	if (c.ssl != NULL)
		SSL_free(c.ssl);
	if (c.fd != -1)
		close(c.fd);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	sigaction(SIGPIPE, &old, NULL);
	return rc;
}

void
smtpdialog_free(struct smtp_dialog *p)
{
	sk_X509_pop_free(p->peer_chain, X509_free);
	p->peer_chain = NULL;
}
