/*
 * rotate.c: the command line of qmail-pem rotate (ops/rotate.c does the
 * work; ops/commit.c, --commit).
 */
#include <string.h>
#include <sysexits.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/rotate.h"
#include "site/policy.h"

/* The options, and whether any says how to make the new certificate
 * (which means nothing to --commit). */
struct rotate_cmd {
	struct rotate_opts	o;
	int			new_key;
	int			made_opts;
};

static const struct opt_field fields[] = {
	{ OPT_EXPIRES, offsetof(struct rotate_cmd, o.expires_within),
	    0, 36500 },
	{ OPT_KEEP, offsetof(struct rotate_cmd, o.keep), 1, 10000 },
	{ OPT_STAGE, offsetof(struct rotate_cmd, o.stage), 0, 0 },
	{ OPT_COMMIT, offsetof(struct rotate_cmd, o.commit), 0, 0 },
	{ 0, 0, 0, 0 }
};

/* Which of the options say how to make the new certificate. */
static int
rotate_option(void *opts, int ch, char *arg, struct err *err)
{
	struct rotate_cmd *r = opts;

	(void)arg;
	(void)err;
	switch (ch) {
	case OPT_NEW_KEY:
		r->new_key = r->made_opts = 1;
		break;
	case OPT_KEEP_KEY:
		r->o.keep_key = r->made_opts = 1;
		break;
	case OPT_DISTINCT:
	case OPT_KEY_TYPE:
	case OPT_DAYS:
	case OPT_HOSTNAME:
	case OPT_SAN:
		r->made_opts = 1;
		break;
	}
	return 0;
}

static int
check_combinations(void *opts, struct err *err)
{
	const struct rotate_cmd *r = opts;

	if (r->new_key && r->o.keep_key)
		return err_set(err, EX_USAGE, "--new-key and --keep-key "
		    "exclude each other");
	if (r->o.stage && r->o.commit)
		return err_set(err, EX_USAGE, "--stage and --commit exclude "
		    "each other: stage first, commit later");
	if (r->o.commit && (r->made_opts || r->o.expires_within >= 0))
		return err_set(err, EX_USAGE, "--commit puts the staged files "
		    "in place as they are: give key and certificate options "
		    "(and --if-expires-within) to --stage instead");
	return 0;
}

static const char rotate_usage[] =
"usage: qmail-pem rotate [-d DIR] [--if-expires-within DAYS]\n"
"                        [--new-key | --keep-key] [--distinct-keys]\n"
"                        [--allow-non-rsa]\n"
"                        [--key-type TYPE] [--days N] [--keep N]\n"
"                        [--stage | --commit] [--post-hook CMD]\n"
"                        [--hostname NAME] [--san NAME]...\n"
"                        [--server-group G] [--client-group G] [--owner U]\n"
"                        [--format text|json] [--wait SEC] [--dry-run]\n"
"                        [--service-dir D]... [-q | -v]\n"
"\n"
"Replace servercert.pem and clientcert.pem (as qmail-pem install left them)\n"
"with new self-signed certificates and, by default, new keys. Both new files\n"
"are verified before either is replaced; the old ones are kept as\n"
"NAME.<time>.bak (qmail-pem rollback puts them back).\n"
"\n"
"  -d DIR                   qmail control directory\n"
"  --sni NAME               only servercerts/NAME/servercert.pem, the SNI\n"
"                           certificate for NAME (folders made root 0755)\n"
"  --if-expires-within DAYS only if a certificate expires within DAYS days;\n"
"                           else print \"nothing to do\" and exit 0 (for cron)\n"
"  --new-key                new keys (the default)\n"
"  --keep-key               new certificates for the keys in place\n"
"  --distinct-keys          a key for each file (from a shared key)\n"
"  --allow-non-rsa          a non-RSA key although a reader loads RSA only\n"
"  --key-type TYPE          type of new keys (default: as the current key)\n"
"  --days N                 validity of the new certificates (default 365)\n"
"  --keep N                 backups kept per file (default 5)\n"
"  --stage                  write NAME.next and print its TLSA record (DANE)\n"
"  --commit                 move the staged NAME.next files into place\n"
"  --post-hook CMD          run CMD (sh -c) after files were replaced\n"
"  --hostname NAME          CN of the new certificates (default: as now)\n"
"  --san NAME               further DNS names (default: as now; repeatable)\n"
"  --server-group G         group that reads servercert.pem (default: the\n"
"                           group it has when its readers are in it, else\n"
"                           nofiles)\n"
"  --client-group G         group that reads clientcert.pem (default:\n"
"                           likewise, else qmail)\n"
"  --owner U                owner of both files (default root)\n"
"  --service-dir D          run scripts that say who reads the files\n"
"                           (repeatable; default /service, /etc/service,\n"
"                           /var/service)\n"
"  --format json            print the result as JSON (per-file \"changed\")\n"
"  --wait SEC               wait at most SEC for another writer (default 30)\n"
"  --dry-run                print the plan and change nothing\n"
"  -q, -v                   quieter, more detail\n";

static void
defaults(void *o)
{
	struct rotate_cmd *r = o;

	r->o.expires_within = -1;
	r->o.keep = DEFAULT_KEEP;
}

static int
run(void *opts, struct err *err)
{
	struct rotate_cmd *r = opts;

	return rotate_run(&r->o, err);
}

const struct cmdline rotate_line = {
	.usage = rotate_usage,
	.groups = OPTS_SNI | OPTS_WRITE | OPTS_POST_HOOK | OPTS_ROTATE |
	    OPTS_ALLOW_NON_RSA | OPTS_KEEP,
	.size = sizeof(struct rotate_cmd),
	.defaults = defaults,
	.fields = fields,
	.option = rotate_option,
	.check = check_combinations,
	.run = run
};
