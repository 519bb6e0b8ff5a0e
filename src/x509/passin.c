/* passin.c: passwords from env:, file:, fd:, stdin and pass:, as -passin. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "base/secret.h"
#include "fs/readfile.h"
#include "x509/passin.h"

int
passin_parse(const char *arg, struct passin *p, struct err *err)
{
	static const char *const kinds[] = { "env", "file", "fd", "pass" };
	const char *colon = strchr(arg, ':');
	size_t i, n;
	char *end;
	long fd;

	memset(p, 0, sizeof(*p));
	if (strcmp(arg, "stdin") == 0) {
		snprintf(p->spec, sizeof(p->spec), "stdin");
		snprintf(p->shown, sizeof(p->shown), "stdin");
		return 0;
	}
	n = colon ? (size_t)(colon - arg) : 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (colon && strlen(kinds[i]) == n &&
		    strncmp(arg, kinds[i], n) == 0)
			break;
	/* Not even a part of the argument is shown: it may be the password
	 * itself, typed without its pass: prefix. */
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return err_set(err, EX_USAGE, "--passin takes env:VAR, "
		    "file:PATH, fd:N, stdin or pass:PASSWORD; the argument "
		    "given starts with none of these (it is not shown: it may "
		    "be a password)");
	snprintf(p->spec, sizeof(p->spec), "%s", kinds[i]);
	p->arg = colon + 1;
	if (strcmp(p->spec, "pass") == 0) {
		snprintf(p->shown, sizeof(p->shown), "pass:...");
		return 0;
	}
	if (*p->arg == '\0')
		return err_set(err, EX_USAGE, "--passin %s: needs %s after the "
		    "colon", p->spec, strcmp(p->spec, "env") == 0 ?
		    "a variable name" : strcmp(p->spec, "file") == 0 ?
		    "a path" : "a descriptor number");
	if (strcmp(p->spec, "fd") == 0) {
		errno = 0;
		fd = strtol(p->arg, &end, 10);
		if (errno || *end || fd < 0 || fd > INT_MAX)
			return err_set(err, EX_USAGE, "--passin fd:%s: not a "
			    "file descriptor number", p->arg);
	}
	snprintf(p->shown, sizeof(p->shown), "%s:%s", p->spec, p->arg);
	return 0;
}

/* Keep the first line of src (without its newline) as the password. */
static int
keep_first_line(struct passin *p, const char *src, size_t len, struct err *err)
{
	const char *nl = memchr(src, '\n', len);

	if (nl)
		len = (size_t)(nl - src);
	if (len > 0 && src[len - 1] == '\r')
		len--;
	return passin_set(p, src, len, err);
}

/* The first line of a descriptor, read a byte at a time so that nothing
 * after it is consumed. */
static int
read_fd_line(struct passin *p, int fd, struct err *err)
{
	char buf[PASSIN_MAX + 1];
	size_t used = 0;
	ssize_t n;
	int rc;

	for (;;) {
		n = read(fd, buf + used, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = err_set(err,
			    errno == EBADF ? EX_NOINPUT : EX_IOERR,
			    "cannot read the password from --passin %s: %s",
			    p->shown, strerror(errno));
			goto out;
		}
		if (n == 0 || buf[used] == '\n')
			break;
		if (++used > PASSIN_MAX) {
			rc = err_set(err, EX_DATAERR, "the password from "
			    "--passin %s is longer than %d bytes", p->shown,
			    PASSIN_MAX);
			goto out;
		}
	}
	rc = keep_first_line(p, buf, used, err);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int
passin_load(struct passin *p, struct err *err)
{
	char *data = NULL;
	size_t len = 0;
	const char *v;
	int rc;

	if (p->loaded)
		return 0;
	if (strcmp(p->spec, "pass") == 0)
		return passin_set(p, p->arg, strlen(p->arg), err);
	if (strcmp(p->spec, "env") == 0) {
		if ((v = getenv(p->arg)) == NULL)
			return err_set(err, EX_NOINPUT, "--passin env:%s: the "
			    "environment variable %s is not set", p->arg,
			    p->arg);
		return passin_set(p, v, strlen(v), err);
	}
	if (strcmp(p->spec, "stdin") == 0)
		return read_fd_line(p, STDIN_FILENO, err);
	if (strcmp(p->spec, "fd") == 0)
		return read_fd_line(p, atoi(p->arg), err);
	if (readfile_path(p->arg, &data, &len, err) == -1)
		return err_prefix(err, "--passin %s: ", p->shown);
	rc = keep_first_line(p, data, len, err);
	secret_free(data, len);
	return rc;
}

int
passin_set(struct passin *p, const char *pass, size_t len, struct err *err)
{
	if (len > PASSIN_MAX)
		return err_set(err, EX_DATAERR, "the password from --passin %s "
		    "is longer than %d bytes", p->shown, PASSIN_MAX);
	secret_free(p->pass, p->len);
	if ((p->pass = secret_copy(pass, len, err)) == NULL)
		return -1;
	p->len = len;
	p->loaded = 1;
	return 0;
}

void
passin_free(struct passin *p)
{
	secret_free(p->pass, p->len);
	p->pass = NULL;
	p->len = 0;
	p->loaded = 0;
}

int
passin_pem_cb(char *buf, int size, int rwflag, void *u)
{
	struct passin_use *use = u;
	(void)rwflag;

	use->asked = 1;
	if (use->passin == NULL || size < 0)
		return -1;
	if (passin_load(use->passin, use->err) == -1) {
		use->failed = 1;
		return -1;
	}
	if (use->passin->len > (size_t)size)
		return -1;
	memcpy(buf, use->passin->pass, use->passin->len);
	return (int)use->passin->len;
}
