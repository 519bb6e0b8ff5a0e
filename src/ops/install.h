/*
 * install.h: qmail-pem install.
 *
 * Takes the control directory from any state (nothing there, the
 * qmailrocks layout where clientcert.pem is a symlink to servercert.pem,
 * wrong owners or modes, already right) to two regular files, each owned
 * by root and readable only by its reader's group, with the key and
 * certificate kept, made new, or imported.
 */
#ifndef QP_INSTALL_H
#define QP_INSTALL_H

#include "base/err.h"
#include "ops/common.h"
#include "ops/importfiles.h"
#include "x509/passin.h"

struct install_opts {
	struct common_opts	 c;
	struct import_src	 import;	/* --key, --cert, --pkcs12 ... */
	struct passin		 passin;
	int			 client_self_signed;
	int			 keep;		/* --keep: backups per file */
};

/* Plan, then (unless --dry-run) write; print the plan. */
int install_run(struct install_opts *o, struct err *err);

#endif
