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
 * The folders of one SNI file a command made, so that it can take them
 * back when it fails: dir (DIR) is the caller's, opened before
 * sni_make(); sni_made_close() closes both.
 */
struct sni_made {
	struct perms_dir	dir;		/* DIR */
	struct perms_dir	top;		/* DIR/servercerts */
	int			made_top;	/* made by sni_make() */
	int			made_name;	/* NAME made by sni_make() */
};

/*
 * sni_open() with create, from m->dir, recording in m which of the two
 * folders this call made.  0: open in out; -1: refused or failed.
 */
int sni_make(struct sni_made *m, const char *name, struct perms_dir *out,
    struct err *err);

/*
 * Take back what sni_make() made (out: NAME, still open): each folder it
 * made removed when still the same directory and still empty (NAME
 * first, then servercerts/).  0 when done or left; -1 on error.
 */
int sni_unmake(struct sni_made *m, const char *name,
    const struct perms_dir *out, struct err *err);
void sni_made_close(struct sni_made *m);

/*
 * The NAMEs of DIR/servercerts/NAME/servercert.pem present (any NAME the
 * folder holds, valid or not, that has an entry servercert.pem), sorted,
 * at most SNI_MAX; none when DIR/servercerts does not exist.  An unsafe
 * DIR/servercerts is an error.  names: SNI_MAX strings of 256.
 */
int sni_list(const struct perms_dir *dir, char (*names)[256], size_t *n,
    struct err *err);

#endif
