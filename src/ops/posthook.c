/* posthook.c: run --post-hook after a successful replacement. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/err.h"
#include "ops/posthook.h"

extern char **environ;

static int
is_ours(const char *entry)
{
	return strncmp(entry, "QMAIL_PEM_DIR=", 14) == 0 ||
	    strncmp(entry, "QMAIL_PEM_CHANGED=", 18) == 0;
}

/* Our environment without stale QMAIL_PEM_* entries, plus the two new
 * ones; built before fork so the child only calls async-signal-safe
 * functions. */
static char **
hook_environment(const char *dir, const char *changed, char **vars)
{
	char **env;
	size_t n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 3, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!is_ours(environ[i]))
			env[j++] = environ[i];
	if (asprintf(&vars[0], "QMAIL_PEM_DIR=%s", dir) == -1) {
		vars[0] = NULL;
		free(env);
		return NULL;
	}
	if (asprintf(&vars[1], "QMAIL_PEM_CHANGED=%s", changed) == -1) {
		vars[1] = NULL;
		free(vars[0]);
		free(env);
		return NULL;
	}
	env[j++] = vars[0];
	env[j++] = vars[1];
	env[j] = NULL;
	return env;
}

static void
child(const char *cmd, char **env)
{
	static const char fail[] = "qmail-pem: cannot start the post-hook\n";
	struct sigaction dfl;
	int fd;

	/* Nothing the hook runs gains privileges through set-id bits or
	 * file capabilities. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		goto fail;
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
		goto fail;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	(void)sigaction(SIGPIPE, &dfl, NULL);
	execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
fail:
	(void)!write(STDERR_FILENO, fail, sizeof(fail) - 1);
	_exit(127);
}

int
posthook_run(const char *cmd, const char *dir, const char *changed,
    struct err *err)
{
	char *vars[2] = { NULL, NULL }, **env;
	pid_t pid;
	int status, rc = -1;

	if ((env = hook_environment(dir, changed, vars)) == NULL)
		return err_set(err, EX_OSERR, "out of memory starting the "
		    "post-hook; the new files are in place");
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		err_set(err, EX_OSERR, "cannot start the post-hook '%s': %s; "
		    "the new files are in place", cmd, strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(cmd, env);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			err_set(err, EX_OSERR, "cannot wait for the post-hook "
			    "'%s': %s; the new files are in place", cmd,
			    strerror(errno));
			goto out;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else if (WIFSIGNALED(status))
		err_set(err, EX_UNAVAILABLE, "the post-hook '%s' was killed by "
		    "signal %d; the new files are in place and stay: fix the "
		    "hook and run it by hand", cmd, WTERMSIG(status));
	else
		err_set(err, EX_UNAVAILABLE, "the post-hook '%s' failed with "
		    "exit status %d; the new files are in place and stay: fix "
		    "the hook and run it by hand", cmd, WEXITSTATUS(status));
out:
	free(vars[0]);
	free(vars[1]);
	free(env);
	return rc;
}

int
posthook_after(const struct common_opts *c, const char *changed,
    struct err *err)
{
	if (changed[0] == '\0' || c->post_hook == NULL || c->dry_run)
		return 0;
	fflush(stdout);
	return posthook_run(c->post_hook, c->dir, changed, err);
}
