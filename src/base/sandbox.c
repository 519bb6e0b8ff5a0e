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
#include <sys/prctl.h>
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

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "base/sandbox.h"
#include "base/sandboxfilter.h"

#define SANDBOX_MAGIC	0x42535051u	/* "QPSB" */
#define MAX_STDERR	(64 * 1024)	/* more is read and dropped */
#define FRAME_OVERHEAD	4096		/* magic, status, message */

int
sandbox_prepare(struct err *err)
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
		return err_set_ssl(err, EX_SOFTWARE, "OpenSSL cannot start");
	/* The default provider is activated on the first fetch. */
	if ((md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return err_set_ssl(err, EX_SOFTWARE, "OpenSSL has no SHA-256");
	EVP_MD_free(md);
	/* The generators are made and seeded on first use; a child reseeds
	 * them (getrandom) but opens no device. */
	if (RAND_bytes(&byte, 1) != 1 || RAND_priv_bytes(&byte, 1) != 1)
		return err_set_ssl(err, EX_SOFTWARE, "OpenSSL's random "
		    "generator cannot be seeded");
	/* strftime() and mktime() read /etc/localtime on first use. */
	tzset();
	ERR_clear_error();
	if (sandboxfilter_prepare(err) == -1)
		return -1;
	done = 1;
	return 0;
}

/* --- the child ---------------------------------------------------------- */

/*
 * stdin and stdout on /dev/null (a stray write there is killed, and a
 * socket cannot get their numbers), stderr and the answer on their pipes,
 * nothing else open: no descriptor of the parent's, such as the control
 * directory's, reaches the child.  Each is moved above 3 first, so that
 * no dup2() overwrites another still to be placed.
 */
static int
child_fds(int null_fd, int err_fd, int answer_fd, struct err *err)
{
	int n, e, a;

	if ((n = fcntl(null_fd, F_DUPFD, 10)) == -1 ||
	    (e = fcntl(err_fd, F_DUPFD, 10)) == -1 ||
	    (a = fcntl(answer_fd, F_DUPFD, 10)) == -1)
		return err_set(err, EX_OSERR, "fcntl: %s", strerror(errno));
	if (dup2(n, STDIN_FILENO) == -1 || dup2(n, STDOUT_FILENO) == -1 ||
	    dup2(e, STDERR_FILENO) == -1 || dup2(a, SANDBOX_ANSWER_FD) == -1)
		return err_set(err, EX_OSERR, "dup2: %s", strerror(errno));
	if (close_range(SANDBOX_ANSWER_FD + 1, ~0U, 0) == -1)
		return err_set(err, EX_OSERR, "close_range: %s",
		    strerror(errno));
	return 0;
}

static int
confine(const struct sandbox_job *job, struct err *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		return err_set(err, EX_OSERR, "prctl: %s", strerror(errno));
	if (privs_limit(PRIVS_NONE, err) == -1 ||
	    privs_no_new_privs(err) == -1)
		return -1;
	if (sandbox_filter_active() &&
	    sandboxfilter_load(job->kind, err) == -1)
		return -1;
	return 0;
}

static int
selftest(enum sandbox_selftest t, struct err *err)
{
	long fd;

	if (t != SANDBOX_SELFTEST_FORBIDDEN)
		return 0;
	fd = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd >= 0)
		close((int)fd);
	return err_set(err, EX_SOFTWARE, "the forbidden system call openat "
	    "was not stopped (%s)", sandbox_filter_active() ? "the filter is "
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
frame(struct wire *f, int ok, const struct wire *answer,
    const struct err *e)
{
	if (wire_put_u32(f, SANDBOX_MAGIC) == -1)
		return -1;
	if (ok)
		return wire_put_u32(f, 0) == -1 ? -1 :
		    wire_put_bytes(f, answer->data, answer->len);
	return wire_put_u32(f, 1) == -1 ||
	    wire_put_u32(f, (uint32_t)err_status(e)) == -1 ||
	    wire_put_str(f, e->text) == -1 ||
	    wire_put_str(f, e->ssl) == -1 ? -1 : 0;
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
	struct err e;
	int ok, st = 0;

	err_clear(&e);
	ERR_clear_error();
	wire_init(&out, job->max_answer);
	wire_init(&f, job->max_answer + FRAME_OVERHEAD);
	if (child_fds(null_fd, err_fd, answer_fd, &e) == -1 ||
	    confine(job, &e) == -1) {
		/* No answer pipe to trust: say it on stderr. */
		(void)err_print(&e);
		child_exit(EX_OSERR);
	}
	ok = selftest(job->selftest, &e) == 0 &&
	    job->run(job->arg, &out, &e) == 0;
	if (ok && out.failed) {
		err_set(&e, EX_SOFTWARE, "the answer is longer than %zu bytes",
		    job->max_answer);
		ok = 0;
	}
	if (frame(&f, ok, &out, &e) == -1 ||
	    write_all(SANDBOX_ANSWER_FD, f.data, f.len) == -1)
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
	struct err	*error;	/* the caller's */
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
			err_set(r->error, EX_SOFTWARE, "%s: the sandboxed "
			    "child answered more than %zu bytes: stopped it",
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
			return err_set(r->error, EX_SOFTWARE, "%s: the "
			    "sandboxed child did not finish within %d s: "
			    "stopped it",
			    r->job->what, r->job->timeout);
		}
		n = poll(pfd, 2, left > 60000 ? 60000 : (int)left);
		if (n == -1 && errno != EINTR)
			return err_set(r->error, EX_OSERR, "poll: %s",
			    strerror(errno));
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
	/* The child is ending: its pipes close as it exits.  Look again
	 * after 0.1 ms, then less often, up to every 10 ms. */
	struct timespec pause = { 0, 100 * 1000 };
	int late = 0;
	pid_t got;

	for (;;) {
		got = waitpid(r->pid, status, r->killed ? 0 : WNOHANG);
		if (got == r->pid)
			break;
		if (got == -1 && errno != EINTR) {
			stop_child(r);
			return err_set(r->error, EX_OSERR, "%s: waitpid: %s",
			    r->job->what, strerror(errno));
		}
		if (got == 0 && now_ms() >= deadline) {
			stop_child(r);
			late = 1;
		} else if (got == 0) {
			nanosleep(&pause, NULL);
			if (pause.tv_nsec < 10 * 1000 * 1000)
				pause.tv_nsec *= 2;
		}
	}
	if (late)
		return err_set(r->error, EX_SOFTWARE, "%s: the sandboxed child "
		    "did not finish within %d s: stopped it", r->job->what,
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
		return err_set(r->error, EX_SOFTWARE, "%s: the sandboxed child "
		    "failed (exit status %d)", what, WEXITSTATUS(status));
	sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (sig == SIGSYS)
		return err_set(r->error, EX_SOFTWARE, "%s: the sandboxed child "
		    "was killed by SIGSYS: it made a system call its seccomp "
		    "filter does not allow (the kernel log names it: audit "
		    "type=1326 ... syscall=N); this is a bug in qmail-pem, "
		    "please report it", what);
	return err_set(r->error, EX_SOFTWARE, "%s: the sandboxed child was "
	    "killed by signal %d (SIG%s)", what, sig, sigabbrev_np(sig) ?
	    sigabbrev_np(sig) : "?");
}

/*
 * The job's message, recorded in the caller's err as the child had it
 * (made printable again: it comes from the child).
 */
static int
carry(struct err *err, int status, const char *text, const char *ssl)
{
	err_set(err, status, "%s", text);
	snprintf(err->ssl, sizeof(err->ssl), "%s", ssl);
	msg_printable(err->ssl);
	return -1;
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
			return carry(r->error, (int)status, text, ssl);
	}
	return err_set(r->error, EX_SOFTWARE, "%s: the sandboxed child's "
	    "answer is malformed", r->job->what);
}

/* The pipes and /dev/null, close-on-exec in the parent. */
static int
open_fds(int answer[2], int errpipe[2], int *null_fd, struct err *err)
{
	answer[0] = answer[1] = errpipe[0] = errpipe[1] = -1;
	if (pipe2(answer, O_CLOEXEC) == -1 ||
	    pipe2(errpipe, O_CLOEXEC) == -1 ||
	    (*null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return err_set(err, EX_OSERR, "cannot make the pipes of a "
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
sandbox_run(const struct sandbox_job *job, struct wire *answer,
    struct err *err)
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
	if (sandbox_prepare(err) == -1)
		return -1;
	if (open_fds(afd, efd, &null_fd, err) == -1)
		goto out;
	/* Nothing buffered may be written twice, by the child too. */
	fflush(NULL);
	deadline = now_ms() + (long long)job->timeout * 1000;
	if ((pid = fork()) == -1) {
		err_set(err, EX_OSERR, "%s: cannot start a child: %s",
		    job->what, strerror(errno));
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
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	r->job = job;
	r->frame = &frame;
	r->pid = pid;
	r->error = err;
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
