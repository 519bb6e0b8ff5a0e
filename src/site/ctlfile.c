/* ctlfile.c: reading the key files qmail reads. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/secret.h"
#include "fs/readfile.h"
#include "site/ctlfile.h"

int
ctlfile_link_in_dir(const struct perms_dir *dir, const char *name,
    const char *target, char *inname, size_t size, struct err *err)
{
	char copy[PATH_MAX], real_dir[PATH_MAX], real_target_dir[PATH_MAX];
	const char *base;

	if (target[0] != '/') {
		while (strncmp(target, "./", 2) == 0)
			target += 2;
		if (strchr(target, '/') == NULL && strcmp(target, "..") != 0 &&
		    strcmp(target, ".") != 0 && target[0] != '\0') {
			snprintf(inname, size, "%s", target);
			return 0;
		}
	} else {
		snprintf(copy, sizeof(copy), "%s", target);
		base = basename(copy);
		snprintf(inname, size, "%s", base);
		snprintf(copy, sizeof(copy), "%s", target);
		/* The directory's real path as perms_open_dir() took it from
		 * its descriptor, not the path resolved again. */
		if (dir->real[0] != '\0')
			snprintf(real_dir, sizeof(real_dir), "%s", dir->real);
		else if (realpath(dir->path, real_dir) == NULL)
			real_dir[0] = '\0';
		if (real_dir[0] != '\0' &&
		    realpath(dirname(copy), real_target_dir) != NULL &&
		    strcmp(real_dir, real_target_dir) == 0 &&
		    strcmp(inname, "..") != 0 && strcmp(inname, ".") != 0)
			return 0;
	}
	return err_set(err, EX_DATAERR, "%s/%s is a symlink to %s, not to a "
	    "file in the control directory itself: copy the key and "
	    "certificate you want into place (or import them with "
	    "--key/--cert, or make new ones with --new-key) and run again",
	    dir->path, name, target);
}

int
ctlfile_read(const struct perms_dir *dir, const char *name, struct ctl_file *f,
    struct err *err)
{
	char shown[PATH_MAX];
	struct stat st;
	int rc;

	memset(f, 0, sizeof(*f));
	f->name = name;
	if ((rc = perms_stat(dir, name, &f->st, err)) == -1)
		return -1;
	if (rc == 0)
		return 0;
	f->exists = 1;
	snprintf(f->source, sizeof(f->source), "%s", name);
	if (S_ISLNK(f->st.st_mode)) {
		f->is_symlink = 1;
		if (perms_readlink(dir, name, f->link_target,
		    sizeof(f->link_target), err) == -1 ||
		    ctlfile_link_in_dir(dir, name, f->link_target, f->source,
		    sizeof(f->source), err) == -1)
			return -1;
		if ((rc = perms_stat(dir, f->source, &st, err)) == -1)
			return -1;
		if (rc == 0)
			return err_set(err, EX_DATAERR, "%s/%s is a dangling "
			    "symlink to %s: remove it, or run with --new-key "
			    "to make new files", dir->path, name,
			    f->link_target);
		if (S_ISLNK(st.st_mode))
			return err_set(err, EX_DATAERR, "%s/%s is a symlink to "
			    "%s, which is a symlink too: replace them with the "
			    "real file and run again", dir->path, name,
			    f->source);
	} else if (!S_ISREG(f->st.st_mode)) {
		return err_set(err, EX_DATAERR, "%s/%s is not a regular file: "
		    "remove it (qmail-pem will not replace it) and run again",
		    dir->path, name);
	}
	snprintf(shown, sizeof(shown), "%s/%s", dir->path, f->source);
	if (readfile_dir(dir, f->source, &f->data, &f->len, &st, err) == -1)
		return -1;
	if (pemfile_parse(f->data, f->len, &f->bundle, err) == -1 ||
	    pemfile_check_usable(&f->bundle, shown, err) == -1 ||
	    chain_build(f->bundle.key, f->bundle.certs, shown, &f->chain, err)
	    == -1)
		return -1;
	f->needs_rewrite = pemfile_needs_rewrite(&f->bundle, f->chain.chain);
	return 0;
}

void
ctlfile_free(struct ctl_file *f)
{
	secret_free(f->data, f->len);
	f->data = NULL;
	pemfile_free(&f->bundle);
	chain_free(&f->chain);
}
