/*
 * sni.h: the SNI certificates of sagredo's qmail-smtpd,
 * DIR/servercerts/NAME/servercert.pem: one more file read by qmail-smtpd
 * for each name a client may ask for, managed with servercert.pem's rules
 * (policy.h's struct managed_file).
 */
#ifndef QP_SNI_H
#define QP_SNI_H

#include <stddef.h>

#include "base/err.h"
#include "perms.h"
#include "site/policy.h"

/* Is name a host name that may name an SNI folder: letters, digits, '-'
 * and '.' in DNS labels, lower case, at most 253 characters, no wildcard,
 * and so no '/' and no "..".  -1 (EX_USAGE, naming opt) when not. */
int sni_check_name(const char *name, const char *opt, struct err *err);

/* The managed file of NAME (checked first). */
int sni_file(const char *name, struct managed_file *f, struct err *err);

/*
 * DIR/servercerts/NAME opened into out as a directory of its own: each
 * of the two folders opened by perms_open_subdir(), no link followed,
 * root's and written by root alone; made root:root 0755 when create.
 * 1: open; 0: missing (not create); -1: refused or failed.
 */
int sni_open(const struct perms_dir *dir, const char *name, int create,
    struct perms_dir *out, struct err *err);

/*
 * The NAMEs of DIR/servercerts/NAME/servercert.pem present (any NAME the
 * folder holds, valid or not, that has an entry servercert.pem), sorted,
 * at most SNI_MAX; none when DIR/servercerts does not exist.  An unsafe
 * DIR/servercerts is an error.  names: SNI_MAX strings of 256.
 */
int sni_list(const struct perms_dir *dir, char (*names)[256], size_t *n,
    struct err *err);

#endif
