/*
 * unit_privs.c: privs_harden_process() and privs_limit().
 *
 * Each case runs in a forked child: capabilities dropped cannot be taken
 * back, and the test process keeps its own.  Run as root (CTest does), so
 * that there is something to drop.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sys/capability.h>

#include "base/err.h"
#include "base/privs.h"

/* What the last call that failed recorded. */
static struct err err;

/* Run fn in a child; its exit status 0 means it passed. */
static void
in_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int
harden(void *arg)
{
	struct rlimit rl;
	mode_t old;

	(void)arg;
	umask(022);
	privs_harden_process();
	old = umask(0);
	if (old != 077) {
		fprintf(stderr, "umask %03o, want 077\n", (unsigned)old);
		return 1;
	}
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0) {
		fprintf(stderr, "RLIMIT_CORE not 0\n");
		return 1;
	}
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fprintf(stderr, "still dumpable\n");
		return 1;
	}
	return 0;
}

static void
test_harden(void **state)
{
	(void)state;
	in_child(harden, NULL);
}

/* The capability text of the process, e.g. "cap_chown,cap_fowner=ep". */
static int
caps_are(const char *want)
{
	cap_t caps;
	char *text;
	int ok;

	if ((caps = cap_get_proc()) == NULL ||
	    (text = cap_to_text(caps, NULL)) == NULL)
		return 0;
	ok = strcmp(text, want) == 0;
	if (!ok)
		fprintf(stderr, "capabilities '%s', want '%s'\n", text, want);
	cap_free(text);
	cap_free(caps);
	return ok;
}

/* No capability outside names is in the effective or permitted set. */
static int
gained_none(const char *names)
{
	cap_flag_value_t e, p;
	cap_value_t v;
	cap_t caps;
	char *name;
	int ok = 1;

	if ((caps = cap_get_proc()) == NULL)
		return 0;
	for (v = 0; v <= CAP_LAST_CAP; v++) {
		if (cap_get_flag(caps, v, CAP_EFFECTIVE, &e) == -1 ||
		    cap_get_flag(caps, v, CAP_PERMITTED, &p) == -1 ||
		    (name = cap_to_name(v)) == NULL) {
			ok = 0;
			break;
		}
		if ((e == CAP_SET || p == CAP_SET) &&
		    (*names == '\0' || strstr(names, name) == NULL)) {
			fprintf(stderr, "%s gained back\n", name);
			ok = 0;
		}
		cap_free(name);
	}
	cap_free(caps);
	return ok;
}

struct limit_case {
	enum privs_set	 set;
	const char	*text;		/* cap_to_text() after privs_limit() */
};

static int
limit(void *arg)
{
	const struct limit_case *c = arg;
	cap_value_t v;
	const char *names;
	char *name;
	int bounded;

	if (privs_limit(c->set, &err) == -1 || !caps_are(c->text))
		return 1;
	/* The bounding set holds exactly the same capabilities. */
	names = privs_set_names(c->set);
	for (v = 0; v <= CAP_LAST_CAP; v++) {
		if ((name = cap_to_name(v)) == NULL)
			return 1;
		bounded = cap_get_bound(v) == 1;
		if (bounded != (strstr(names, name) != NULL &&
		    *names != '\0')) {
			fprintf(stderr, "%s %s the bounding set\n", name,
			    bounded ? "still in" : "not in");
			cap_free(name);
			return 1;
		}
		cap_free(name);
	}
	/* Nothing is gained back by a second call with more. */
	if (privs_limit(PRIVS_PROBE_OUTPUT, &err) == -1)
		return 1;
	return gained_none(names) ? 0 : 1;
}

static void
test_limit(void **state)
{
	static const struct limit_case cases[] = {
		{ PRIVS_NONE, "=" },
		{ PRIVS_READ, "cap_dac_read_search=ep" },
		{ PRIVS_WRITE, "cap_chown,cap_dac_read_search,cap_fowner=ep" },
		{ PRIVS_WRITE_HOOK,
		    "cap_chown,cap_dac_read_search,cap_fowner,cap_kill=ep" },
		{ PRIVS_PROBE,
		    "cap_dac_read_search,cap_setgid,cap_setuid=ep" },
		{ PRIVS_PROBE_OUTPUT, "cap_dac_override,cap_dac_read_search,"
		    "cap_setgid,cap_setuid=ep" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		in_child(limit, (void *)&cases[i]);
}

static int
no_new_privs(void *arg)
{
	(void)arg;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return 1;
	if (privs_no_new_privs(&err) == -1)
		return 1;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
}

static void
test_no_new_privs(void **state)
{
	(void)state;
	in_child(no_new_privs, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harden),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_no_new_privs),
	};
	cap_t caps;
	cap_flag_value_t v = CAP_CLEAR;

	/* Without CAP_SETPCAP there is nothing to drop: say so, fail. */
	if ((caps = cap_get_proc()) == NULL ||
	    cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &v) == -1 ||
	    v != CAP_SET) {
		fprintf(stderr, "unit_privs must run as root with all "
		    "capabilities (as CTest runs it)\n");
		return 1;
	}
	cap_free(caps);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
