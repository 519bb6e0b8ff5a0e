/* ondisk.c: verify's checks of a key file as it is on disk (ondisk.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check/ondisk.h"
#include "fs/fileacl.h"

/* The checks after `exists' that were not run, and why. */
static void
skip_rest(struct file_report *r, struct ondisk_target *t, const char *why)
{
	static const char *const file_checks[] = { "regular-file",
	    "link-count", "owner", "group", "mode", "acl" };
	size_t i, j;

	for (i = 0; i < sizeof(file_checks) / sizeof(file_checks[0]); i++) {
		for (j = 0; j < r->n; j++)
			if (strcmp(r->checks[j].name, file_checks[i]) == 0)
				break;
		if (j == r->n)
			verify_add(r, file_checks[i], CHECK_SKIPPED, "%s", why);
	}
	verify_skip_content(r, NULL, why);
	t->skipped = why;
}

static void
check_mode(const struct ondisk_target *t, struct file_report *r)
{
	mode_t m = t->st.st_mode & 07777;

	if (m & S_IRWXO)
		verify_add(r, "mode", CHECK_CRITICAL, "%s by every user on "
		    "the system (%04o); treat the key as stolen and make a "
		    "new one with %s --new-key",
		    (m & S_IROTH) ? "readable" : "writable", (unsigned)m,
		    t->fix);
	else if (!(m & S_IRGRP))
		verify_add(r, "mode", CHECK_CRITICAL, "group %s cannot read "
		    "it (%04o), so %s fails STARTTLS; fix it with %s",
		    t->group_name, (unsigned)m, t->daemon, t->fix);
	else if (m & (S_IWGRP | S_IXGRP | S_IXUSR | S_ISUID | S_ISGID |
	    S_ISVTX))
		verify_add(r, "mode", CHECK_WARNING, "wider than 0640 (%04o)"
		    "%s; fix it with %s", (unsigned)m,
		    (m & S_IWGRP) ? ": the reading daemon could replace the "
		    "key" : "", t->fix);
	else
		verify_add(r, "mode", CHECK_OK, "mode %04o", (unsigned)m);
}

/* Named user and group entries: the mode no longer says who reads. */
static void
check_acl(const struct perms_dir *dir, const struct ondisk_target *t,
    struct file_report *r)
{
	char who[512];
	int rc;

	rc = fileacl_extended_at(dir->fd, t->name, &t->st, who, sizeof(who));
	if (rc == -1)
		verify_add(r, "acl", CHECK_UNKNOWN, "cannot read its ACL: %s",
		    fileacl_strerror(errno));
	else if (rc == 1)
		verify_add(r, "acl", CHECK_CRITICAL, "extended ACL entries %s: "
		    "whatever the owner, group and mode, they let these users "
		    "and groups in; treat the key as read by them, and remove "
		    "the entries with %s", who, t->fix);
	else
		verify_add(r, "acl", CHECK_OK, "no extended ACL entries");
}

static void
check_owner_group(const struct ondisk_target *t, struct file_report *r)
{
	char have[128], want[128];

	perms_describe(t->st.st_uid, t->st.st_gid, t->st.st_mode & 07777,
	    have, sizeof(have));
	perms_describe(t->expect.uid, t->expect.gid, t->expect.mode, want,
	    sizeof(want));
	if (t->st.st_uid != t->expect.uid)
		verify_add(r, "owner", CHECK_CRITICAL, "is %s, not %s: its "
		    "owner can give the key to anyone; fix it with %s", have,
		    want, t->fix);
	else
		verify_add(r, "owner", CHECK_OK, "owner %s", t->owner_name);
	if (t->group_missing != NULL && t->group_missing[0])
		verify_add(r, "group", CHECK_UNKNOWN, "is %s; %s", have,
		    t->group_missing);
	else if (t->st.st_gid != t->expect.gid)
		verify_add(r, "group", CHECK_CRITICAL, "is %s, not %s: either "
		    "%s cannot read it or another group can; fix it with %s "
		    "(if %s runs with another group, give that with %s)",
		    have, want, t->daemon, t->fix, t->daemon,
		    t->group_option);
	else
		verify_add(r, "group", CHECK_OK, "group %s%s%s%s", t->group_name,
		    t->group_note ? " (" : "", t->group_note ? t->group_note :
		    "", t->group_note ? ")" : "");
}

/* exists and regular-file; 0 when the file is to be checked further. */
static int
check_type(const struct perms_dir *dir, struct ondisk_target *t,
    struct file_report *r)
{
	char link[4096];
	struct err why = { 0 };
	int rc;

	if ((rc = perms_stat(dir, t->name, &t->st, &why)) == -1) {
		verify_add(r, "exists", CHECK_UNKNOWN, "%s", why.text);
		skip_rest(r, t, "not checked: the file cannot be examined");
		return -1;
	}
	if (rc == 0) {
		verify_add(r, "exists", t->missing, "%s/%s does not exist, so "
		    "%s; create it with %s", dir->path, t->name,
		    t->missing == CHECK_CRITICAL ? "qmail-smtpd cannot offer "
		    "STARTTLS" : "qmail-remote offers no client certificate",
		    t->fix);
		skip_rest(r, t, "not checked: the file does not exist");
		return -1;
	}
	verify_add(r, "exists", CHECK_OK, "exists");
	if (S_ISLNK(t->st.st_mode)) {
		if (perms_readlink(dir, t->name, link, sizeof(link), &why) ==
		    -1)
			snprintf(link, sizeof(link), "?");
		verify_add(r, "regular-file", CHECK_CRITICAL, "a symlink to "
		    "%s (not followed): whoever controls the target chooses "
		    "the key and who reads it; %s replaces it with a file of "
		    "its own", link, t->fix);
		skip_rest(r, t, "not checked: the file is a symlink");
		return -1;
	}
	if (!S_ISREG(t->st.st_mode)) {
		verify_add(r, "regular-file", CHECK_CRITICAL, "not a regular "
		    "file: remove it and run %s", t->fix);
		skip_rest(r, t, "not checked: not a regular file");
		return -1;
	}
	verify_add(r, "regular-file", CHECK_OK, "a regular file");
	return 0;
}

void
ondisk_check(const struct perms_dir *dir, struct ondisk_target *t,
    struct file_report *r)
{
	t->readable_type = 0;
	t->skipped = NULL;
	if (check_type(dir, t, r) == -1)
		return;
	t->readable_type = 1;
	verify_add_if(r, "link-count", t->st.st_nlink > 1, CHECK_WARNING,
	    "one link", "%lu hard links: the key is also reachable under "
	    "another name, which keeps it after a replacement; %s gives it a "
	    "file of its own", (unsigned long)t->st.st_nlink, t->fix);
	check_owner_group(t, r);
	check_mode(t, r);
	check_acl(dir, t, r);
}

/* The directory's default ACL, reported on every file: each file made
 * in the directory by another tool (cp, an ACME client) gets it. */
void
ondisk_default_acl(const struct perms_dir *dir, struct file_report *files,
    size_t n)
{
	enum check_status status = CHECK_OK;
	char who[512], text[1024];
	size_t i;
	int rc;

	rc = fileacl_default(dir->fd, who, sizeof(who));
	if (rc == -1) {
		status = CHECK_UNKNOWN;
		snprintf(text, sizeof(text), "cannot read the default ACL of "
		    "%s: %s", dir->path, fileacl_strerror(errno));
	} else if (rc == 1) {
		status = CHECK_CRITICAL;
		snprintf(text, sizeof(text), "%s has a default ACL (%s): every "
		    "file created in it gets these entries, so a key file that "
		    "another tool writes there is readable beyond its mode; "
		    "remove it with setfacl -k %s", dir->path, who, dir->path);
	} else
		snprintf(text, sizeof(text), "no default ACL on %s", dir->path);
	for (i = 0; i < n; i++)
		verify_add(&files[i], "default-acl", status, "%s", text);
}
