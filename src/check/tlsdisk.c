/* tlsdisk.c: where qmail's other TLS files are and who can write or read
 * them (see tlsdisk.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/err.h"
#include "check/tlsdisk.h"
#include "fs/fileacl.h"
#include "fs/readfile.h"
#include "site/readerperm.h"
#include "site/tlsnames.h"

void
tlsdisk_close(struct tlsdisk_loc *l)
{
	if (l->own_dir)
		perms_close_dir(&l->dir);
	l->own_dir = 0;
	l->dir.fd = -1;
}

/* The directory part of an absolute real path ("/" for "/x"). */
static void
split_real(const char *real, char *dir, size_t dsize, char *base,
    size_t bsize)
{
	const char *slash = strrchr(real, '/');

	snprintf(base, bsize, "%s", slash ? slash + 1 : real);
	if (slash == NULL || slash == real)
		snprintf(dir, dsize, "/");
	else
		snprintf(dir, dsize, "%.*s", (int)(slash - real), real);
}

/* Follow name in parent as qmail's open() would: the real path, or -1
 * with the check added. */
static int
follow(const struct perms_dir *parent, const char *name, const char *link,
    const char *check, char *real, struct file_report *r)
{
	char full[PATH_MAX + NAME_MAX + 2];

	snprintf(full, sizeof(full), "%s/%s", parent->real, name);
	if (realpath(full, real) != NULL)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		verify_add(r, check, CHECK_WARNING, "a symlink to %s, which "
		    "does not exist: qmail finds nothing here", link);
	else
		verify_add(r, check, CHECK_UNKNOWN, "a symlink to %s that "
		    "cannot be followed: %s", link, strerror(errno));
	return -1;
}

/* perms_open_dir() on a directory a symlink leads to, with check added
 * when it is not safe. */
static int
open_linked_dir(const char *path, const struct tlsdisk_kind *k,
    const char *check, struct perms_dir *dir, struct file_report *r)
{
	struct err e = { 0 };

	if (perms_open_dir(path, dir, &e) == 0)
		return 0;
	dir->fd = -1;
	if (e.status == EX_NOPERM)
		verify_add(r, check, CHECK_CRITICAL, "%s: whoever can write "
		    "there can %s", e.text, k->writable);
	else
		verify_add(r, check, CHECK_UNKNOWN, "%s", e.text);
	return -1;
}

int
tlsdisk_locate(const struct perms_dir *parent, const char *name,
    const struct tlsdisk_kind *k, struct tlsdisk_loc *l,
    struct file_report *r)
{
	char link[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
	struct err e = { 0 };
	int rc;

	memset(l, 0, sizeof(*l));
	l->dir = *parent;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->shown, sizeof(l->shown), "%s/%s", parent->path, name);
	if ((rc = perms_stat(parent, name, &l->st, &e)) != 1) {
		verify_add(r, "regular-file", CHECK_UNKNOWN, "%s", rc == 0 ?
		    "removed while it was checked" : e.text);
		return 0;
	}
	if (S_ISLNK(l->st.st_mode)) {
		if (perms_readlink(parent, name, link, sizeof(link), &e) == -1)
			snprintf(link, sizeof(link), "?");
		if (k->private_key) {
			verify_add(r, "regular-file", CHECK_CRITICAL, "a symlink "
			    "to %s (not followed): whoever controls the target "
			    "chooses this private key and who reads it; remove "
			    "the link", link);
			return 0;
		}
		if (follow(parent, name, link, "regular-file", real, r) == -1)
			return 0;
		split_real(real, dir, sizeof(dir), l->name, sizeof(l->name));
		verify_add(r, "regular-file", CHECK_OK, "a symlink to %s (%s), "
		    "followed as qmail follows it", link, real);
		if (open_linked_dir(dir, k, "directory", &l->dir, r) == -1)
			return 0;
		l->own_dir = l->linked = 1;
		snprintf(l->shown, sizeof(l->shown), "%s", real);
		if (perms_stat(&l->dir, l->name, &l->st, &e) != 1 ||
		    !S_ISREG(l->st.st_mode)) {
			verify_add(r, "directory", CHECK_CRITICAL, "%s is not a "
			    "regular file (or changed meanwhile)", real);
			return 0;
		}
		verify_add(r, "directory", CHECK_OK, "%s and every directory "
		    "above it are root's and writable by no one else", dir);
		return 1;
	}
	if (!S_ISREG(l->st.st_mode)) {
		verify_add(r, "regular-file", CHECK_CRITICAL, "not a regular "
		    "file: qmail cannot read it as one; remove it");
		return 0;
	}
	verify_add(r, "regular-file", CHECK_OK, "a regular file");
	return 1;
}

/* Is uid one of the readers'? */
static int
reader_uid(const struct tlsdisk_readers *rs, uid_t uid)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i]->have_uid && rs->v[i]->uid == uid)
			return 1;
	return 0;
}

/* Does an ACL description ("user:nobody:rw-, group:adm:r--") let a named
 * user or group write?  Entries without a name ("user::rw-", listed when
 * a mask stands alone) are the mode's own. */
static int
acl_writes(const char *who)
{
	const char *p = who, *end, *c1, *c2;

	while (*p != '\0') {
		if ((end = strstr(p, ", ")) == NULL)
			end = p + strlen(p);
		c1 = memchr(p, ':', (size_t)(end - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 != NULL && c2 > c1 + 1 &&
		    memchr(c2, 'w', (size_t)(end - c2)) != NULL)
			return 1;
		p = *end ? end + 2 : end;
	}
	return 0;
}

static void
check_acl(const struct tlsdisk_kind *k, const char *dir_arg,
    const struct tlsdisk_loc *l, const char *name, struct file_report *r)
{
	char who[512];
	int rc;

	rc = fileacl_extended_at(l->dir.fd, name, &l->st, who, sizeof(who));
	if (rc == -1)
		verify_add(r, "acl", CHECK_UNKNOWN, "cannot read its ACL: %s",
		    fileacl_strerror(errno));
	else if (rc == 0)
		verify_add(r, "acl", CHECK_OK, "no extended ACL entries");
	else if (k->private_key)
		verify_add(r, "acl", CHECK_CRITICAL, "extended ACL entries %s "
		    "let these users and groups in, whatever the mode: treat "
		    "the key as read by them; qmail-pem install -d %s removes "
		    "them (a new file)", who, dir_arg);
	else if (acl_writes(who))
		verify_add(r, "acl", CHECK_CRITICAL, "extended ACL entries %s "
		    "let others write it, whatever the mode: they can %s; "
		    "remove them with setfacl -b %s", who, k->writable,
		    l->shown);
	else
		verify_add(r, "acl", CHECK_OK, "extended ACL entries %s only "
		    "let more users read it, which a public file allows", who);
}

/* Can rd search every directory from / down to dir (a real path)?  1,
 * 0 with *where set, or -1 when it cannot be told. */
static int
path_searchable(const struct reader *rd, const char *dir, char *where,
    size_t size)
{
	char path[PATH_MAX];
	struct err e = { 0 };
	struct stat st;
	size_t i, n;
	int can;
	char c;

	n = (size_t)snprintf(path, sizeof(path), "%s", dir);
	if (n >= sizeof(path) || path[0] != '/')
		return -1;
	for (i = 1; i <= n; i++) {
		if ((c = path[i]) != '/' && c != '\0')
			continue;
		path[i] = '\0';
		can = stat(path, &st) == -1 ? -1 : readers_can_access(rd,
		    st.st_uid, st.st_gid, st.st_mode, X_OK, &e);
		if (can != 1)
			snprintf(where, size, "%s", path);
		path[i] = c;
		if (can != 1)
			return can;
	}
	return 1;
}

/* reader-can-read: how is R_OK for a file, X_OK for a directory. */
static void
check_readers(const struct tlsdisk_kind *k, const struct tlsdisk_loc *l,
    int how, struct file_report *r)
{
	const struct tlsdisk_readers *rs = k->readers;
	char who[4400], perms[160], where[PATH_MAX] = "";
	struct err e = { 0 };
	size_t i, known = 0;
	int can;

	perms_describe(l->st.st_uid, l->st.st_gid, l->st.st_mode & 07777,
	    perms, sizeof(perms));
	for (i = 0; i < rs->n; i++) {
		can = readers_can_access(rs->v[i], l->st.st_uid, l->st.st_gid,
		    l->st.st_mode, how, &e);
		if (can == 1 && l->linked)
			can = path_searchable(rs->v[i], l->dir.real, where,
			    sizeof(where));
		if (can == -1)
			continue;
		known++;
		if (can == 1)
			continue;
		readers_describe(rs->v[i], who, sizeof(who));
		if (where[0])
			verify_add(r, "reader-can-read", k->unreadable, "%s "
			    "cannot search %s, so %s; give it o+x or put the "
			    "file elsewhere", who, where, k->unreadable_means);
		else
			verify_add(r, "reader-can-read", k->unreadable, "%s "
			    "cannot %s it as %s, so %s", who, how == X_OK ?
			    "search" : "read", perms, k->unreadable_means);
		return;
	}
	if (known == 0) {
		verify_add(r, "reader-can-read", CHECK_SKIPPED, "not checked: "
		    "who runs %s is not known%s%s", rs->program,
		    rs->unknown[0] ? ": " : "", rs->unknown);
		return;
	}
	readers_describe(rs->v[0], who, sizeof(who));
	verify_add(r, "reader-can-read", CHECK_OK, "%s can %s it (%s)%s", who,
	    how == X_OK ? "search" : "read", perms, known > 1 ?
	    ", and so can the other readers" : "");
}

static void
check_public(const struct tlsdisk_kind *k, const struct tlsdisk_loc *l,
    struct file_report *r)
{
	char have[160];
	mode_t m = l->st.st_mode & 07777;

	perms_describe(l->st.st_uid, l->st.st_gid, m, have, sizeof(have));
	if (l->st.st_uid == 0)
		verify_add(r, "owner", CHECK_OK, "owner root");
	else if (k->reader_may_own && reader_uid(k->readers, l->st.st_uid))
		verify_add(r, "owner", CHECK_OK, "owned by its reader (%s), as "
		    "update_tmprsadh makes it", have);
	else
		verify_add(r, "owner", CHECK_CRITICAL, "is %s, not root's: its "
		    "owner can %s; fix: chown root %s", have, k->writable,
		    l->shown);
	if (m & (S_IWGRP | S_IWOTH))
		verify_add(r, "mode", CHECK_CRITICAL, "%s: writable by %s, who "
		    "can %s; fix: chmod go-w %s", have, (m & S_IWOTH) ?
		    "every user" : "its group", k->writable, l->shown);
	else
		verify_add(r, "mode", CHECK_OK, "mode %04o", (unsigned)m);
}

static void
check_private(const struct tlsdisk_kind *k, gid_t reader_gid,
    const char *dir_arg, const struct tlsdisk_loc *l, struct file_report *r)
{
	char have[160];
	mode_t m = l->st.st_mode & 07777, repair;
	int wide_read;

	perms_describe(l->st.st_uid, l->st.st_gid, m, have, sizeof(have));
	if (l->st.st_uid == 0 || reader_uid(k->readers, l->st.st_uid))
		verify_add(r, "owner", CHECK_OK, "%s (%s)", l->st.st_uid == 0 ?
		    "owner root" : "owned by its reader", have);
	else
		verify_add(r, "owner", CHECK_CRITICAL, "is %s: a user other "
		    "than root and %s's reader holds this private key; remove "
		    "the file (update_tmprsadh makes a new one)", have,
		    k->readers->program);
	wide_read = (m & 0004) || ((m & 0040) && !(l->st.st_uid == 0 &&
	    l->st.st_gid == reader_gid));
	if (tlsnames_tmprsa_too_open(&l->st, reader_gid, &repair))
		verify_add(r, "mode", CHECK_CRITICAL, "%s: %s can %s this "
		    "private key beyond %s's reader; qmail-pem install -d %s "
		    "makes it %04o with its owner kept (a new file)", have,
		    (m & 0006) ? "every user" : "its group",
		    wide_read ? "read" : "write", k->readers->program, dir_arg,
		    (unsigned)repair);
	else
		verify_add(r, "mode", CHECK_OK, "%s: readable by its owner%s "
		    "only", have, (m & 0040) ? " and its group" : "");
}

void
tlsdisk_check_file(const struct tlsdisk_kind *k, gid_t reader_gid,
    const char *dir_arg, const struct tlsdisk_loc *l, struct file_report *r)
{
	if (k->private_key)
		check_private(k, reader_gid, dir_arg, l, r);
	else
		check_public(k, l, r);
	check_acl(k, dir_arg, l, l->name, r);
	check_readers(k, l, R_OK, r);
}

/* The directory a symlink name leads to: l->dir opened safely. */
static int
linked_subdir(const struct perms_dir *parent, const char *name,
    const struct tlsdisk_kind *k, struct tlsdisk_loc *l,
    struct file_report *r)
{
	char link[PATH_MAX], real[PATH_MAX];
	struct err e = { 0 };

	if (perms_readlink(parent, name, link, sizeof(link), &e) == -1)
		snprintf(link, sizeof(link), "?");
	if (follow(parent, name, link, "directory", real, r) == -1 ||
	    open_linked_dir(real, k, "directory", &l->dir, r) == -1)
		return 0;
	l->own_dir = l->linked = 1;
	snprintf(l->shown, sizeof(l->shown), "%s", real);
	if (fstat(l->dir.fd, &l->st) == -1) {
		verify_add(r, "directory", CHECK_UNKNOWN, "cannot examine %s: "
		    "%s", real, strerror(errno));
		return 0;
	}
	verify_add(r, "directory", CHECK_OK, "a symlink to %s (%s): it and "
	    "every directory above it are root's and writable by no one else",
	    link, real);
	return 1;
}

/* A directory in the control directory (st: its lstat). */
static int
plain_subdir(const struct perms_dir *parent, const char *name,
    const struct stat *st, const struct tlsdisk_kind *k,
    struct tlsdisk_loc *l, struct file_report *r)
{
	char have[160];
	mode_t m;
	int fd;

	fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &l->st) == -1 ||
	    l->st.st_ino != st->st_ino || l->st.st_dev != st->st_dev) {
		verify_add(r, "directory", CHECK_UNKNOWN, "cannot open %s: %s",
		    l->shown, fd == -1 ? strerror(errno) : "it changed while it "
		    "was checked");
		if (fd != -1)
			close(fd);
		return 0;
	}
	l->dir.fd = fd;
	l->own_dir = 1;
	snprintf(l->dir.path, sizeof(l->dir.path), "%s", l->shown);
	snprintf(l->dir.real, sizeof(l->dir.real), "%s/%s", parent->real,
	    name);
	m = l->st.st_mode & 07777;
	perms_describe(l->st.st_uid, l->st.st_gid, m, have, sizeof(have));
	if (l->st.st_uid != 0)
		verify_add(r, "directory", CHECK_CRITICAL, "is %s, not root's: "
		    "its owner can %s; fix: chown root %s", have, k->writable,
		    l->shown);
	else if (m & (S_IWGRP | S_IWOTH))
		verify_add(r, "directory", CHECK_CRITICAL, "%s: %s can add and "
		    "replace files in it, which lets them %s; fix: chmod go-w "
		    "%s", have, (m & S_IWOTH) ? "every user" : "its group",
		    k->writable, l->shown);
	else
		verify_add(r, "directory", CHECK_OK, "%s", have);
	return 1;
}

int
tlsdisk_open_subdir(const struct perms_dir *parent, const char *name,
    const struct tlsdisk_kind *k, struct tlsdisk_loc *l,
    struct file_report *r)
{
	struct err e = { 0 };
	struct stat st;
	int ok;

	memset(l, 0, sizeof(*l));
	l->dir.fd = -1;
	snprintf(l->name, sizeof(l->name), ".");
	snprintf(l->shown, sizeof(l->shown), "%s/%s", parent->path, name);
	if (perms_stat(parent, name, &st, &e) != 1) {
		verify_add(r, "directory", CHECK_UNKNOWN, "%s", e.text[0] ?
		    e.text : "removed while it was checked");
		return 0;
	}
	if (S_ISLNK(st.st_mode))
		ok = linked_subdir(parent, name, k, l, r);
	else if (S_ISDIR(st.st_mode))
		ok = plain_subdir(parent, name, &st, k, l, r);
	else {
		verify_add(r, "directory", CHECK_WARNING, "not a directory, so "
		    "%s", k->unreadable_means);
		return 0;
	}
	if (!ok)
		return 0;
	check_acl(k, "", l, ".", r);
	check_readers(k, l, X_OK, r);
	return 1;
}

int
tlsdisk_read(const struct tlsdisk_loc *l, const char *check, char **data,
    size_t *len, struct file_report *r)
{
	struct err e = { 0 };
	struct stat st;

	if (readfile_dir(&l->dir, l->name, data, len, &st, &e) == 0)
		return 0;
	if (geteuid() != 0)
		verify_add(r, check, CHECK_SKIPPED, "not checked: needs root to "
		    "read it (run qmail-pem verify through sudo)");
	else
		verify_add(r, check, CHECK_UNKNOWN, "%s", e.text);
	return -1;
}

struct tlsdisk_kind
tlsdisk_kind_of(const struct tlsdisk_readers *rs, enum check_status unreadable,
    const char *writable, const char *unreadable_means)
{
	return (struct tlsdisk_kind){ .readers = rs, .unreadable = unreadable,
	    .writable = writable, .unreadable_means = unreadable_means };
}

int
tlsdisk_check_read(const struct perms_dir *dir, const char *name,
    const struct tlsdisk_kind *k, gid_t reader_gid, const char *dir_arg,
    const char *check, char **data, size_t *len, struct file_report *r)
{
	struct tlsdisk_loc l;
	int rc = 0;

	*data = NULL;
	*len = 0;
	if (tlsdisk_locate(dir, name, k, &l, r)) {
		tlsdisk_check_file(k, reader_gid, dir_arg, &l, r);
		rc = tlsdisk_read(&l, check, data, len, r) == 0;
	}
	tlsdisk_close(&l);
	return rc;
}

int
tlsdisk_present(const struct perms_dir *dir, const char *name)
{
	struct err e = { 0 };
	struct stat st;

	return perms_stat(dir, name, &st, &e) != 0;
}
