/*
 * sandboxfilter.c: the seccomp filters of sandbox.c's children (libseccomp),
 * one per kind of job; see sandboxfilter.h for what each kind may do.
 *
 * The default action kills the whole child (SCMP_ACT_KILL_PROCESS), and
 * so does a call through another ABI.  What is allowed was measured with
 * strace on children decoding every kind of input and running live
 * probes, in the normal and the AddressSanitizer build.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <seccomp.h>

#ifdef QP_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "base/err.h"
#include "base/lazylib.h"
#include "base/sandboxfilter.h"

/* The ASan runtime makes system calls of its own in the child. */
#if defined(__SANITIZE_ADDRESS__)
#define QP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QP_ASAN 1
#endif
#endif

int
sandbox_filter_active(void)
{
#ifdef QP_HAVE_VALGRIND_H
	return !RUNNING_ON_VALGRIND;
#else
	return 1;
#endif
}

/* libseccomp, opened before the first child forks (base/lazylib.h). */
static struct {
	__typeof__(seccomp_init)	*seccomp_init;
	__typeof__(seccomp_attr_set)	*seccomp_attr_set;
	__typeof__(seccomp_rule_add)	*seccomp_rule_add;
	__typeof__(seccomp_load)	*seccomp_load;
	__typeof__(seccomp_release)	*seccomp_release;
} libseccomp;

static const struct lazylib_fn libseccomp_fns[] = {
	LAZYLIB_FN(libseccomp.seccomp_init, seccomp_init),
	LAZYLIB_FN(libseccomp.seccomp_attr_set, seccomp_attr_set),
	LAZYLIB_FN(libseccomp.seccomp_rule_add, seccomp_rule_add),
	LAZYLIB_FN(libseccomp.seccomp_load, seccomp_load),
	LAZYLIB_FN(libseccomp.seccomp_release, seccomp_release),
};

static struct lazylib libseccomp_lib = {
	"libseccomp.so.2", "libseccomp2", libseccomp_fns,
	sizeof(libseccomp_fns) / sizeof(libseccomp_fns[0]), 0
};

/* Below, each call goes through the table. */
#define seccomp_init	(*libseccomp.seccomp_init)
#define seccomp_attr_set	(*libseccomp.seccomp_attr_set)
#define seccomp_rule_add	(*libseccomp.seccomp_rule_add)
#define seccomp_load	(*libseccomp.seccomp_load)
#define seccomp_release	(*libseccomp.seccomp_release)

int
sandboxfilter_prepare(struct err *err)
{
	if (!sandbox_filter_active())
		return 0;
	return lazylib_load(&libseccomp_lib, err);
}

/* Argument n equals v (libseccomp's SCMP_An macros leave datum_b out). */
static struct scmp_arg_cmp
arg_eq(unsigned int n, scmp_datum_t v)
{
	struct scmp_arg_cmp c = { n, SCMP_CMP_EQ, v, 0 };

	return c;
}

/* Argument n with mask applied equals v. */
static struct scmp_arg_cmp
arg_masked(unsigned int n, scmp_datum_t mask, scmp_datum_t v)
{
	struct scmp_arg_cmp c = { n, SCMP_CMP_MASKED_EQ, mask, v };

	return c;
}

/*
 * What every job may do: each call below was seen in strace of a child
 * (decoding every kind of input, a live probe), or is the fallback of one
 * that was (the clock outside the vDSO).
 */
static const int base_calls[] = {
	SCMP_SYS(brk),		/* malloc */
	SCMP_SYS(munmap),	/* free of a large block */
	SCMP_SYS(mremap),	/* realloc of a large block (OpenSSL buffers) */
	SCMP_SYS(futex),	/* pthread_once in OpenSSL's first calls */
	SCMP_SYS(getrandom),	/* OpenSSL's generator reseeds after fork */
	SCMP_SYS(getpid),	/* OpenSSL's fork check; abort() */
	SCMP_SYS(gettid),	/* abort() */
	SCMP_SYS(rt_sigprocmask),	/* abort() */
	SCMP_SYS(clock_gettime),	/* deadlines; time() and */
	SCMP_SYS(gettimeofday),	/* OpenSSL's clock, when the vDSO */
	SCMP_SYS(time),		/* cannot answer */
	SCMP_SYS(exit_group),	/* _exit() */
#ifdef QP_ASAN
	/* The sanitizer runtime: its signal stack, checked at every
	 * interceptor; its shadow of a large block (scrypt's 16 MiB). */
	SCMP_SYS(sigaltstack), SCMP_SYS(madvise),
#endif
};

/* And with SANDBOX_NET: TCP to the addresses the parent resolved. */
static const int net_calls[] = {
	SCMP_SYS(connect), SCMP_SYS(getsockopt),	/* SO_ERROR */
	SCMP_SYS(poll),		/* every wait, with the step's deadline */
	SCMP_SYS(read), SCMP_SYS(recvfrom),	/* OpenSSL reads, recv() */
	SCMP_SYS(sendto),	/* send() */
	SCMP_SYS(close),	/* the socket of an address that failed */
	SCMP_SYS(rt_sigaction),	/* SIGPIPE ignored */
};

static int
allow_calls(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	return rc;
}

/* The calls allowed with some arguments only. */
static int
allow_some(scmp_filter_ctx ctx, enum sandbox_kind kind)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i;
	int rc;

	/* Mappings for malloc, never executable ones. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    arg_masked(2, PROT_EXEC, 0));
	/* abort() (a failed assertion, OPENSSL_die) ends the child with
	 * SIGABRT, which names the failure better than SIGSYS would. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2,
		    arg_eq(0, (scmp_datum_t)getpid()), arg_eq(2, SIGABRT));
#ifdef QP_ASAN
	/*
	 * A sanitizer report asks whether stderr is a terminal (colours).
	 * Its stack trace would then read /proc/self/maps, which the filter
	 * does not allow: the child dies by SIGSYS after the report's first
	 * lines (the error and its address), which reach stderr.  The fuzz
	 * targets run the decoders in-process, with whole reports.
	 */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
		    arg_eq(0, STDERR_FILENO), arg_eq(1, TCGETS));
#endif
	if (kind == SANDBOX_DECODE) {
		/* The answer and warnings: its two pipes, nothing else. */
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(write), 1, arg_eq(0, STDERR_FILENO));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(write), 1, arg_eq(0, SANDBOX_ANSWER_FD));
		return rc;
	}
	/* The pipes and its sockets, whose numbers are not known yet. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0);
	/* TCP over IPv4 or IPv6 only; the type carries SOCK_NONBLOCK and
	 * SOCK_CLOEXEC in its high bits. */
	for (i = 0; i < sizeof(families) / sizeof(families[0]) && rc == 0;
	    i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
		    arg_eq(0, (scmp_datum_t)families[i]),
		    arg_masked(1, 0xf, SOCK_STREAM));
	return rc;
}

int
sandboxfilter_load(enum sandbox_kind kind, struct err *err)
{
	scmp_filter_ctx ctx;
	int rc;

	if (sandboxfilter_prepare(err) == -1)
		return -1;
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return err_set(err, EX_SOFTWARE, "cannot make a seccomp "
		    "filter");
	/* A call through another ABI (i386, x32) is killed too. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = allow_calls(ctx, base_calls,
		    sizeof(base_calls) / sizeof(base_calls[0]));
	if (rc == 0 && kind == SANDBOX_NET)
		rc = allow_calls(ctx, net_calls,
		    sizeof(net_calls) / sizeof(net_calls[0]));
	if (rc == 0)
		rc = allow_some(ctx, kind);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return err_set(err, EX_SOFTWARE, "cannot load the seccomp "
		    "filter: %s", strerror(-rc));
	return 0;
}
