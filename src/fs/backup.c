/* backup.c: copies of control files kept before they are replaced. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/err.h"
#include "base/grow.h"
#include "base/secret.h"
#include "fs/backup.h"
#include "fs/readfile.h"

static const struct perms_target backup_target = { 0, 0, 0600 };

int
backup_parse(const char *entry, const char *name, struct backup_name *b)
{
	size_t nlen = strlen(name), elen = strlen(entry), i;
	const char *p;
	char *end;

	if (elen < nlen + 1 + 16 + 4 || strncmp(entry, name, nlen) != 0 ||
	    entry[nlen] != '.' || strcmp(entry + elen - 4, ".bak") != 0)
		return -1;
	p = entry + nlen + 1;
	for (i = 0; i < 16; i++) {
		int want_digit = !(i == 8 || i == 15);
		if (want_digit ? (p[i] < '0' || p[i] > '9') :
		    p[i] != (i == 8 ? 'T' : 'Z'))
			return -1;
	}
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", entry);
	memcpy(b->stamp, p, 16);
	b->stamp[16] = '\0';
	p += 16;
	if (strcmp(p, ".bak") == 0)
		return 0;
	if (*p != '.' || p[1] < '1' || p[1] > '9')
		return -1;
	b->seq = (int)strtol(p + 1, &end, 10);
	return strcmp(end, ".bak") == 0 ? 0 : -1;
}

int
backup_compare(const void *a, const void *b)
{
	const struct backup_name *x = a, *y = b;
	int c = strcmp(x->stamp, y->stamp);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
free_name(const struct perms_dir *dir, const char *name, time_t now,
    char *out, size_t size, struct err *err)
{
	struct backup_name *list = NULL;
	struct stat st;
	struct tm tm;
	char stamp[32];
	size_t count = 0, i;
	int seq = 0, rc;

	if (gmtime_r(&now, &tm) == NULL)
		return err_set(err, EX_SOFTWARE, "the clock is out of range");
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* After the newest of this second, even when --keep pruned the
	 * first ones: a reused lower number would sort as older. */
	if (backup_list(dir, name, &list, &count, err) == -1)
		return -1;
	for (i = 0; i < count; i++)
		if (strcmp(list[i].stamp, stamp) == 0 && list[i].seq >= seq)
			seq = list[i].seq + 1;
	free(list);
	for (; seq < 1000; seq++) {
		if (seq == 0)
			snprintf(out, size, "%s.%s.bak", name, stamp);
		else
			snprintf(out, size, "%s.%s.%d.bak", name, stamp, seq);
		if ((rc = perms_stat(dir, out, &st, err)) == -1)
			return -1;
		if (rc == 0)
			return 0;
	}
	return err_set(err, EX_CANTCREAT, "%s/%s: too many backups in one "
	    "second", dir->path, name);
}

int
backup_create(const struct perms_dir *dir, const char *name, time_t now,
    char *created, size_t size, struct err *err)
{
	char target[4096], *data = NULL;
	struct perms_staged staged;
	struct stat st;
	size_t len = 0;
	int rc, e;

	if (perms_stat(dir, name, &st, err) != 1)
		return err_set(err, EX_SOFTWARE, "%s/%s vanished while "
		    "qmail-pem ran; run again", dir->path, name);
	if (free_name(dir, name, now, created, size, err) == -1)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		if (perms_readlink(dir, name, target, sizeof(target),
		    err) == -1)
			return -1;
		return perms_copy_symlink(dir, created, target, 0, 0, err);
	}
	if (readfile_dir(dir, name, &data, &len, &st, err) == -1)
		return -1;
	rc = -1;
	if (perms_stage(dir, created, data, len, &backup_target, &staged, err)
	    == -1 || perms_commit(dir, &staged, err) == -1)
		goto out;
	if (perms_sync_dir(dir, err) == -1) {
		/* Nothing is replaced yet: take the backup back too. */
		e = errno;
		(void)perms_unlink(dir, created, err);
		err_set(err, EX_IOERR, "%s: cannot sync the directory after "
		    "backing up %s: %s; nothing was changed", dir->path, name,
		    strerror(e));
		goto out;
	}
	rc = 0;
out:
	secret_free(data, len);
	return rc;
}

int
backup_list(const struct perms_dir *dir, const char *name,
    struct backup_name **list, size_t *count, struct err *err)
{
	struct backup_name b, *v = NULL, *grown;
	struct dirent *de;
	size_t n = 0, cap = 0;
	DIR *d;
	int fd;

	*list = NULL;
	*count = 0;
	while ((fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 && errno == EINTR)
		;
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return err_set(err, EX_NOINPUT, "%s: cannot list the directory",
		    dir->path);
	}
	while ((de = readdir(d)) != NULL) {
		if (backup_parse(de->d_name, name, &b) == -1)
			continue;
		if ((grown = grow(v, &cap, n, sizeof(*v), 16)) == NULL) {
			free(v);
			closedir(d);
			return err_set(err, EX_OSERR, "out of memory");
		}
		v = grown;
		v[n++] = b;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), backup_compare);
	*list = v;
	*count = n;
	return 0;
}
