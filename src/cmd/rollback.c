/*
 * rollback.c: the command line of qmail-pem rollback (ops/rollback.c does
 * the work).
 */
#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/rollback.h"

static const char rollback_usage[] =
"usage: qmail-pem rollback [-d DIR] [--post-hook CMD] [--server-group G]\n"
"                          [--client-group G] [--owner U]\n"
"                          [--service-dir D]... [--allow-tlsa-change]\n"
"                          [--format text|json] [--wait SEC] [--dry-run]\n"
"                          [-q | -v]\n"
"\n"
"Put back the newest backups of servercert.pem and clientcert.pem (those of\n"
"the last rotation), both at once, with the live files' owners, groups and\n"
"modes. The files replaced are kept as backups, so running rollback again\n"
"undoes it.\n"
"\n"
"  -d DIR               qmail control directory\n"
"  --sni NAME           only servercerts/NAME/servercert.pem, the SNI\n"
"                       certificate for NAME\n"
"  --post-hook CMD      run CMD (sh -c) after files were replaced\n"
"  --server-group G     group that reads servercert.pem (default: the\n"
"                       group it has when its readers are in it, else nofiles)\n"
"  --client-group G     group that reads clientcert.pem (default: likewise,\n"
"                       else qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --service-dir D      run scripts that say who reads the files\n"
"                       (repeatable; default /service, /etc/service,\n"
"                       /var/service)\n"
"  --allow-tlsa-change  bring back a key that rotate --commit replaced\n"
"                       (publish its TLSA record first)\n"
"  --format json        print the result as JSON (per-file \"changed\")\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  --dry-run            print the plan and change nothing\n"
"  -q, -v               quieter, more detail\n";

OPTS_RUN_WITH(rollback_run)

static const struct opt_field fields[] = {
	{ OPT_ALLOW_TLSA, offsetof(struct rollback_opts, allow_tlsa_change),
	    0, 0 },
	{ 0, 0, 0, 0 }
};

const struct cmdline rollback_line = {
	.usage = rollback_usage,
	.groups = OPTS_SNI | OPTS_DIR | OPTS_QUIET | OPTS_VERBOSE |
	    OPTS_OWNERS | OPTS_SERVICES | OPTS_FORMAT | OPTS_WAIT |
	    OPTS_DRY_RUN | OPTS_POST_HOOK | OPTS_ROLLBACK,
	.size = sizeof(struct rollback_opts),
	.fields = fields,
	.run = run
};
