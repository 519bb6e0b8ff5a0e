/*
 * tlsa.c: the command line of qmail-pem tlsa (ops/tlsa.c does the work).
 */
#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/tlsa.h"

static const char tlsa_usage[] =
"usage: qmail-pem tlsa [-d DIR] [--staged] [--hostname NAME]\n"
"\n"
"Print the DANE TLSA record (3 1 1: DANE-EE, public key, SHA-256) of the key\n"
"in DIR/servercert.pem, as a zone file line; with --staged also the record of\n"
"the key staged by qmail-pem rotate --stage (servercert.pem.next).\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --sni NAME           only servercerts/NAME/servercert.pem, the SNI\n"
"                       certificate for NAME\n"
"  --staged             also print the record of the staged key\n"
"  --hostname NAME      the MX host (default: first line of DIR/me)\n";

OPTS_RUN_WITH(tlsa_run)

static const struct opt_field fields[] = {
	{ OPT_STAGED, offsetof(struct tlsa_opts, staged), 0, 0 },
	{ 0, 0, 0, 0 }
};

const struct cmdline tlsa_line = {
	.usage = tlsa_usage,
	.groups = OPTS_SNI | OPTS_DIR | OPTS_HOSTNAME | OPTS_STAGED,
	.size = sizeof(struct tlsa_opts),
	.fields = fields,
	.run = run
};
