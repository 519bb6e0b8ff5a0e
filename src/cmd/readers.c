/*
 * readers.c: the command line of qmail-pem readers (ops/readable.c does
 * the work).
 */
#include <string.h>
#include <sysexits.h>

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

static const struct cmdline readers_line = {
	readers_usage, OPTS_DIR | OPTS_SERVICES | OPTS_FORMAT, "", NULL, NULL,
	NULL, NULL, 0
};

int
cmd_readers(int argc, char *argv[])
{
	struct readable_opts o;
	struct err err = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	common_defaults(&o.c);
	if ((rc = opts_parse(&readers_line, argc, argv, &o.c, &o)) != OPTS_RUN)
		return rc;
	return (rc = readable_run(&o, &err)) == -1 ? err_print(&err) : rc;
}
