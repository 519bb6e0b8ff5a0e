/*
 * rollback.c: the command line of qmail-pem rollback (ops/rollback.c does
 * the work).
 */
#include <string.h>
#include <sysexits.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/rollback.h"

static const char rollback_usage[] =
"usage: qmail-pem rollback [-d DIR] [--post-hook CMD] [--server-group G]\n"
"                          [--client-group G] [--owner U]\n"
"                          [--format text|json] [--wait SEC] [--dry-run]\n"
"                          [-q | -v]\n"
"\n"
"Put back the newest backups of servercert.pem and clientcert.pem (those of\n"
"the last rotation), both at once, with their owners and modes. The files\n"
"replaced are kept as backups, so running rollback again undoes it.\n"
"\n"
"  -d DIR               qmail control directory\n"
"  --post-hook CMD      run CMD (sh -c) after files were replaced\n"
"  --server-group G     group that reads servercert.pem (default nofiles)\n"
"  --client-group G     group that reads clientcert.pem (default qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --format json        print the result as JSON (per-file \"changed\")\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  --dry-run            print the plan and change nothing\n"
"  -q, -v               quieter, more detail\n";

static const struct cmdline rollback_line = {
	rollback_usage, OPTS_DIR | OPTS_QUIET | OPTS_VERBOSE | OPTS_OWNERS |
	OPTS_FORMAT | OPTS_WAIT | OPTS_DRY_RUN | OPTS_POST_HOOK, "", NULL,
	NULL, NULL, NULL, 0
};

int
cmd_rollback(int argc, char *argv[])
{
	struct rollback_opts o;
	struct err err = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	common_defaults(&o.c);
	if ((rc = opts_parse(&rollback_line, argc, argv, &o.c, &o)) != OPTS_RUN)
		return rc;
	if (opts_check_post_hook(&o.c, &err) == -1)
		return opts_usage_error(&rollback_line, &err);
	return rollback_run(&o, &err) == -1 ? err_print(&err) : EX_OK;
}
