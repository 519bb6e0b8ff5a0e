/*
 * sandbox.h: run a function in a child that holds no privilege, for
 * parsing what others wrote (issue 22).
 *
 * sandbox_run() forks.  The child drops every capability (effective,
 * permitted, inheritable, ambient; the bounding set too where CAP_SETPCAP
 * allows), sets no_new_privs, keeps only /dev/null on stdin and stdout, a
 * pipe on stderr and the answer pipe (descriptor 3), and loads a seccomp
 * filter (libseccomp; sandboxfilter.h says what each kind of job may do,
 * sandboxfilter.c lists each call it allows and why)
 * that kills the whole child at the first system call its kind of job
 * does not need.  Then it runs the job, writes the answer
 * and ends with _exit() (exit() would run atexit handlers, LeakSanitizer's
 * among them, which hang under the filter).  The child keeps the user id
 * of the caller (root): without capabilities and without open(2) that
 * gives it no file.
 *
 * The parent reads the answer within a size bound and a deadline, passes
 * what the child wrote on stderr (warnings) on to its own stderr as
 * printable lines, waits for the child and turns every way it can end
 * badly (killed by the filter or another signal, a non-zero exit, out of
 * time, too long an answer, a malformed frame) into one message.
 *
 * valgrind 3.19 cannot load a seccomp filter: under valgrind (and only
 * there) the child runs without it; capabilities and no_new_privs are
 * dropped all the same.
 */
#ifndef QP_SANDBOX_H
#define QP_SANDBOX_H

#include <stddef.h>

#include "base/err.h"
#include "base/sandboxfilter.h"	/* enum sandbox_kind */
#include "base/wire.h"

/*
 * For unit tests only (nothing in the command sets it): after the child
 * is confined, before its job, it calls openat(2), which neither kind
 * allows.  The child is killed with SIGSYS; without the filter (valgrind)
 * the call goes through and the child reports that instead.
 */
enum sandbox_selftest {
	SANDBOX_SELFTEST_NONE,
	SANDBOX_SELFTEST_FORBIDDEN
};

struct sandbox_job {
	const char		*what;	/* "key.pem (--key)": starts messages */
	enum sandbox_kind	 kind;
	int			 timeout;	/* seconds for the whole child */
	size_t			 max_answer;	/* bytes of answer accepted */
	/*
	 * In the child: append the answer to out and return 0, or return -1
	 * after recording a message in err, which the parent records in its
	 * caller's err as it was: same status, text and OpenSSL reasons.
	 */
	int			(*run)(void *arg, struct wire *out,
				    struct err *err);
	void			*arg;
	enum sandbox_selftest	 selftest;
};

/*
 * Run the job.  0: *answer holds what the job appended (read it with
 * wire_get_*; wire_free() wipes it).  -1 with a message: the job's own,
 * or why the child did not answer (EX_OSERR when it could not be started,
 * EX_SOFTWARE otherwise).
 */
int sandbox_run(const struct sandbox_job *job, struct wire *answer,
    struct err *err);

/*
 * What OpenSSL and the C library would load from files on first use,
 * loaded now in the parent, where files may be opened: OpenSSL's
 * configuration (and the providers it names), error strings, the random
 * generator, the time zone.  sandbox_run() calls it before its first
 * fork; -1 with a message if OpenSSL cannot start.
 */
int sandbox_prepare(struct err *err);

#endif
