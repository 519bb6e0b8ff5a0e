/*
 * rotate.h: qmail-pem rotate, rollback and tlsa, and what they share.
 *
 * rotate replaces both key files with new ones (or stages them as
 * NAME.next for a DANE rollover and later commits them), rollback puts the
 * newest backups back, tlsa prints the DANE records of the server key.
 * Every file they write goes through plan_apply(); every new file is
 * checked with verify's content checks before anything is replaced.
 */
#ifndef QP_ROTATE_H
#define QP_ROTATE_H

#include <stddef.h>
#include <openssl/evp.h>

#include "base/err.h"
#include "fs/plan.h"
#include "ops/install.h"
#include "perms.h"
#include "site/readercheck.h"
#include "x509/pemfile.h"

#define STAGED_SUFFIX		".next"
#define SERVERCERT_NEXT		SERVERCERT STAGED_SUFFIX
#define CLIENTCERT_NEXT		CLIENTCERT STAGED_SUFFIX
#define DEFAULT_KEEP		5	/* backups kept per file */
#define TLSA_RECORD_MAX		384

struct rotate_opts {
	const char		*dir;
	struct owners		 owners;
	struct newcert_opts	 newcert;
	int			 expires_within;	/* days; -1: always */
	int			 keep_key;
	int			 distinct_keys;
	int			 keep;		/* backups per file */
	int			 stage;
	int			 commit;
	const char		*post_hook;
	int			 dry_run;
	int			 json;
	int			 lock_timeout;
	struct service_dirs	 services;	/* --service-dir */
};

int cmd_rotate(int argc, char *argv[]);
int cmd_rollback(int argc, char *argv[]);
/* -1 with a message when an interrupted rollback left its note in dir:
 * install and rotate wait until rollback has finished it. */
int rollback_note_refuse(const struct perms_dir *dir, struct err *err);
int cmd_tlsa(int argc, char *argv[]);

/* rotate --commit (commit.c): the staged files into place. */
int rotate_commit(struct rotate_opts *o, const struct perms_dir *dir,
    char *changed, size_t size, struct err *err);

/*
 * Check bytes that are about to replace a key file with verify's content
 * checks.  A CRITICAL or UNKNOWN check refuses them (EX_DATAERR, naming
 * `shown' and the check) unless REPLACE_WARN_ONLY, which prints them as
 * warnings; warnings are printed unless REPLACE_QUIET.  hostname may be
 * NULL (no host check).
 */
#define REPLACE_QUIET		1
#define REPLACE_WARN_ONLY	2
int replace_verify(const char *shown, const char *data, size_t len,
    const struct perms_target *expect, int usage, const char *hostname,
    int flags, struct err *err);

/* After plan_apply(): every file written has its owner, group and mode
 * and a single link. */
int replace_check_result(const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, struct err *err);

/* Remove the oldest backups of name so that keep are left; fsyncs the
 * directory when it removed any. */
int replace_prune(const struct perms_dir *dir, const char *name, int keep,
    struct err *err);

/* "servercert.pem clientcert.pem": the plans whose content was written
 * (ACT_WRITES), for QMAIL_PEM_CHANGED. */
void replace_changed(const struct file_plan *plans, size_t n, char *buf,
    size_t size);

/*
 * Read a staged file or a backup in the directory: a regular file (never
 * a link), which must hold a usable key and certificate.  Returns 1 when
 * read, 0 when it does not exist, -1 with a message.  *data is freed with
 * secret_free(), b with pemfile_free().
 */
int replace_read_pem(const struct perms_dir *dir, const char *name,
    char **data, size_t *len, struct pem_bundle *b, struct err *err);

/* "_25._tcp.HOST. IN TLSA 3 1 1 <sha256 of the SubjectPublicKeyInfo>" */
int tlsa_record(const EVP_PKEY *key, const char *host, char *buf,
    size_t size, struct err *err);

/* The mail host of the TLSA records: --hostname, else DIR/me, else the CN
 * of the server certificate (leaf may be NULL). */
int tlsa_hostname(const struct perms_dir *dir, const char *given, X509 *leaf,
    char *buf, size_t size, struct err *err);

#endif
