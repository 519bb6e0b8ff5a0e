/*
 * standin_smtpd.c: stand-ins for qmail-smtpd builds that load
 * servercert.pem differently from netqmail + qmail-tls 20231230 (the real
 * qmail the tests build from ../shared/qmail, which takes RSA keys only).
 * One source, compiled three ways by tests/CMakeLists.txt:
 *
 *   anykey-smtpd    SSL_CTX_use_certificate_chain_file and
 *                   SSL_CTX_use_PrivateKey_file: any key type, the chain
 *                   sent (as sagredo's qmail does);
 *   leafonly-smtpd  SSL_CTX_use_certificate_file and
 *                   SSL_CTX_use_PrivateKey_file: the leaf only, never the
 *                   intermediates (it does not import
 *                   SSL_CTX_use_certificate_chain_file at all);
 *   sni-smtpd       as anykey-smtpd, plus an SNI callback that serves
 *                   control/servercerts/NAME/servercert.pem to a client
 *                   asking for NAME when that file exists (sagredo's
 *                   qmail-smtpd does this), else control/servercert.pem.
 *
 * Each is run like qmail-smtpd, under tcpserver (fd 0 and 1 are the
 * connection):
 *
 *   NAME-smtpd [-r RECORD] [ROOT]
 *
 * It works in ROOT (default: the directory above the one holding the
 * program, as ROOT/bin/qmail-smtpd) and reads control/me and
 * control/servercert.pem there.  It speaks enough SMTP for a STARTTLS
 * probe and for qmail-remote to deliver one message: a banner, EHLO
 * (STARTTLS offered while control/servercert.pem exists, as qmail-smtpd
 * decides with stat), STARTTLS, MAIL, RCPT, DATA, RSET, NOOP, QUIT.  Like
 * qmail-smtpd it loads the file when the client says STARTTLS and, when that
 * fails, answers "454 TLS missing certificate: REASON (#4.3.0)" or "454 TLS
 * no valid private key: REASON (#4.3.0)" with OpenSSL's first queued error,
 * and goes on in plain text.
 *
 * -r RECORD asks the client for a certificate (optional), accepts any
 * certificate without verifying it, and after the handshake replaces RECORD
 * with the client's certificate in PEM (an empty file when the client sent
 * none).  The tests use this to see what qmail-remote presents: a server
 * that verifies (Python's ssl with CERT_OPTIONAL, openssl s_server -verify)
 * would end the handshake on a certificate it cannot verify (self-signed,
 * expired, another CA) and never say which certificate that was.
 *
 * Test code: diagnostics go to stderr (tcpserver's log), and every
 * connection ends after 60 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#if defined(QP_STANDIN_ANYKEY)
#define LOADER "anykey"
#elif defined(QP_STANDIN_LEAFONLY)
#define LOADER "leafonly"
#elif defined(QP_STANDIN_SNI)
#define LOADER "sni"
#else
#error "define QP_STANDIN_ANYKEY, QP_STANDIN_LEAFONLY or QP_STANDIN_SNI"
#endif

#define SERVERCERT "control/servercert.pem"

static SSL *tls;		/* set once the handshake is done */
static const char *record_path;	/* -r */
static char me[256] = "localhost";
static char inbuf[4096];
static size_t inlen, inpos;

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, LOADER "-smtpd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void out(const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t w;

		if (tls) {
			int n = SSL_write(tls, s, (int)len);

			if (n <= 0)
				exit(1);
			w = n;
		} else {
			w = write(1, s, len);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				exit(1);
		}
		s += w;
		len -= (size_t)w;
	}
}

/* The first error in OpenSSL's queue, as qmail-tls's ssl_error() gives it. */
static const char *ssl_reason(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return "unknown error";
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

static void tls_refuse(const char *what)
{
	char line[512];

	snprintf(line, sizeof line, "454 TLS %s: %s (#4.3.0)\r\n", what,
	    ssl_reason());
	fprintf(stderr, LOADER "-smtpd: %s", line);
	out(line);
}

/* Fill inbuf; 0 at the end of the input. */
static int fill(void)
{
	ssize_t n;

	if (tls) {
		int r = SSL_read(tls, inbuf, sizeof inbuf);

		n = r > 0 ? r : 0;
	} else {
		do
			n = read(0, inbuf, sizeof inbuf);
		while (n < 0 && errno == EINTR);
	}
	if (n <= 0)
		return 0;
	inlen = (size_t)n;
	inpos = 0;
	return 1;
}

/* Read one line (without CR LF) into line; 0 at the end of the input. */
static int getline_smtp(char *line, size_t size)
{
	size_t len = 0;

	for (;;) {
		char c;

		if (inpos == inlen && !fill())
			return 0;
		c = inbuf[inpos++];
		if (c == '\n')
			break;
		if (len + 1 < size)
			line[len++] = c;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return 1;
}

/* Load CERTFILE (key and certificate in one file) into a new context;
 * NULL after answering the client with qmail-smtpd's 454 line. */
static SSL_CTX *load_ctx(const char *certfile, int answer)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		if (answer)
			tls_refuse("unable to initialize ctx");
		return NULL;
	}
#if defined(QP_STANDIN_LEAFONLY)
	if (!SSL_CTX_use_certificate_file(ctx, certfile, SSL_FILETYPE_PEM)) {
#else
	if (!SSL_CTX_use_certificate_chain_file(ctx, certfile)) {
#endif
		if (answer)
			tls_refuse("missing certificate");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (!SSL_CTX_use_PrivateKey_file(ctx, certfile, SSL_FILETYPE_PEM)) {
		if (answer)
			tls_refuse("no valid private key");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

#if defined(QP_STANDIN_SNI)
/* A client's name is used in a path: a host name's characters only. */
static int safe_servername(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > 253 || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
	}
	return strstr(name, "..") == NULL;
}

/* Switch to control/servercerts/NAME/servercert.pem when it exists; keep
 * the default without SNI or without that file; end the handshake when
 * the file is there but cannot be loaded (sagredo's behaviour). */
static int servername_cb(SSL *ssl, int *alert, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	char path[PATH_MAX];
	struct stat st;
	SSL_CTX *ctx;

	(void)alert;
	(void)arg;
	if (name == NULL)
		return SSL_TLSEXT_ERR_OK;
	if (!safe_servername(name))
		return SSL_TLSEXT_ERR_NOACK;
	snprintf(path, sizeof path, "control/servercerts/%s/servercert.pem",
	    name);
	if (stat(path, &st) != 0) {
		fprintf(stderr, LOADER "-smtpd: SNI %s: no %s, the default\n",
		    name, path);
		return SSL_TLSEXT_ERR_NOACK;
	}
	ctx = load_ctx(path, 0);
	if (ctx == NULL) {
		fprintf(stderr, LOADER "-smtpd: SNI %s: cannot load %s: %s\n",
		    name, path, ssl_reason());
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	SSL_set_SSL_CTX(ssl, ctx);
	SSL_CTX_free(ctx);
	fprintf(stderr, LOADER "-smtpd: SNI %s: %s\n", name, path);
	return SSL_TLSEXT_ERR_OK;
}
#endif

static int accept_any(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;
}

/* Replace record_path with the client's certificate (empty: none). */
static void record_client_cert(void)
{
	char tmp[PATH_MAX];
	X509 *peer = SSL_get1_peer_certificate(tls);
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", record_path);
	f = fopen(tmp, "w");
	if (f == NULL)
		die("%s: %s", tmp, strerror(errno));
	if (peer != NULL && !PEM_write_X509(f, peer))
		die("%s: cannot write the certificate", tmp);
	if (fclose(f) != 0 || rename(tmp, record_path) != 0)
		die("%s: %s", record_path, strerror(errno));
	X509_free(peer);
}

static void starttls(void)
{
	SSL_CTX *ctx;
	SSL *ssl;

	if (tls) {
		out("502 unimplemented (#5.5.1)\r\n");
		return;
	}
	ctx = load_ctx(SERVERCERT, 1);
	if (ctx == NULL)
		return;
#if defined(QP_STANDIN_SNI)
	SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
#endif
	if (record_path != NULL)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);
	if (ssl == NULL) {
		tls_refuse("unable to initialize ssl");
		return;
	}
	if (inpos != inlen)
		die("input pipelined after STARTTLS");
	out("220 ready for tls\r\n");
	if (!SSL_set_rfd(ssl, 0) || !SSL_set_wfd(ssl, 1))
		die("SSL_set_fd failed");
	if (SSL_accept(ssl) != 1) {
		const char *why = ssl_reason();

		fprintf(stderr, LOADER "-smtpd: handshake failed: %s\n", why);
		SSL_free(ssl);
		exit(1);
	}
	tls = ssl;
	if (record_path != NULL)
		record_client_cert();
}

static void data(void)
{
	char line[1024];

	out("354 go ahead\r\n");
	while (getline_smtp(line, sizeof line))
		if (strcmp(line, ".") == 0) {
			out("250 ok accepted by the " LOADER " stand-in\r\n");
			return;
		}
	exit(1);
}

static void ehlo(void)
{
	struct stat st;
	char reply[512];

	/* qmail-smtpd offers STARTTLS when stat() finds the file. */
	if (!tls && stat(SERVERCERT, &st) == 0)
		snprintf(reply, sizeof reply, "250-%s\r\n250 STARTTLS\r\n", me);
	else
		snprintf(reply, sizeof reply, "250 %s\r\n", me);
	out(reply);
}

static int is(const char *line, const char *cmd)
{
	size_t n = strlen(cmd);

	return strncasecmp(line, cmd, n) == 0 &&
	    (line[n] == '\0' || line[n] == ' ' || line[n] == ':');
}

/* The directory above the one that holds this program. */
static const char *default_root(void)
{
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	return dirname(dirname(exe));
}

int main(int argc, char **argv)
{
	const char *root;
	char line[1024];
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		switch (c) {
		case 'r':
			record_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: " LOADER "-smtpd [-r RECORD] [ROOT]\n");
			return 100;
		}
	}
	root = optind < argc ? argv[optind] : default_root();
	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	if (chdir(root) != 0) {
		out("421 unable to read controls (#4.3.0)\r\n");
		die("chdir %s: %s", root, strerror(errno));
	}
	f = fopen("control/me", "r");
	if (f != NULL) {
		if (fgets(me, sizeof me, f) != NULL)
			me[strcspn(me, "\r\n")] = '\0';
		fclose(f);
	}
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, NULL);

	snprintf(line, sizeof line, "220 %s ESMTP " LOADER " stand-in\r\n", me);
	out(line);
	while (getline_smtp(line, sizeof line)) {
		if (is(line, "EHLO"))
			ehlo();
		else if (is(line, "HELO")) {
			snprintf(line, sizeof line, "250 %s\r\n", me);
			out(line);
		} else if (is(line, "STARTTLS"))
			starttls();
		else if (is(line, "MAIL") || is(line, "RCPT") ||
		    is(line, "RSET") || is(line, "NOOP"))
			out("250 ok\r\n");
		else if (is(line, "DATA"))
			data();
		else if (is(line, "QUIT")) {
			snprintf(line, sizeof line, "221 %s\r\n", me);
			out(line);
			break;
		} else
			out("502 unimplemented (#5.5.1)\r\n");
	}
	if (tls) {
		SSL_shutdown(tls);
		SSL_free(tls);
	}
	return 0;
}
