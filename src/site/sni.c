/*
 * sni.c: the SNI certificates, DIR/servercerts/NAME/servercert.pem
 * (sni.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fs/subdir.h"
#include "site/sni.h"
#include "x509gen.h"

int
sni_check_name(const char *name, const char *opt, struct err *err)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > 253)
		return err_set(err, EX_USAGE, "%s '%.64s%s' is not a host name: "
		    "1 to 253 characters", opt, name, len > 64 ? "..." : "");
	for (i = 0; i < len; i++)
		if ((name[i] >= 'A' && name[i] <= 'Z') || name[i] == '_' ||
		    name[i] == '*')
			break;
	if (i < len || !x509gen_valid_dns_name(name))
		return err_set(err, EX_USAGE, "%s '%.64s%s' is not a host name "
		    "an SNI client sends: lower-case letters, digits, '-' and "
		    "'.' between labels, no wildcard", opt, name,
		    len > 64 ? "..." : "");
	return 0;
}

int
sni_file(const char *name, struct managed_file *f, struct err *err)
{
	if (sni_check_name(name, "--sni", err) == -1)
		return -1;
	*f = managed_files[0];
	snprintf(f->subdir, sizeof(f->subdir), "%s/%s", SNI_DIR, name);
	snprintf(f->label, sizeof(f->label), "%s/%s", f->subdir, SERVERCERT);
	f->sni = name;
	return 0;
}

int
sni_open(const struct perms_dir *dir, const char *name, int create,
    struct perms_dir *out, struct err *err)
{
	struct perms_dir top = { .fd = -1 };
	int rc;

	out->fd = -1;
	if (sni_check_name(name, "--sni", err) == -1)
		return -1;
	if ((rc = perms_open_subdir(dir, SNI_DIR, create, &top, err)) == 1)
		rc = perms_open_subdir(&top, name, create, out, err);
	perms_close_dir(&top);
	return rc;
}

int
sni_make(struct sni_made *m, const char *name, struct perms_dir *out,
    struct err *err)
{
	struct err why = { 0 };

	out->fd = -1;
	m->top.fd = -1;
	m->made_top = m->made_name = 0;
	if (sni_check_name(name, "--sni", err) == -1 ||
	    perms_make_subdir(&m->dir, SNI_DIR, &m->top, &m->made_top,
	    err) != 1)
		return -1;
	if (perms_make_subdir(&m->top, name, out, &m->made_name, err) == 1)
		return 0;
	/* servercerts/ just made holds nothing: no one writes there */
	if (m->made_top && perms_remove_subdir(&m->dir, SNI_DIR, &m->top,
	    &why) == -1)
		err_suffix(err, "; and %s", why.text);
	m->made_top = 0;
	return -1;
}

int
sni_unmake(struct sni_made *m, const char *name, const struct perms_dir *out,
    struct err *err)
{
	int rc;

	if (!m->made_name || out->fd == -1)
		return 0;
	m->made_name = 0;
	if ((rc = perms_remove_subdir(&m->top, name, out, err)) != 1)
		return rc;
	/* servercerts/ only when NAME went: else it holds NAME */
	if (m->made_top && perms_remove_subdir(&m->dir, SNI_DIR, &m->top,
	    err) == -1)
		return -1;
	m->made_top = 0;
	return 0;
}

void
sni_made_close(struct sni_made *m)
{
	perms_close_dir(&m->top);
	perms_close_dir(&m->dir);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Does NAME hold an entry servercert.pem (any type: verify judges it)? */
static int
holds_servercert(int topfd, const char *name)
{
	struct stat st;
	char path[300];

	if (snprintf(path, sizeof(path), "%s/%s", name, SERVERCERT) >=
	    (int)sizeof(path))
		return 0;
	/* NAME itself may be a link: verify's sni_open() refuses it, so a
	 * link to a folder with the file is listed too. */
	return fstatat(topfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT;
}

int
sni_list(const struct perms_dir *dir, char (*names)[256], size_t *n,
    struct err *err)
{
	struct perms_dir top = { .fd = -1 };
	struct dirent *e;
	DIR *d;
	int fd, rc;

	*n = 0;
	if ((rc = perms_open_subdir(dir, SNI_DIR, 0, &top, err)) != 1)
		return rc;
	if ((fd = dup(top.fd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		err_set(err, EX_OSERR, "cannot list %s: %s", top.path,
		    strerror(errno));
		perms_close_dir(&top);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
		    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
			continue;
		if (!holds_servercert(top.fd, e->d_name))
			continue;
		if (*n == SNI_MAX) {
			err_set(err, EX_SOFTWARE, "%s holds more than %d SNI "
			    "folders; qmail-pem takes at most %d", top.path,
			    SNI_MAX, SNI_MAX);
			break;
		}
		snprintf(names[(*n)++], 256, "%s", e->d_name);
	}
	closedir(d);
	perms_close_dir(&top);
	if (err->text[0])
		return -1;
	qsort(names, *n, 256, by_name);
	return 0;
}
