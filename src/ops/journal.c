/* journal.c: the note of a rollback that is not finished (journal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/secret.h"
#include "fs/readfile.h"
#include "ops/journal.h"
#include "site/policy.h"

#define FIRST_LINE	"qmail-pem-rollback"

int
journal_refuse(const struct perms_dir *dir, const struct common_opts *c,
    struct err *err)
{
	char cmd[2400];
	struct stat st;
	int rc;

	if ((rc = perms_stat(dir, ROLLBACK_NOTE, &st, err)) != 1)
		return rc;
	return err_set(err, EX_CONFIG, "%s/%s: a rollback was interrupted and "
	    "is not finished: run %s to finish it (or remove the note if you "
	    "know better), then run this again", dir->path, ROLLBACK_NOTE,
	    common_command(c, "rollback", cmd, sizeof(cmd)));
}

static const char *const files[2] = { SERVERCERT, CLIENTCERT };

/* One "FILE BACKUP" line; -1 if it is not one. */
static int
read_line(const struct perms_dir *dir, const char *line, struct journal *j,
    struct err *err)
{
	char file[64], bak[256];
	struct backup_name b;
	struct stat st;
	int i;

	if (sscanf(line, "%63s %255s", file, bak) != 2)
		return -1;
	for (i = 0; i < 2 && strcmp(file, files[i]) != 0; i++)
		;
	if (i == 2 || backup_parse(bak, file, &b) == -1)
		return -1;
	if (perms_stat(dir, bak, &st, err) == 1) {
		j->e[i].restore = 1;
		j->e[i].backup = b;
	}
	return 0;
}

int
journal_read(const struct perms_dir *dir, struct journal *j, struct err *err)
{
	char *data = NULL, *line, *save = NULL;
	struct stat st;
	size_t len = 0;
	int rc, first = 1;

	memset(j, 0, sizeof(*j));
	if ((rc = perms_stat(dir, ROLLBACK_NOTE, &st, err)) != 1)
		return rc;
	if (readfile_dir(dir, ROLLBACK_NOTE, &data, &len, &st, err) == -1)
		return -1;
	rc = 1;
	for (line = strtok_r(data, "\n", &save); line != NULL && rc == 1;
	    line = strtok_r(NULL, "\n", &save)) {
		if (first)
			rc = strcmp(line, FIRST_LINE) == 0 ? 1 : -1;
		else if (read_line(dir, line, j, err) == -1)
			rc = -1;
		first = 0;
	}
	if (first || rc == -1)
		rc = err_set(err, EX_DATAERR, "%s/%s is not a note qmail-pem "
		    "rollback wrote: look at it, remove it and run rollback "
		    "again", dir->path, ROLLBACK_NOTE);
	secret_free(data, len);
	return rc;
}

int
journal_write(const struct perms_dir *dir, const struct journal *j,
    struct err *err)
{
	const struct perms_target root_only = { 0, 0, PRIVATE_FILE_MODE };
	char text[1024];
	size_t used;
	int i;

	used = (size_t)snprintf(text, sizeof(text), FIRST_LINE "\n");
	for (i = 0; i < 2; i++)
		if (j->e[i].restore)
			used += (size_t)snprintf(text + used,
			    sizeof(text) - used, "%s %s\n", files[i],
			    j->e[i].backup.name);
	if (perms_write_atomic(dir, ROLLBACK_NOTE, text, used, &root_only,
	    err) == -1 || perms_sync_dir(dir, err) == -1) {
		journal_drop(dir);
		return -1;
	}
	return 0;
}

void
journal_drop(const struct perms_dir *dir)
{
	struct err ignored = { 0 };

	(void)perms_unlink(dir, ROLLBACK_NOTE, &ignored);
	(void)perms_sync_dir(dir, &ignored);
}
