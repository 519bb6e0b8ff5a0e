/*
 * sslctx.c: the one SSL_CTX of a command.
 *
 * Making an SSL_CTX fetches every cipher of the default provider and
 * seeds a random generator: more than loading a key file (issue 26).
 * The checks only make SSL objects from it and set what they judge on
 * those (the certificates and key of the read test, the cipher list of
 * tlsserverciphers and tlsclientciphers), so one context serves them
 * all.  It is TLS_method(): what the checks look at (the security level
 * and the certificate checks of the system's configuration, the suites a
 * list leaves) is the same for TLS_server_method() and
 * TLS_client_method(), which only choose the side of a handshake.  (A
 * thread that made it beside the other checks gained nothing: they wait
 * for the same OpenSSL locks, and a second CPU of a virtual machine can
 * take milliseconds to wake.)
 */
#include <openssl/ssl.h>

#include "check/sslctx.h"
#include "x509/keydecode.h"

SSL_CTX *
sslctx_shared(void)
{
	static SSL_CTX *ctx;

	if (ctx == NULL && (ctx = SSL_CTX_new(TLS_method())) != NULL)
		SSL_CTX_set_default_passwd_cb(ctx, keydecode_no_password);
	return ctx;
}
