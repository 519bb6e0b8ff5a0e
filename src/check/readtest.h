/*
 * readtest.h: the real read test: can the daemon's user load the key file?
 *
 * The file is opened and read with the reader's filesystem uid and gid
 * (setfsuid, setfsgid), its supplementary groups and an empty effective
 * capability set: the kernel's permission check of every directory on
 * the path and of the file (owner, group, mode, ACL) is the one the
 * reader gets.  The process then returns to its own ids (or stops: it
 * never goes on with the reader's) and loads the bytes exactly as the
 * qmail TLS patches do (SSL_CTX_use_certificate_chain_file and
 * SSL_CTX_use_PrivateKey_file, then SSL_CTX_check_private_key).  No
 * fork: a child per file cost more than the rest of verify (issue 26).
 * Needs root; the caller decides what to say when not root.
 */
#ifndef QP_READTEST_H
#define QP_READTEST_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "check/verify.h"
#include "perms.h"
#include "site/readers.h"

#define READTEST_MAX_GROUPS 64

enum readtest_status {
	READTEST_OK = 0,	/* opened, chain and key loaded and matching */
	READTEST_CANNOT_OPEN,	/* open(2) failed as the reader */
	READTEST_CHAIN_FAILS,	/* SSL_CTX_use_certificate_chain_file failed */
	READTEST_KEY_FAILS,	/* SSL_CTX_use_PrivateKey_file failed */
	READTEST_MISMATCH,	/* the key does not match the leaf */
	READTEST_ERROR		/* could not run the test (the ids, a
				 * file changed meanwhile) */
};

/* Who reads a file: the user the daemon runs as. */
struct readtest_reader {
	char	 user[64];	/* for messages ("qmaild") */
	uid_t	 uid;
	gid_t	 gid;
	/* Supplementary groups; ngroups < 0: those of the group database
	 * for user (getgrouplist), as initgroups(3) would set them. */
	gid_t	 groups[READTEST_MAX_GROUPS];
	int	 ngroups;
};

struct readtest_result {
	enum readtest_status	status;
	int			rsa_key;	/* the key loaded is RSA */
	char			message[256];
};

/*
 * The reader of a user name from the user database (uid, primary gid,
 * supplementary groups from getgrouplist later).  An unknown user is an
 * error (EX_NOUSER, message recorded).
 */
int readtest_reader_by_name(const char *user, struct readtest_reader *reader,
    struct err *err);

/*
 * Hook for callers that know the reader some other way (a run script's
 * setuidgid or tcpserver -u/-g): user, uid and gid as found; the
 * supplementary groups are those of the group database for user.
 */
void readtest_reader_from_ids(const char *user, uid_t uid, gid_t gid,
    struct readtest_reader *reader);

/* The reader of a run script's reader (site/readers.h): its uid, gid and
 * groups, those of the group database when its program sets them that
 * way (s6-setuidgid, qmail's defaults). */
void readtest_reader_of(const struct reader *r, struct readtest_reader *probe);

/*
 * Load name from dir as reader into res.  -1 when not root (EX_NOPERM);
 * 0 otherwise, whatever the answer (res->status).
 */
int readtest_run(const struct perms_dir *dir, const char *name,
    const struct readtest_reader *reader, struct readtest_result *res,
    struct err *err);

/*
 * verify's reader-can-read check of one file: check UNKNOWN with
 * not_run when that is set, SKIPPED when not root, else the read test's
 * verdict.  daemon names the reading program in the messages
 * ("qmail-smtpd").
 */
struct readtest_check {
	struct readtest_reader	 reader;
	const char		*daemon;
	const char		*fix;		/* the complete command that
						 * fixes owner and mode */
	struct check		 check;
	char			 not_run[512];	/* why it cannot run (status:
						 * a reader or group that does
						 * not exist): UNKNOWN; "" */
};
void readtest_check(const struct perms_dir *dir, const char *name,
    struct readtest_check *t);

#endif
