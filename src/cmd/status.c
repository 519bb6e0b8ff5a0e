/*
 * status.c: the command line of qmail-pem status (ops/status.c does the
 * work).
 */
#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/status.h"
#include "site/policy.h"

static const char status_usage[] =
"usage: qmail-pem status [-d DIR] [--sni NAME] [--service-dir D]...\n"
"                        [--format text|json]\n"
"\n"
"Show servercert.pem, clientcert.pem and every SNI certificate\n"
"servercerts/NAME/servercert.pem in DIR: owner, group and mode; key\n"
"and certificate (subject, issuer, names, expiry, shared or distinct key);\n"
"who reads each file (from the run scripts), the program and what it can\n"
"load, whether the reader can read the file today; a staged key; the\n"
"backups; and verify's verdict in one line.  Changes nothing.\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --sni NAME           only servercerts/NAME/servercert.pem, the SNI\n"
"                       certificate for NAME\n"
"  --service-dir D      a daemontools/runit/s6 service directory to read\n"
"                       (repeatable; default /service, /etc/service and\n"
"                       /var/service)\n"
"  --format json        print the status as one JSON object\n"
"\n"
"Exit status: 0 (whatever the files' state: verify judges them; a user or\n"
"group of the layout that does not exist is shown), 66 DIR cannot be\n"
"opened, 77 DIR is not safe, 64 usage.\n";

static int
run(void *opts, struct err *err)
{
	struct status_opts *o = opts;
	size_t i;

	if (o->c.services.n == 0)	/* no --service-dir: the usual ones */
		for (i = 0; i < NDEFAULT_SERVICE_DIRS; i++)
			o->c.services.v[o->c.services.n++] =
			    default_service_dirs[i];
	return status_run(o, err) == -1 ? -1 : 0;
}

const struct cmdline status_line = {
	.usage = status_usage,
	.groups = OPTS_SNI | OPTS_DIR | OPTS_SERVICES | OPTS_FORMAT,
	.size = sizeof(struct status_opts),
	.run = run
};
