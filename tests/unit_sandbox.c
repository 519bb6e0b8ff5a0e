/*
 * unit_sandbox.c: the sandboxed child of base/sandbox.c.
 *
 * The confinement is observed from outside, as an administrator would:
 * while the child runs its job (a loop that makes no system call), a
 * thread of the test reads /proc/CHILD/status and records its capability
 * sets, NoNewPrivs and Seccomp (2: a filter is loaded).  The child needs
 * no system call for that, so the filter is the one the command uses.
 * Run as root (CTest does): the test process then holds every capability,
 * so there is something to drop.  Under valgrind the filter is off (it
 * cannot be loaded there) and the test expects exactly that.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "base/sandbox.h"

/* --- what the child's /proc/PID/status says ------------------------------ */

struct seen {
	volatile int	*release;	/* shared with the child */
	pid_t		 parent;
	int		 found;
	char		 cap_inh[32], cap_prm[32], cap_eff[32], cap_bnd[32],
			 cap_amb[32];
	int		 no_new_privs, seccomp;
	char		 parent_eff[32], parent_bnd[32];
};

/*
 * Without malloc: the child is forked while this thread runs, and under
 * valgrind a block it had just allocated would be lost in the child.
 */
static ssize_t
read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static int
status_field(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64], text[4096], *p;
	size_t n = strlen(name);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, text, sizeof(text)) <= 0)
		return 0;
	for (p = text; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1 + strspn(p + n + 1, " \t");
			snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
			return 1;
		}
	return 0;
}

/* The child of pid parent, if one runs: /proc scanned with getdents64. */
static pid_t
find_child(pid_t parent)
{
	char dents[8192], path[64], stat[512], *p;
	struct dirent64 *de;
	pid_t found = 0;
	long n, off;
	int fd, ppid;

	if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	while (found == 0 &&
	    (n = syscall(SYS_getdents64, fd, dents, sizeof(dents))) > 0)
		for (off = 0; found == 0 && off < n; off += de->d_reclen) {
			de = (struct dirent64 *)(dents + off);
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/stat",
			    de->d_name);
			/* pid (comm) state ppid: comm may hold ')'. */
			if (read_file(path, stat, sizeof(stat)) > 0 &&
			    (p = strrchr(stat, ')')) != NULL &&
			    sscanf(p + 1, " %*c %d", &ppid) == 1 &&
			    ppid == parent)
				found = atoi(de->d_name);
		}
	close(fd);
	return found;
}

static void *
observe(void *arg)
{
	struct seen *s = arg;
	char nnp[16], sec[16];
	pid_t pid = 0;
	int i;

	/* 20 s at most, in 2 ms steps: valgrind starts children slowly. */
	for (i = 0; i < 10000 && !s->found; i++) {
		struct timespec step = { 0, 2 * 1000 * 1000 };
		if (pid == 0)
			pid = find_child(s->parent);
		/* Confined: no_new_privs comes after the capabilities are
		 * gone, the filter after no_new_privs. */
		if (pid != 0 && status_field(pid, "NoNewPrivs", nnp,
		    sizeof(nnp)) && atoi(nnp) == 1 &&
		    status_field(pid, "Seccomp", sec, sizeof(sec)) &&
		    (atoi(sec) == 2 || !sandbox_filter_active())) {
			status_field(pid, "CapInh", s->cap_inh,
			    sizeof(s->cap_inh));
			status_field(pid, "CapPrm", s->cap_prm,
			    sizeof(s->cap_prm));
			status_field(pid, "CapEff", s->cap_eff,
			    sizeof(s->cap_eff));
			status_field(pid, "CapBnd", s->cap_bnd,
			    sizeof(s->cap_bnd));
			status_field(pid, "CapAmb", s->cap_amb,
			    sizeof(s->cap_amb));
			s->no_new_privs = atoi(nnp);
			s->seccomp = atoi(sec);
			s->found = 1;
		}
		nanosleep(&step, NULL);
	}
	*s->release = 1;
	return NULL;
}

/* The job: wait (no system call) until the test has looked, 30 s at most. */
static int
spin(void *arg, struct wire *out, struct err *err)
{
	volatile int *release = arg;
	struct timespec t0, t;
	(void)err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (!*release && t.tv_sec - t0.tv_sec < 30);
	return wire_put_str(out, "looked at");
}

/*
 * Run spin() in the sandbox while observe() looks at the child: 0 when
 * the child answered and was seen confined (s filled in), else -1 with a
 * line on stderr.  No cmocka assertion: a forked test process calls it.
 */
static int
look_at_child(struct seen *s, enum sandbox_kind kind)
{
	struct sandbox_job job = { "unit test", kind, 60, 64, spin, NULL,
	    SANDBOX_SELFTEST_NONE };
	struct wire answer;
	struct err err;
	pthread_t t;
	char text[32] = "";
	int rc;

	memset(s, 0, sizeof(*s));
	s->release = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->release == MAP_FAILED)
		return -1;
	*s->release = 0;
	s->parent = getpid();
	status_field(getpid(), "CapEff", s->parent_eff, sizeof(s->parent_eff));
	status_field(getpid(), "CapBnd", s->parent_bnd, sizeof(s->parent_bnd));
	job.arg = (void *)s->release;
	wire_init(&answer, 0);
	if (pthread_create(&t, NULL, observe, s) != 0)
		return -1;
	err_clear(&err);
	rc = sandbox_run(&job, &answer, &err);
	pthread_join(t, NULL);
	if (rc == -1)
		fprintf(stderr, "sandbox_run: %s\n", err.text);
	else if (wire_get_str(&answer, text, sizeof(text)) == -1 ||
	    strcmp(text, "looked at") != 0) {
		fprintf(stderr, "the child answered \"%s\"\n", text);
		rc = -1;
	} else if (!s->found) {
		fprintf(stderr, "the child was not seen confined\n");
		rc = -1;
	}
	wire_free(&answer);
	munmap((void *)s->release, sizeof(int));
	return rc;
}

static int
field_is(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return 1;
	fprintf(stderr, "%s: %s, want %s\n", name, got, want);
	return 0;
}

/* Every capability set empty (CapBnd aside), no_new_privs, the filter. */
static int
confined(const struct seen *s)
{
	static const char zero[] = "0000000000000000";
	char nnp[8], sec[8];

	snprintf(nnp, sizeof(nnp), "%d", s->no_new_privs);
	snprintf(sec, sizeof(sec), "%d", s->seccomp);
	return field_is("CapInh", s->cap_inh, zero) &
	    field_is("CapPrm", s->cap_prm, zero) &
	    field_is("CapEff", s->cap_eff, zero) &
	    field_is("CapAmb", s->cap_amb, zero) &
	    field_is("NoNewPrivs", nnp, "1") &
	    field_is("Seccomp", sec, sandbox_filter_active() ? "2" : "0");
}

/* The test process as root: every capability, CAP_SETPCAP among them. */
static void
test_confined_from_root(void **state)
{
	struct seen s;
	(void)state;

	if (geteuid() != 0)
		skip();
	assert_int_equal(look_at_child(&s, SANDBOX_DECODE), 0);
	assert_string_not_equal(s.parent_eff, "0000000000000000");
	assert_true(confined(&s));
	/* With CAP_SETPCAP the bounding set goes too. */
	assert_string_equal(s.cap_bnd, "0000000000000000");
	assert_int_equal(look_at_child(&s, SANDBOX_NET), 0);
	assert_true(confined(&s));
}

/*
 * As install runs it: the process already limited to PRIVS_WRITE (no
 * CAP_SETPCAP left, so the bounding set stays as it is); in a forked
 * process of the test, which cannot get its capabilities back.
 */
static void
test_confined_after_privs_limit(void **state)
{
	struct seen s;
	pid_t pid;
	int status;
	(void)state;

	if (geteuid() != 0)
		skip();
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct err err;

		/* cap_chown, cap_dac_read_search, cap_fowner: bits 0, 2, 3 */
		_exit(privs_limit(PRIVS_WRITE, &err) == -1 ||
		    look_at_child(&s, SANDBOX_DECODE) == -1 || !confined(&s) ||
		    !field_is("parent's CapEff", s.parent_eff,
		    "000000000000000d") ||
		    !field_is("CapBnd", s.cap_bnd, "000000000000000d"));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* --- the answer and the messages ----------------------------------------- */

static int
answer_hello(void *arg, struct wire *out, struct err *err)
{
	(void)arg;
	(void)err;
	return wire_put_str(out, "hello") == -1 ||
	    wire_put_u32(out, 4242) == -1 ? -1 : 0;
}

static void
test_answer(void **state)
{
	struct sandbox_job job = { "unit test", SANDBOX_DECODE, 60, 64,
	    answer_hello, NULL, SANDBOX_SELFTEST_NONE };
	struct wire answer;
	struct err err;
	char text[16];
	uint32_t n;
	(void)state;

	wire_init(&answer, 0);
	assert_int_equal(sandbox_run(&job, &answer, &err), 0);
	assert_int_equal(wire_get_str(&answer, text, sizeof(text)), 0);
	assert_string_equal(text, "hello");
	assert_int_equal(wire_get_u32(&answer, &n), 0);
	assert_int_equal(n, 4242);
	assert_int_equal(wire_end(&answer), 0);
	wire_free(&answer);
}

/* A message with OpenSSL's reasons, recorded in the child. */
static int
fail_with_ssl(void *arg, struct wire *out, struct err *err)
{
	EVP_PKEY *key;
	(void)arg;
	(void)out;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "NO-SUCH-ALGORITHM");
	EVP_PKEY_free(key);
	return err_set_ssl(err, EX_DATAERR, "made in the child: %s",
	    "\033[31m");
}

static void
test_message_carried(void **state)
{
	struct sandbox_job job = { "unit test", SANDBOX_DECODE, 60, 64,
	    fail_with_ssl, NULL, SANDBOX_SELFTEST_NONE };
	struct wire answer;
	struct err here, there;
	(void)state;

	/* The same, in this process. */
	msg_set_verbosity(MSG_VERBOSE);
	err_clear(&here);
	assert_int_equal(fail_with_ssl(NULL, NULL, &here), -1);
	assert_true(here.ssl[0] != '\0');

	err_clear(&there);
	wire_init(&answer, 0);
	assert_int_equal(sandbox_run(&job, &answer, &there), -1);
	assert_int_equal(there.status, here.status);
	assert_string_equal(there.text, here.text);
	assert_string_equal(there.ssl, here.ssl);
	assert_string_equal(there.text, "made in the child: ?[31m");
	assert_int_equal(answer.len, 0);
}

/* --- ways a child ends badly --------------------------------------------- */

/* The error of the last expect_failure(). */
static struct err last;

static void
expect_failure(const struct sandbox_job *job, const char *text)
{
	struct wire answer;

	err_clear(&last);
	wire_init(&answer, 0);
	assert_int_equal(sandbox_run(job, &answer, &last), -1);
	if (strstr(last.text, text) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", last.text, text);
	assert_int_equal(answer.len, 0);
}

static void
test_forbidden_syscall(void **state)
{
	struct sandbox_job job = { "decoding x.pem", SANDBOX_DECODE, 60, 64,
	    answer_hello, NULL, SANDBOX_SELFTEST_FORBIDDEN };
	(void)state;

	if (sandbox_filter_active()) {
		expect_failure(&job, "decoding x.pem: the sandboxed child was "
		    "killed by SIGSYS: it made a system call its seccomp "
		    "filter does not allow");
		assert_int_equal(err_status(&last), EX_SOFTWARE);
		job.kind = SANDBOX_NET;
		expect_failure(&job, "killed by SIGSYS");
	} else
		expect_failure(&job, "the forbidden system call openat was "
		    "not stopped (no filter under valgrind)");
}

/* A job that writes on stdout (/dev/null, which it may not write to). */
static int
write_stdout(void *arg, struct wire *out, struct err *err)
{
	(void)arg;
	(void)out;
	if (write(STDOUT_FILENO, "x", 1) != 1)
		return err_set(err, EX_IOERR, "write: %s", strerror(errno));
	return 0;
}

static void
test_write_elsewhere(void **state)
{
	struct sandbox_job job = { "decoding", SANDBOX_DECODE, 60, 64,
	    write_stdout, NULL, SANDBOX_SELFTEST_NONE };
	struct wire answer;
	struct err err;
	(void)state;

	if (!sandbox_filter_active())
		skip();
	expect_failure(&job, "killed by SIGSYS");
	/* A network job may write to any descriptor it has. */
	job.kind = SANDBOX_NET;
	wire_init(&answer, 0);
	assert_int_equal(sandbox_run(&job, &answer, &err), 0);
	wire_free(&answer);
}

static int
forever(void *arg, struct wire *out, struct err *err)
{
	static volatile int never;
	(void)arg;
	(void)err;
	(void)out;
	while (!never)
		;
	return 0;
}

static int
too_much(void *arg, struct wire *out, struct err *err)
{
	static char block[1000];
	int i;
	(void)arg;
	(void)err;

	for (i = 0; i < 100; i++)
		(void)wire_put(out, block, sizeof(block));
	return 0;
}

static int
aborts(void *arg, struct wire *out, struct err *err)
{
	(void)arg;
	(void)err;
	(void)out;
	abort();
}

static void
test_bad_ends(void **state)
{
	struct sandbox_job job = { "decoding", SANDBOX_DECODE, 1, 64,
	    forever, NULL, SANDBOX_SELFTEST_NONE };
	(void)state;

	expect_failure(&job, "decoding: the sandboxed child did not finish "
	    "within 1 s: stopped it");
	job.timeout = 60;
	job.run = too_much;
	expect_failure(&job, "the answer is longer than 64 bytes");
	job.run = aborts;
	expect_failure(&job, "the sandboxed child was killed by signal 6 "
	    "(SIGABRT)");
}

/* A warning the child prints reaches our stderr, once, printable. */
static int
warns(void *arg, struct wire *out, struct err *err)
{
	(void)arg;
	(void)err;
	(void)out;
	msg_warn("from the child: %s", "\033]0;title\007");
	return 0;
}

static void
test_warning_passed_on(void **state)
{
	struct sandbox_job job = { "decoding", SANDBOX_DECODE, 60, 64, warns,
	    NULL, SANDBOX_SELFTEST_NONE };
	struct wire answer;
	struct err err;
	char path[] = "/tmp/unit_sandbox.XXXXXX", buf[512];
	int fd, saved;
	ssize_t n;
	(void)state;

	msg_set_verbosity(MSG_NORMAL);
	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	wire_init(&answer, 0);
	assert_int_equal(sandbox_run(&job, &answer, &err), 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "qmail-pem: warning: from the child: "
	    "?]0;title?\n");
	wire_free(&answer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_message_carried),
		cmocka_unit_test(test_forbidden_syscall),
		cmocka_unit_test(test_write_elsewhere),
		cmocka_unit_test(test_bad_ends),
		cmocka_unit_test(test_warning_passed_on),
		cmocka_unit_test(test_confined_from_root),
		cmocka_unit_test(test_confined_after_privs_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
