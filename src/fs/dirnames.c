/* dirnames.c: names in a directory, picked and sorted (see dirnames.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/grow.h"
#include "fs/dirnames.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One more name; -1 when memory runs out. */
static int
add_name(struct dirnames *out, size_t *cap, const char *name)
{
	char **bigger;

	if ((bigger = grow(out->v, cap, out->n, sizeof(*bigger), 16)) == NULL)
		return -1;
	out->v = bigger;
	if ((out->v[out->n] = strdup(name)) == NULL)
		return -1;
	out->n++;
	return 0;
}

int
dirnames_list(int dirfd, const char *shown, int (*match)(const char *),
    size_t max, struct dirnames *out, struct err *err)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d = NULL;
	int fd, e;

	memset(out, 0, sizeof(*out));
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (d = fdopendir(fd)) == NULL) {
		e = errno;
		if (fd != -1)
			close(fd);
		return err_set(err, EX_NOINPUT, "cannot list %s: %s", shown,
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
		if (out->n == max)
			out->more++;
		else if (add_name(out, &cap, de->d_name) == -1) {
			closedir(d);
			dirnames_free(out);
			return err_set(err, EX_OSERR, "out of memory listing %s",
			    shown);
		}
	}
	e = errno;
	closedir(d);
	if (e != 0) {
		dirnames_free(out);
		return err_set(err, EX_IOERR, "cannot list %s: %s", shown,
		    strerror(e));
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_name);
	return 0;
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
