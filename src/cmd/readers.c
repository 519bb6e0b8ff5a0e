/*
 * readers.c: the command line of qmail-pem readers (ops/readable.c does
 * the work).
 */
#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/readable.h"

static const char readers_usage[] =
"usage: qmail-pem readers [-d DIR] [--service-dir D]... [--format text|json]\n"
"\n"
"Say who reads servercert.pem and clientcert.pem: the program, its user and\n"
"group, and the run script that starts it (read as text, never run), and\n"
"whether that user can read the file in DIR today.\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --service-dir D      a daemontools/runit/s6 service directory to read\n"
"                       (repeatable; default /service, /etc/service and\n"
"                       /var/service)\n"
"  --format json        print the readers as JSON\n"
"\n"
"Exit status: 0 every reader can read its file, 1 one cannot, 2 qmail-pem\n"
"cannot tell for one (see the note), 64 usage, 66 DIR cannot be opened.\n";

OPTS_RUN_WITH(readable_run)

const struct cmdline readers_line = {
	.usage = readers_usage,
	.groups = OPTS_DIR | OPTS_SERVICES | OPTS_FORMAT,
	.size = sizeof(struct readable_opts),
	.run = run
};
