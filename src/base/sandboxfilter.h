/*
 * sandboxfilter.h: the seccomp filter of a sandboxed child (libseccomp),
 * one per kind of job; sandbox.h forks the child and loads it.
 */
#ifndef QP_SANDBOXFILTER_H
#define QP_SANDBOXFILTER_H

#include "base/err.h"

/* What the child may do besides computing on memory. */
enum sandbox_kind {
	/*
	 * Decode bytes it was given: memory (no executable mappings), the
	 * clock, random bytes (OpenSSL reseeds after a fork), write to its
	 * two pipes, end.
	 */
	SANDBOX_DECODE,
	/*
	 * A network dialogue with addresses it was given: SANDBOX_DECODE and
	 * TCP sockets (AF_INET, AF_INET6) it creates, connect, poll, read,
	 * write, send, receive, socket options, SIGPIPE ignored.  Never a
	 * file, never a name lookup (the parent resolves).
	 */
	SANDBOX_NET
};

/* The child's answer pipe: stderr is the other one it may write to. */
#define SANDBOX_ANSWER_FD	3

/* Open libseccomp where children get a filter (base/lazylib.h): a parent
 * calls it before it forks, so that no child has to.  0, or -1 with a
 * message. */
int sandboxfilter_prepare(struct err *err);

/* Load the filter of kind into this process: 0, or -1 with a message. */
int sandboxfilter_load(enum sandbox_kind kind, struct err *err);

/* Is the seccomp filter loaded in children?  0 only under valgrind. */
int sandbox_filter_active(void);

#endif
