/*
 * passin.h: the password of an encrypted key or PKCS#12 file.
 *
 * The sources are those of openssl's -passin: env:VAR, file:PATH (first
 * line), fd:N (first line), stdin (first line), pass:PASSWORD (visible to
 * every user in ps(1): documented as unsafe).  The password is held in
 * OpenSSL's secure memory, cleansed when freed, and never appears in a
 * message: messages name the source ("env:VAR"), never its content.
 */
#ifndef QP_PASSIN_H
#define QP_PASSIN_H

#include <stddef.h>

#include "base/err.h"

#define PASSIN_MAX	1024	/* longer passwords are refused */

struct passin {
	char	 shown[256];	/* the source for messages, without a password */
	char	 spec[16];	/* "env", "file", "fd", "stdin", "pass" */
	const char *arg;	/* what follows the colon (points into argv) */
	char	*pass;		/* secure memory, NUL-terminated */
	size_t	 len;
	int	 loaded;
};

/* Check the syntax of a --passin argument (EX_USAGE on error). */
int passin_parse(const char *arg, struct passin *p, struct err *err);

/* Fetch the password from its source, once; later calls do nothing.
 * A source that cannot be read is an error naming it. */
int passin_load(struct passin *p, struct err *err);

/* A password given directly (unit tests and fuzz targets). */
int passin_set(struct passin *p, const char *pass, size_t len, struct err *err);

void passin_free(struct passin *p);

/*
 * An OpenSSL pem_password_cb: u is a struct passin_use.  It records that
 * a password was wanted, and hands over the loaded password, if any; when
 * the source cannot be read, why goes to err.
 */
struct passin_use {
	struct passin	*passin;	/* NULL: no --passin given */
	int		 asked;		/* the input was encrypted */
	int		 failed;	/* the source could not be read */
	struct err	*err;
};
int passin_pem_cb(char *buf, int size, int rwflag, void *u);

#endif
