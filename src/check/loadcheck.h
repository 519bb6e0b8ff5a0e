/*
 * loadcheck.h: the verdicts of verify's checks that compare a file with
 * what the programs reading it can load (site/readerbin.h); verify.c
 * reports them:
 *
 *   rsa-key     a non-RSA key is CRITICAL in servercert.pem (qmail-smtpd
 *               answers STARTTLS with "454 TLS no valid RSA private key")
 *               and a WARNING in clientcert.pem (qmail-remote sends no
 *               client certificate) when a reader loads RSA keys only;
 *               OK when every reader loads any key type; the general
 *               WARNING when that is not known (l NULL or unknown).
 *   chain-sent  a WARNING for intermediates in the file when a reader
 *               loads the leaf only; SKIPPED when that is not known.
 *
 * Each returns the level and writes the message into msg.
 */
#ifndef QP_LOADCHECK_H
#define QP_LOADCHECK_H

#include <stddef.h>

#include "site/readerbin.h"

#define LOADCHECK_MSG_MAX	512	/* verify.h's struct check message */

/* The values of verify.h's CHECK_OK ... CHECK_SKIPPED. */
enum loadcheck_level {
	LOADCHECK_OK = 0, LOADCHECK_WARNING = 1, LOADCHECK_CRITICAL = 2,
	LOADCHECK_SKIPPED = 4
};

/* desc: the key described (x509gen_describe_key); file: its name. */
enum loadcheck_level loadcheck_rsa_key(int is_rsa, const char *desc,
    const char *file, const struct readerbin_file *l, char *msg,
    size_t size);
/* ncerts: the certificates in the file. */
enum loadcheck_level loadcheck_chain_sent(int ncerts,
    const struct readerbin_file *l, char msg[LOADCHECK_MSG_MAX]);

#endif
