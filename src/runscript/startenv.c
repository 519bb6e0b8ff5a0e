/*
 * startenv.c: the variables that matter on the way from a run script to
 * qmail-smtpd ($UID and $GID for tcpserver -U, $CERTFILE and $KEYFILE for
 * sslserver, $TLSCIPHERS for qmail-smtpd itself), as the script, env and
 * envdir set them.  An envdir's files
 * are read, never anything run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runscript/startenv.h"

const char *const env_names[NENV] = {
	"UID", "GID", "CERTFILE", "KEYFILE", "TLSCIPHERS"
};

/* What the script exports of these variables; the rest is inherited. */
void
env_init(struct envslot *env, const struct rs_command *cmd)
{
	const struct rs_var *v;
	struct envslot *e;
	size_t i, k;

	for (k = 0; k < NENV; k++)
		env[k].state = ENV_INHERITED;
	for (i = 0; i < cmd->nenv; i++) {
		v = &cmd->env[i];
		for (k = 0; k < NENV; k++) {
			if (strcmp(v->name, env_names[k]) != 0)
				continue;
			e = &env[k];
			if (v->value == NULL)
				e->state = ENV_UNSET;
			else if (v->unknown) {
				e->state = ENV_UNKNOWN;
				snprintf(e->why, sizeof(e->why), "%s",
				    v->why ? v->why : "not known");
			} else {
				e->state = ENV_SET;
				snprintf(e->value, sizeof(e->value), "%s",
				    v->value);
			}
		}
	}
}

struct envslot *
env_slot(struct envslot *env, const char *name, size_t n)
{
	size_t k;

	for (k = 0; k < NENV; k++)
		if (strlen(env_names[k]) == n &&
		    strncmp(env_names[k], name, n) == 0)
			return &env[k];
	return NULL;
}

void
env_set(struct envslot *e, const char *value)
{
	e->state = ENV_SET;
	snprintf(e->value, sizeof(e->value), "%s", value);
}

void
env_unknown(struct envslot *e, const char *fmt, ...)
{
	va_list ap;

	e->state = ENV_UNKNOWN;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

/* One file of an envdir, as envdir(8) reads it: the first line, trailing
 * blanks removed, NUL bytes as newlines; an empty file removes the name. */
static void
envdir_file(int dfd, const char *dir, struct envslot *e, const char *name)
{
	char buf[sizeof(e->value)];
	struct stat before, st;
	ssize_t n;
	size_t i;
	int fd;

	/* The type before the open: a link to a device is not opened. */
	if (fstatat(dfd, name, &before, 0) == -1) {
		if (errno != ENOENT)
			env_unknown(e, "envdir %s: cannot read %s: %s", dir,
			    name, strerror(errno));
		return;
	}
	if (!S_ISREG(before.st_mode)) {
		env_unknown(e, "envdir %s: %s is not a regular file", dir,
		    name);
		return;
	}
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		if (errno != ENOENT)
			env_unknown(e, "envdir %s: cannot read %s: %s", dir,
			    name, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
		env_unknown(e, "envdir %s: %s changed while it was read", dir,
		    name);
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		env_unknown(e, "envdir %s: cannot read %s", dir, name);
		return;
	}
	if (st.st_size == 0) {
		e->state = ENV_UNSET;
		return;
	}
	for (i = 0; i < (size_t)n && buf[i] != '\n'; i++)
		if (buf[i] == '\0')
			buf[i] = '\n';
	while (i > 0 && (buf[i - 1] == ' ' || buf[i - 1] == '\t'))
		i--;
	buf[i] = '\0';
	env_set(e, buf);
}

int
env_read_dir(struct envslot *env, const struct rs_word *w,
    const char *service_dir, char *why, size_t size)
{
	char path[4096];
	size_t k;
	int dfd;

	if (w == NULL || w->unknown) {
		for (k = 0; k < NENV; k++)
			env_unknown(&env[k], "the envdir %s is not known",
			    w ? w->text : "");
		snprintf(why, size, "envdir %.80s is not known",
		    w ? w->text : "");
		return -1;
	}
	if (w->text[0] == '/' || service_dir == NULL)
		snprintf(path, sizeof(path), "%s", w->text);
	else if ((size_t)snprintf(path, sizeof(path), "%s/%s", service_dir,
	    w->text) >= sizeof(path))
		path[0] = '\0';
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(why, size, "envdir %.80s cannot be read (%s): envdir "
		    "would fail", w->text, strerror(errno));
		return -1;
	}
	for (k = 0; k < NENV; k++)
		envdir_file(dfd, w->text, &env[k], env_names[k]);
	close(dfd);
	return 0;
}

size_t
env_command(struct envslot *env, const struct rs_command *cmd, size_t i)
{
	const struct rs_word *w;
	struct envslot *e;
	const char *eq;
	size_t k;

	for (i++; i < cmd->nwords; i++) {
		w = &cmd->words[i];
		eq = strchr(w->text, '=');
		if (!strcmp(w->text, "-") || !strcmp(w->text, "-i") ||
		    !strcmp(w->text, "--ignore-environment")) {
			for (k = 0; k < NENV; k++)
				env[k].state = ENV_UNSET;
		} else if (!strcmp(w->text, "-u") && i + 1 < cmd->nwords) {
			i++;
			e = env_slot(env, cmd->words[i].text,
			    cmd->words[i].len);
			if (e != NULL)
				e->state = ENV_UNSET;
		} else if (!strcmp(w->text, "-C") || !strcmp(w->text, "-S"))
			i++;
		else if (!strcmp(w->text, "--")) {
			i++;
			break;
		} else if (w->text[0] == '-')
			continue;
		else if (eq != NULL && (!w->unknown ||
		    (size_t)(eq - w->text) < w->known_from)) {
			e = env_slot(env, w->text, (size_t)(eq - w->text));
			if (e != NULL && w->unknown)
				env_unknown(e, "%s", w->why);
			else if (e != NULL)
				env_set(e, eq + 1);
		} else
			break;
	}
	return i;
}
