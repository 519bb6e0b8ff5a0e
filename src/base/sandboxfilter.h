/*
 * sandboxfilter.h: the seccomp filter of a sandboxed child (sandbox.c's
 * only; see sandbox.h for what each kind of job may do).
 */
#ifndef QP_SANDBOXFILTER_H
#define QP_SANDBOXFILTER_H

#include "sandbox.h"

/* The child's answer pipe: stderr is the other one it may write to. */
#define SANDBOX_ANSWER_FD	3

/* Load the filter of kind into this process: 0, or -1 with a message. */
int sandboxfilter_load(enum sandbox_kind kind);

#endif
