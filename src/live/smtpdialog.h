/*
 * smtpdialog.h: one SMTP dialogue with a live server, as a sending MTA has
 * it: connect, banner, EHLO, STARTTLS, TLS handshake, EHLO again, QUIT
 * (or, with implicit TLS, the handshake first).
 *
 * The server is not trusted: every step has its own deadline, replies are
 * read through smtpreply.c's bounds, and the probe records what it saw and
 * where it stopped; judging it is livecheck.c's job.  Knows no files.
 */
#ifndef QP_SMTPDIALOG_H
#define QP_SMTPDIALOG_H

#include <stddef.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "live/smtpreply.h"
#include "live/smtptarget.h"

/* The steps, in the order of a STARTTLS dialogue. */
enum smtp_step {
	STEP_RESOLVE, STEP_CONNECT, STEP_BANNER, STEP_EHLO, STEP_STARTTLS,
	STEP_HANDSHAKE, STEP_EHLO_TLS, STEP_DONE
};

struct addrinfo;

struct smtp_dialog_opts {
	const struct smtp_target	*target;
	int				 timeout;	/* seconds per step */
	const char			*helo;		/* EHLO name */
	/* Issue 22: the target's addresses, resolved by the caller
	 * (smtpdialog_resolve()); NULL: smtpdialog_run() resolves them. */
	const struct addrinfo		*addrs;
};

struct smtp_dialog {
	enum smtp_step		 failed;	/* STEP_DONE: all went through */
	int			 timed_out;	/* the failed step ran out of time */
	char			 error[SMTP_TEXT];	/* why it stopped */
	char			 address[64];	/* the address connected to */
	struct smtp_reply	 banner;
	struct smtp_reply	 ehlo;		/* before TLS */
	struct smtp_reply	 starttls;
	struct smtp_reply	 ehlo_tls;
	int			 tls_version;	/* TLS1_2_VERSION ...; 0: none */
	char			 tls_version_name[16];
	char			 cipher[64];
	STACK_OF(X509)		*peer_chain;	/* as sent, leaf first */
};

/*
 * Issue 22: the name resolution step alone, for a caller that runs the
 * rest where no file can be opened.  0 with *res set (freeaddrinfo()), or
 * -1 with p->failed STEP_RESOLVE and p->error saying why.
 */
int smtpdialog_resolve(const struct smtp_target *t, struct addrinfo **res,
    struct smtp_dialog *p);

/*
 * Run the dialogue.  Returns 0 when it ran (p->failed says how far it got,
 * p->error why it stopped), -1 with a message only on an internal error
 * (out of memory, OpenSSL unusable).  Free with smtpdialog_free().
 */
int smtpdialog_run(const struct smtp_dialog_opts *o, struct smtp_dialog *p,
    struct err *err);
void smtpdialog_free(struct smtp_dialog *p);

#endif
