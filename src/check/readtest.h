/*
 * readtest.h: the real read test: can the daemon's user load the key file?
 *
 * A forked child drops to the reader's uid, gid and supplementary groups,
 * clears every capability (libcap) and proves it cannot become root again,
 * then loads the file from the control directory exactly as the qmail TLS
 * patches do (SSL_CTX_use_certificate_chain_file and
 * SSL_CTX_use_PrivateKey_file, then SSL_CTX_check_private_key).  Only a
 * status byte and a short message come back through a pipe, never key
 * material.  Needs root; the caller decides what to say when not root.
 */
#ifndef QP_READTEST_H
#define QP_READTEST_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "base/err.h"
#include "check/verify.h"
#include "perms.h"
#include "site/readers.h"

#define READTEST_TIMEOUT	5	/* seconds before the child is killed */
#define READTEST_MAX_GROUPS 64

enum readtest_status {
	READTEST_OK = 0,	/* opened, chain and key loaded and matching */
	READTEST_CANNOT_OPEN,	/* open(2) failed as the reader */
	READTEST_CHAIN_FAILS,	/* SSL_CTX_use_certificate_chain_file failed */
	READTEST_KEY_FAILS,	/* SSL_CTX_use_PrivateKey_file failed */
	READTEST_MISMATCH,	/* the key does not match the leaf */
	READTEST_ERROR		/* could not run the test (fork, drop,
				 * timeout) */
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
 * Load name from dir as reader, in two steps, so that the child runs while
 * the caller does other work (verify starts both read tests, then parses
 * the files itself): readtest_start forks the child (-1 if not root,
 * EX_NOPERM); readtest_finish waits for its answer, at most READTEST_TIMEOUT
 * seconds from the start (a child that gives none is killed and reaped);
 * readtest_reap waits for a child that answered to exit, or kills and reaps
 * one whose answer is no longer wanted.  readtest_finish does nothing on a
 * run not started, readtest_reap nothing on a run with no child (pid 0, as in
 * a zeroed struct readtest_run).
 */
struct readtest_run {
	int			started;
	pid_t			pid;		/* 0: no child to reap */
	int			fd;		/* read end of the pipe; -1
						   once the answer is read */
	struct timespec		since;
	char			user[64];
	struct readtest_result	early;		/* the answer if no child */
};

int readtest_start(const struct perms_dir *dir, const char *name,
    const struct readtest_reader *reader, struct readtest_run *run,
    struct err *err);
void readtest_finish(struct readtest_run *run, struct readtest_result *res);
void readtest_reap(struct readtest_run *run);

/*
 * verify's reader-can-read check of one file: readtest_check_start() sets
 * check UNKNOWN with not_run when that is set, SKIPPED when not root,
 * UNKNOWN when the test cannot start, else starts it;
 * readtest_check_finish() judges its answer.  daemon names the reading
 * program in the messages ("qmail-smtpd").
 */
struct readtest_check {
	struct readtest_reader	 reader;
	const char		*daemon;
	const char		*fix;		/* the complete command that
						 * fixes owner and mode */
	struct readtest_run	 run;		/* its child, while it runs */
	struct check		 check;
	char			 not_run[512];	/* why it cannot run (status:
						 * a reader or group that does
						 * not exist): UNKNOWN; "" */
};
void readtest_check_start(const struct perms_dir *dir, const char *name,
    struct readtest_check *t);
void readtest_check_finish(struct readtest_check *t);

#endif
