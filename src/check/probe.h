/*
 * probe.h: the real read test: can the daemon's user load the key file?
 *
 * A forked child drops to the reader's uid, gid and supplementary groups,
 * clears every capability (libcap) and proves it cannot become root again,
 * then loads the file from the control directory exactly as the qmail TLS
 * patches do (SSL_CTX_use_certificate_chain_file and
 * SSL_CTX_use_PrivateKey_file, then SSL_CTX_check_private_key).  Only a
 * status byte and a short message come back through a pipe, never key
 * material.  Needs root; the caller decides what to say when not root.
 */
#ifndef QP_PROBE_H
#define QP_PROBE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "base/err.h"
#include "perms.h"

#define PROBE_TIMEOUT	5	/* seconds before the child is killed */
#define PROBE_MAX_GROUPS 64

enum probe_status {
	PROBE_OK = 0,		/* opened, chain and key loaded and matching */
	PROBE_CANNOT_OPEN,	/* open(2) failed as the reader */
	PROBE_CHAIN_FAILS,	/* SSL_CTX_use_certificate_chain_file failed */
	PROBE_KEY_FAILS,	/* SSL_CTX_use_PrivateKey_file failed */
	PROBE_MISMATCH,		/* the key does not match the leaf */
	PROBE_ERROR		/* could not run the test (fork, drop,
	    timeout) */
};

/* Who reads a file: the user the daemon runs as. */
struct probe_reader {
	char	 user[64];	/* for messages ("qmaild") */
	uid_t	 uid;
	gid_t	 gid;
	/* Supplementary groups; ngroups < 0: those of the group database
	 * for user (getgrouplist), as initgroups(3) would set them. */
	gid_t	 groups[PROBE_MAX_GROUPS];
	int	 ngroups;
};

struct probe_result {
	enum probe_status	status;
	int			rsa_key;	/* the key loaded is RSA */
	char			message[256];
};

/*
 * The reader of a user name from the user database (uid, primary gid,
 * supplementary groups from getgrouplist later).  An unknown user is an
 * error (EX_NOUSER, message recorded).
 */
int probe_reader_by_name(const char *user, struct probe_reader *reader,
    struct err *err);

/*
 * Hook for callers that know the reader some other way (a run script's
 * setuidgid or tcpserver -u/-g): user, uid and gid as found; the
 * supplementary groups are those of the group database for user.
 */
void probe_reader_from_ids(const char *user, uid_t uid, gid_t gid,
    struct probe_reader *reader);

/*
 * Load name from dir as reader, in two steps, so that the child runs while
 * the caller does other work (verify starts both read tests, then parses
 * the files itself): probe_start forks the child (-1 if not root,
 * EX_NOPERM); probe_finish waits for its answer, at most PROBE_TIMEOUT
 * seconds from the start (a child that gives none is killed and reaped);
 * probe_reap waits for a child that answered to exit, or kills and reaps
 * one whose answer is no longer wanted.  probe_finish does nothing on a
 * run not started, probe_reap nothing on a run with no child (pid 0, as in
 * a zeroed struct probe_run).
 */
struct probe_run {
	int			started;
	pid_t			pid;		/* 0: no child to reap */
	int			fd;		/* read end of the pipe; -1
						   once the answer is read */
	struct timespec		since;
	char			user[64];
	struct probe_result	early;		/* the answer if no child */
};

int probe_start(const struct perms_dir *dir, const char *name,
    const struct probe_reader *reader, struct probe_run *run, struct err *err);
void probe_finish(struct probe_run *run, struct probe_result *res);
void probe_reap(struct probe_run *run);

#endif
