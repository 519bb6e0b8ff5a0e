/*
 * danenote.h: the keys that rotate --commit replaced, for DANE.
 *
 * A commit tells the administrator to remove the old key's TLSA record
 * from DNS.  A rollback that brought that key back would break DANE for
 * every sender that checks TLSA, so the commit notes the replaced key
 * (the SHA-256 of its SubjectPublicKeyInfo: the data of its `3 1 1'
 * record, never key bytes) in DANE_NOTE, root's 0600, beside the backups;
 * rollback looks the key it would restore up there.  The newest
 * DANE_NOTE_MAX commits are kept.
 */
#ifndef QP_DANENOTE_H
#define QP_DANENOTE_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "perms.h"

#define DANE_NOTE_MAX	8

struct dane_replaced {
	time_t		 when;		/* of the commit */
	char		 spki[65];	/* hex SHA-256 of the key replaced */
};

struct dane_note {
	struct dane_replaced	 v[DANE_NOTE_MAX];	/* oldest first */
	size_t			 n;
};

/* The hex SHA-256 of key's SubjectPublicKeyInfo (DER). */
int dane_spki_sha256(const EVP_PKEY *key, char hex[65], struct err *err);

/* Read DANE_NOTE of dir (absent: n == 0).  Lines it cannot parse are
 * skipped. */
int dane_note_read(const struct perms_dir *dir, struct dane_note *note,
    struct err *err);

/* Note that a commit at when replaced the key spki: note with one more
 * entry written atomically, owner uid, group 0, mode 0600. */
int dane_note_add(const struct perms_dir *dir, const struct dane_note *note,
    const char *spki, time_t when, uid_t owner, struct err *err);

/* The newest entry for spki, or NULL. */
const struct dane_replaced *dane_note_find(const struct dane_note *note,
    const char *spki);

#endif
