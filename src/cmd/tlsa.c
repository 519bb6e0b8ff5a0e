/*
 * tlsa.c: the command line of qmail-pem tlsa (ops/tlsa.c does the work).
 */
#include <string.h>
#include <sysexits.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/tlsa.h"

enum { OPT_STAGED = OPT_OWN };

static const struct option tlsa_options[] = {
	{ "staged", no_argument, NULL, OPT_STAGED },
	{ NULL, 0, NULL, 0 }
};

static int
tlsa_option(void *opts, int ch, char *arg, struct err *err)
{
	struct tlsa_opts *o = opts;

	(void)arg;
	(void)err;
	if (ch == OPT_STAGED)
		o->staged = 1;
	return 0;
}

static const char tlsa_usage[] =
"usage: qmail-pem tlsa [-d DIR] [--staged] [--hostname NAME]\n"
"\n"
"Print the DANE TLSA record (3 1 1: DANE-EE, public key, SHA-256) of the key\n"
"in DIR/servercert.pem, as a zone file line; with --staged also the record of\n"
"the key staged by qmail-pem rotate --stage (servercert.pem.next).\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --staged             also print the record of the staged key\n"
"  --hostname NAME      the MX host (default: first line of DIR/me)\n";

static const struct cmdline tlsa_line = {
	tlsa_usage, OPTS_DIR | OPTS_HOSTNAME, "", tlsa_options, tlsa_option,
	NULL, NULL, 0
};

int
cmd_tlsa(int argc, char *argv[])
{
	struct tlsa_opts o;
	struct err err = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	common_defaults(&o.c);
	if ((rc = opts_parse(&tlsa_line, argc, argv, &o.c, &o)) != OPTS_RUN)
		return rc;
	return tlsa_run(&o, &err) == -1 ? err_print(&err) : EX_OK;
}
