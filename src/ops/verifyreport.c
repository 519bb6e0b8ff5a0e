/*
 * verifyreport.c: verify's report on stdout or in --output
 * (verifyreport.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/err.h"
#include "fs/output.h"
#include "ops/verifyreport.h"

/* Can the directory be opened at all by this user?  UNKNOWN if not,
 * CRITICAL if it can but is unsafe. */
static enum check_status
dir_failure_status(const char *path, int status)
{
	if (status != EX_NOPERM)
		return CHECK_UNKNOWN;
	if (geteuid() != 0 && access(path, R_OK | X_OK) == -1)
		return CHECK_UNKNOWN;
	return CHECK_CRITICAL;
}

int
verify_emit(const struct common_opts *c, enum report_format format,
    const struct output *out, struct verify_summary *s, struct err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	s->status = report_overall(s);
	if (report_render(s, format, &text, &len, err) == -1)
		return -1;
	if (c->output != NULL)
		rc = output_write(out, text, len, err);
	else
		rc = fwrite(text, 1, len, stdout) == len &&
		    fflush(stdout) == 0 ? 0 : err_set(err, EX_IOERR,
		    "cannot write the report: %s", strerror(errno));
	free(text);
	return rc;
}

/*
 * Nothing could be checked: the report says why, with UNKNOWN or (an
 * unsafe directory) CRITICAL; but never into the control directory, even
 * one that could not be opened.
 */
int
verify_report_failure(const struct common_opts *c, enum report_format format,
    const struct perms_dir *dir, struct verify_summary *s,
    const struct err *why)
{
	struct output out = { .dirfd = -1 };
	struct err err = { 0 };
	char error[1024];

	s->status = dir->fd == -1 && why->status != EX_NOUSER ?
	    dir_failure_status(c->dir, why->status) : CHECK_UNKNOWN;
	snprintf(error, sizeof(error), "%s", why->text);
	s->error = error;
	(void)err_print(why);
	if (c->output != NULL && output_open(c->output, c->dir,
	    dir->fd, &out, &err) == -1) {
		(void)err_print(&err);
		return CHECK_UNKNOWN;	/* no report anywhere */
	}
	if (verify_emit(c, format, &out, s, &err) == -1)
		(void)err_print(&err);
	output_close(&out);
	return report_overall(s);
}
