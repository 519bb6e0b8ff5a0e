/* dirnames.c: names in a directory, picked and sorted (see dirnames.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "dirnames.h"
#include "msg.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
dirnames_list(int dirfd, const char *shown, int (*match)(const char *),
    size_t max, struct dirnames *out)
{
	struct dirent *de;
	size_t cap = 0;
	char **bigger;
	DIR *d = NULL;
	int fd, e;

	memset(out, 0, sizeof(*out));
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (d = fdopendir(fd)) == NULL) {
		e = errno;
		if (fd != -1)
			close(fd);
		return msg_fail(EX_NOINPUT, "cannot list %s: %s", shown,
		    strerror(e));
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (match != NULL && !match(de->d_name)))
			continue;
		if (out->n == max) {
			out->more++;
			continue;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((bigger = reallocarray(out->v, cap,
			    sizeof(*bigger))) == NULL)
				goto nomem;
			out->v = bigger;
		}
		if ((out->v[out->n] = strdup(de->d_name)) == NULL)
			goto nomem;
		out->n++;
	}
	e = errno;
	closedir(d);
	if (e != 0) {
		dirnames_free(out);
		return msg_fail(EX_IOERR, "cannot list %s: %s", shown,
		    strerror(e));
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_name);
	return 0;
nomem:
	closedir(d);
	dirnames_free(out);
	return msg_fail(EX_OSERR, "out of memory listing %s", shown);
}

void
dirnames_free(struct dirnames *names)
{
	size_t i;

	for (i = 0; names->v != NULL && i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	memset(names, 0, sizeof(*names));
}

static int
prefix_pem(const char *name, const char *prefix)
{
	size_t n = strlen(name), p = strlen(prefix);

	return n > p + 4 && strncmp(name, prefix, p) == 0 &&
	    strcmp(name + n - 4, ".pem") == 0;
}

int
dirnames_is_rsa(const char *name)
{
	return prefix_pem(name, "rsa");
}

int
dirnames_is_dh(const char *name)
{
	return prefix_pem(name, "dh");
}
