/*
 * replace.c: what rotate, commit and rollback do around plan_apply():
 * check the new bytes before, the files after, and prune old backups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "check/verify.h"
#include "fs/backup.h"
#include "fs/readfile.h"
#include "ops/replace.h"
#include "site/policy.h"

int
replace_verify(const char *shown, const char *data, size_t len,
    const struct perms_target *expect, int usage, const char *hostname,
    const char *install, int flags, struct err *err)
{
	struct verify_opts vo;
	struct file_report *r;
	const struct check *bad = NULL;
	size_t i;
	int rc = -1;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	memset(&vo, 0, sizeof(vo));
	vo.hostname = hostname;
	vo.warn_days = DEFAULT_WARN_DAYS;
	vo.crit_days = DEFAULT_CRIT_DAYS;
	vo.expect = *expect;
	vo.usage = usage;
	vo.install = install;
	r->file = shown;
	if (verify_content(data, len, &vo, r, err) == -1)
		goto out;
	for (i = 0; i < r->n; i++) {
		const struct check *c = &r->checks[i];
		if ((c->status == CHECK_CRITICAL ||
		    c->status == CHECK_UNKNOWN) && !(flags & REPLACE_WARN_ONLY)) {
			if (bad == NULL)
				bad = c;
		} else if (c->status != CHECK_OK && c->status != CHECK_SKIPPED &&
		    c->status != CHECK_INFO && !(flags & REPLACE_QUIET))
			msg_warn("%s: %s: %s", shown, c->name, c->message);
	}
	if (bad != NULL) {
		err_set(err, EX_DATAERR, "%s fails the %s check (%s): %s; "
		    "nothing was replaced", shown, bad->name,
		    verify_status_name(bad->status), bad->message);
		goto out;
	}
	rc = 0;
out:
	free(r);
	return rc;
}

int
replace_check_result(const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, const char *install,
    struct err *err)
{
	char want[128], have[128];
	struct stat st;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (!(plans[i].actions & (ACT_WRITES | ACT_FIXES)))
			continue;
		if ((rc = perms_stat(dir, plans[i].name, &st, err)) == -1)
			return -1;
		if (rc == 1 && perms_matches(&st, &plans[i].target))
			continue;
		perms_describe(plans[i].target.uid, plans[i].target.gid,
		    plans[i].target.mode, want, sizeof(want));
		if (rc == 0)
			return err_set(err, EX_SOFTWARE, "%s/%s is missing "
			    "after it was written: another program removed it; "
			    "run again", dir->path, plans[i].name);
		perms_describe(st.st_uid, st.st_gid, st.st_mode, have,
		    sizeof(have));
		return err_set(err, EX_SOFTWARE, "%s/%s is %s with %lu link(s) "
		    "after it was written, not %s: another program changed it; "
		    "check the directory and run %s", dir->path,
		    plans[i].name, have, (unsigned long)st.st_nlink, want,
		    install);
	}
	return 0;
}

int
replace_prune(const struct perms_dir *dir, const char *name, int keep,
    struct err *err)
{
	struct backup_name *list = NULL;
	size_t count = 0, i;
	int rc = -1, removed = 0;

	if (backup_list(dir, name, &list, &count, err) == -1)
		return -1;
	for (i = 0; keep >= 0 && count > (size_t)keep &&
	    i < count - (size_t)keep; i++) {
		if (perms_unlink(dir, list[i].name, err) == -1)
			goto out;
		msg_detail("%s: removed the old backup %s (--keep %d)", name,
		    list[i].name, keep);
		removed = 1;
	}
	rc = removed ? perms_sync_dir(dir, err) : 0;
out:
	free(list);
	return rc;
}

void
replace_changed(const struct file_plan *plans, size_t n, char *buf,
    size_t size)
{
	size_t i, used;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!(plans[i].actions & ACT_WRITES))
			continue;
		used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", used ? " " : "",
		    plans[i].shown[0] ? plans[i].shown : plans[i].name);
	}
}

int
replace_read_pem(const struct perms_dir *dir, const char *name, char **data,
    size_t *len, struct pem_bundle *b, struct err *err)
{
	char shown[4400];
	struct stat st;
	int rc;

	*data = NULL;
	*len = 0;
	memset(b, 0, sizeof(*b));
	if ((rc = perms_stat(dir, name, &st, err)) != 1)
		return rc;
	snprintf(shown, sizeof(shown), "%s/%s", dir->path, name);
	if (S_ISLNK(st.st_mode))
		return err_set(err, EX_DATAERR, "%s is a symlink; qmail-pem "
		    "only takes regular files it wrote itself: remove it and "
		    "run again", shown);
	if (readfile_dir(dir, name, data, len, &st, err) == -1)
		return -1;
	if (pemfile_parse(*data, *len, b, err) == -1 ||
	    pemfile_check_usable(b, shown, err) == -1) {
		pemfile_free(b);
		secret_free(*data, *len);
		*data = NULL;
		return -1;
	}
	return 1;
}
