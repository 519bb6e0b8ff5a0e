/*
 * sandbox.c: a child with no capability and a seccomp filter, for parsing
 * what others wrote; see sandbox.h.
 *
 * The answer crosses the pipe in one frame:
 *
 *	u32 SANDBOX_MAGIC
 *	u32 0, bytes answer			the job ran
 *	u32 1, u32 status, str text, str ssl	the job failed with a message
 *
 * Anything else, or anything after it, is a malformed answer.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <seccomp.h>

#ifdef QP_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "msg.h"
#include "privs.h"
#include "sandbox.h"

#define SANDBOX_MAGIC	0x42535051u	/* "QPSB" */
#define ANSWER_FD	3
#define MAX_STDERR	(64 * 1024)	/* more is read and dropped */
#define FRAME_OVERHEAD	4096		/* magic, status, message */

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

int
sandbox_prepare(void)
{
	static int done;
	unsigned char byte;
	EVP_MD *md;

	if (done)
		return 0;
	/* openssl.cnf and the providers it activates (a filtered child
	 * opening it is killed), error strings, ciphers and digests. */
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_ADD_ALL_CIPHERS |
	    OPENSSL_INIT_ADD_ALL_DIGESTS, NULL) ||
	    !OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_LOAD_SSL_STRINGS, NULL))
		return msg_fail_ssl(EX_SOFTWARE, "OpenSSL cannot start");
	/* The default provider is activated on the first fetch. */
	if ((md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return msg_fail_ssl(EX_SOFTWARE, "OpenSSL has no SHA-256");
	EVP_MD_free(md);
	/* The generators are made and seeded on first use; a child reseeds
	 * them (getrandom) but opens no device. */
	if (RAND_bytes(&byte, 1) != 1 || RAND_priv_bytes(&byte, 1) != 1)
		return msg_fail_ssl(EX_SOFTWARE, "OpenSSL's random generator "
		    "cannot be seeded");
	/* strftime() and mktime() read /etc/localtime on first use. */
	tzset();
	ERR_clear_error();
	done = 1;
	return 0;
}

/* --- the child ---------------------------------------------------------- */

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
			    SCMP_SYS(write), 1, arg_eq(0, ANSWER_FD));
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

static int
load_filter(enum sandbox_kind kind)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return msg_fail(EX_SOFTWARE, "cannot make a seccomp filter");
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
		return msg_fail(EX_SOFTWARE, "cannot load the seccomp filter: "
		    "%s", strerror(-rc));
	return 0;
}

/*
 * stdin and stdout on /dev/null (a stray write there is killed, and a
 * socket cannot get their numbers), stderr and the answer on their pipes,
 * nothing else open: no descriptor of the parent's, such as the control
 * directory's, reaches the child.  Each is moved above 3 first, so that
 * no dup2() overwrites another still to be placed.
 */
static int
child_fds(int null_fd, int err_fd, int answer_fd)
{
	int n, e, a;

	if ((n = fcntl(null_fd, F_DUPFD, 10)) == -1 ||
	    (e = fcntl(err_fd, F_DUPFD, 10)) == -1 ||
	    (a = fcntl(answer_fd, F_DUPFD, 10)) == -1)
		return msg_fail(EX_OSERR, "fcntl: %s", strerror(errno));
	if (dup2(n, STDIN_FILENO) == -1 || dup2(n, STDOUT_FILENO) == -1 ||
	    dup2(e, STDERR_FILENO) == -1 || dup2(a, ANSWER_FD) == -1)
		return msg_fail(EX_OSERR, "dup2: %s", strerror(errno));
	if (close_range(ANSWER_FD + 1, ~0U, 0) == -1)
		return msg_fail(EX_OSERR, "close_range: %s", strerror(errno));
	return 0;
}

static int
confine(const struct sandbox_job *job)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		return msg_fail(EX_OSERR, "prctl: %s", strerror(errno));
	if (privs_limit(PRIVS_NONE) == -1 || privs_no_new_privs() == -1)
		return -1;
	if (sandbox_filter_active() && load_filter(job->kind) == -1)
		return -1;
	return 0;
}

static int
selftest(enum sandbox_selftest t)
{
	long fd;

	if (t != SANDBOX_SELFTEST_FORBIDDEN)
		return 0;
	fd = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd >= 0)
		close((int)fd);
	return msg_fail(EX_SOFTWARE, "the forbidden system call openat was "
	    "not stopped (%s)", sandbox_filter_active() ? "the filter is "
	    "loaded" : "no filter under valgrind");
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The frame of a job that ran (ok) or failed with a message. */
static int
frame(struct wire *f, int ok, const struct wire *answer)
{
	if (wire_put_u32(f, SANDBOX_MAGIC) == -1)
		return -1;
	if (ok)
		return wire_put_u32(f, 0) == -1 ? -1 :
		    wire_put_bytes(f, answer->data, answer->len);
	return wire_put_u32(f, 1) == -1 ||
	    wire_put_u32(f, (uint32_t)msg_status()) == -1 ||
	    wire_put_str(f, msg_error()) == -1 ||
	    wire_put_str(f, msg_error_ssl()) == -1 ? -1 : 0;
}

/* The end of a child: _exit(), never exit(). */
static void __attribute__((noreturn))
child_exit(int status)
{
	_exit(status);
}

static void __attribute__((noreturn))
child(const struct sandbox_job *job, int null_fd, int err_fd, int answer_fd)
{
	struct wire out, f;
	int ok, st = 0;

	msg_clear();
	ERR_clear_error();
	wire_init(&out, job->max_answer);
	wire_init(&f, job->max_answer + FRAME_OVERHEAD);
	if (child_fds(null_fd, err_fd, answer_fd) == -1 ||
	    confine(job) == -1) {
		/* No answer pipe to trust: say it on stderr. */
		msg_print_error();
		child_exit(EX_OSERR);
	}
	ok = selftest(job->selftest) == 0 && job->run(job->arg, &out) == 0;
	if (ok && out.failed) {
		msg_fail(EX_SOFTWARE, "the answer is longer than %zu bytes",
		    job->max_answer);
		ok = 0;
	}
	if (frame(&f, ok, &out) == -1 ||
	    write_all(ANSWER_FD, f.data, f.len) == -1)
		st = EX_IOERR;
	wire_free(&out);
	wire_free(&f);
	child_exit(st);
}

/* --- the parent --------------------------------------------------------- */

struct reading {
	const struct sandbox_job *job;
	pid_t		 pid;
	struct wire	*frame;
	char		 err[MAX_STDERR + 1];	/* + a NUL at the end */
	size_t		 errlen;
	int		 killed;	/* by us: out of time, too long */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
stop_child(struct reading *r)
{
	if (!r->killed)
		(void)kill(r->pid, SIGKILL);
	r->killed = 1;
}

/* One read from the answer (which) or stderr pipe: 0 more, 1 end. */
static int
read_some(struct reading *r, int fd, int which)
{
	unsigned char buf[16384];
	ssize_t n;
	size_t room;
	int rc = 0;

	if ((n = read(fd, buf, sizeof(buf))) == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (which == 0) {
		if (wire_put(r->frame, buf, (size_t)n) == -1) {
			msg_fail(EX_SOFTWARE, "%s: the sandboxed child "
			    "answered more than %zu bytes: stopped it",
			    r->job->what, r->job->max_answer);
			stop_child(r);
			rc = -1;
		}
	} else {
		room = MAX_STDERR - r->errlen;
		if ((size_t)n < room)
			room = (size_t)n;
		memcpy(r->err + r->errlen, buf, room);
		r->errlen += room;
	}
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* Read both pipes to their end, within the deadline. */
static int
read_pipes(struct reading *r, int answer_fd, int err_fd, long long deadline)
{
	struct pollfd pfd[2];
	long long left;
	int i, n, st;

	pfd[0].fd = answer_fd;
	pfd[1].fd = err_fd;
	pfd[0].events = pfd[1].events = POLLIN;
	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		if ((left = deadline - now_ms()) <= 0) {
			stop_child(r);
			return msg_fail(EX_SOFTWARE, "%s: the sandboxed child "
			    "did not finish within %d s: stopped it",
			    r->job->what, r->job->timeout);
		}
		n = poll(pfd, 2, left > 60000 ? 60000 : (int)left);
		if (n == -1 && errno != EINTR)
			return msg_fail(EX_OSERR, "poll: %s", strerror(errno));
		for (i = 0; n > 0 && i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((st = read_some(r, pfd[i].fd, i)) == -1)
				return -1;
			if (st == 1)
				pfd[i].fd = -1;
		}
	}
	return 0;
}

/*
 * Wait for the child (which closed its pipes, or was stopped), within the
 * deadline: -1 with a message when it had to be stopped here.
 */
static int
reap(struct reading *r, long long deadline, int *status)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	int late = 0;
	pid_t got;

	for (;;) {
		got = waitpid(r->pid, status, r->killed ? 0 : WNOHANG);
		if (got == r->pid)
			break;
		if (got == -1 && errno != EINTR) {
			stop_child(r);
			return msg_fail(EX_OSERR, "%s: waitpid: %s",
			    r->job->what, strerror(errno));
		}
		if (got == 0 && now_ms() >= deadline) {
			stop_child(r);
			late = 1;
		} else if (got == 0)
			nanosleep(&pause, NULL);
	}
	if (late)
		return msg_fail(EX_SOFTWARE, "%s: the sandboxed child did not "
		    "finish within %d s: stopped it", r->job->what,
		    r->job->timeout);
	return 0;
}

/* What the child wrote on stderr, line by line, made printable. */
static void
pass_on_stderr(struct reading *r)
{
	char *line = r->err, *nl, *end = r->err + r->errlen;

	if (r->errlen == 0)
		return;
	fflush(stdout);
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		*nl = '\0';	/* the buffer has room: see read_some() */
		msg_say(stderr, "", "%s", line);
		line = nl + 1;
	}
	if (r->errlen == MAX_STDERR)
		msg_say(stderr, "", "qmail-pem: (more output of the sandboxed "
		    "child left out)");
}

static int
judge_end(const struct reading *r, int status)
{
	const char *what = r->job->what;
	int sig;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return msg_fail(EX_SOFTWARE, "%s: the sandboxed child failed "
		    "(exit status %d)", what, WEXITSTATUS(status));
	sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (sig == SIGSYS)
		return msg_fail(EX_SOFTWARE, "%s: the sandboxed child was "
		    "killed by SIGSYS: it made a system call its seccomp "
		    "filter does not allow (the kernel log names it: audit "
		    "type=1326 ... syscall=N); this is a bug in qmail-pem, "
		    "please report it", what);
	return msg_fail(EX_SOFTWARE, "%s: the sandboxed child was killed by "
	    "signal %d (SIG%s)", what, sig, sigabbrev_np(sig) ?
	    sigabbrev_np(sig) : "?");
}

/* The frame: the job's answer, or its message recorded here. */
static int
unframe(const struct reading *r, struct wire *frame, struct wire *answer)
{
	char text[1024], ssl[1024];
	const unsigned char *p;
	uint32_t magic, kind, status;
	size_t len;

	if (wire_get_u32(frame, &magic) == 0 && magic == SANDBOX_MAGIC &&
	    wire_get_bounded(frame, 1, &kind) == 0) {
		if (kind == 0 && wire_get_bytes(frame, &p, &len) == 0 &&
		    wire_end(frame) == 0)
			return wire_put(answer, p, len);
		if (kind == 1 && wire_get_bounded(frame, 255, &status) == 0 &&
		    wire_get_str(frame, text, sizeof(text)) == 0 &&
		    wire_get_str(frame, ssl, sizeof(ssl)) == 0 &&
		    wire_end(frame) == 0)
			return msg_fail_carried((int)status, text, ssl);
	}
	return msg_fail(EX_SOFTWARE, "%s: the sandboxed child's answer is "
	    "malformed", r->job->what);
}

/* The pipes and /dev/null, close-on-exec in the parent. */
static int
open_fds(int answer[2], int err[2], int *null_fd)
{
	answer[0] = answer[1] = err[0] = err[1] = -1;
	if (pipe2(answer, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1 ||
	    (*null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return msg_fail(EX_OSERR, "cannot make the pipes of a "
		    "sandboxed child: %s", strerror(errno));
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

int
sandbox_run(const struct sandbox_job *job, struct wire *answer)
{
	struct reading *r = NULL;
	struct wire frame;
	int afd[2], efd[2], null_fd = -1, status = 0, rc = -1;
	long long deadline;
	pid_t pid;

	/*
	 * The child's heap is a copy of the parent's, and memcheck looks for
	 * pointers to it when the child ends: those the callers keep in
	 * registers go to this frame's stack now, or it would call their
	 * blocks lost.
	 */
	__builtin_unwind_init();
	wire_init(&frame, job->max_answer + FRAME_OVERHEAD);
	wire_free(answer);
	answer->max = job->max_answer;
	if (sandbox_prepare() == -1)
		return -1;
	if (open_fds(afd, efd, &null_fd) == -1)
		goto out;
	/* Nothing buffered may be written twice, by the child too. */
	fflush(NULL);
	deadline = now_ms() + (long long)job->timeout * 1000;
	if ((pid = fork()) == -1) {
		msg_fail(EX_OSERR, "%s: cannot start a child: %s", job->what,
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(job, null_fd, efd[1], afd[1]);
	close_fd(&afd[1]);
	close_fd(&efd[1]);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		msg_fail(EX_OSERR, "out of memory");
		goto out;
	}
	r->job = job;
	r->frame = &frame;
	r->pid = pid;
	msg_clear();
	rc = read_pipes(r, afd[0], efd[0], deadline);
	if (rc == 0)
		rc = reap(r, deadline, &status);
	else {	/* stopped, or the pipes failed: the message is recorded */
		stop_child(r);
		while (waitpid(r->pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	pass_on_stderr(r);
	if (rc == 0 && !r->killed)
		rc = judge_end(r, status);
	if (rc == 0)
		rc = unframe(r, &frame, answer);
out:
	close_fd(&afd[0]);
	close_fd(&afd[1]);
	close_fd(&efd[0]);
	close_fd(&efd[1]);
	close_fd(&null_fd);
	wire_free(&frame);
	if (rc == -1)
		wire_free(answer);
	if (r != NULL)
		explicit_bzero(r, sizeof(*r));
	free(r);
	return rc;
}
