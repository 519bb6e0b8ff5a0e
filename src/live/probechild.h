/*
 * probechild.h: the SMTP dialogue and TLS handshake of verify --connect
 * (smtpdialog_run) in a sandboxed child (base/sandbox.h, SANDBOX_NET),
 * so that what a remote server sends is parsed by a process with no
 * capability that can make no system call but TCP to the addresses it was
 * given (issue 22).
 *
 * The parent resolves the name (getaddrinfo needs files and DNS); the
 * child gets the addresses (a copy of the parent's memory, by fork), runs
 * the dialogue with smtpdialog.c as before and hands back its findings:
 * how far it got and why it stopped, the replies, the TLS version and
 * cipher, the peer's certificates as sent (DER).  The parent checks every
 * field's bounds, makes the text printable again as smtpreply.c does, and
 * decodes the certificates.
 */
#ifndef QP_PROBECHILD_H
#define QP_PROBECHILD_H

#include "base/err.h"
#include "live/smtpdialog.h"

/* smtpdialog_run() in a child: the same arguments, results and messages;
 * o->addrs is ignored (the name is resolved here). */
int probechild_run(const struct smtp_dialog_opts *o, struct smtp_dialog *p,
    struct err *err);

#endif
