/*
 * csr.c: the command line of qmail-pem csr (ops/csr.c does the work).
 */
#include <string.h>
#include <sysexits.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/csr.h"

enum { OPT_SUBJECT = OPT_OWN };

static const struct option csr_options[] = {
	{ "subject", required_argument, NULL, OPT_SUBJECT },
	{ NULL, 0, NULL, 0 }
};

static int
csr_option(void *opts, int ch, char *arg, struct err *err)
{
	struct csr_opts *o = opts;

	(void)err;
	if (ch == OPT_SUBJECT)
		o->subject = arg;
	return 0;
}

static const char csr_usage[] =
"usage: qmail-pem csr [-d DIR] [--new-key] [--key-type TYPE] [--hostname NAME]\n"
"                     [--san NAME]... [--subject DN] [--output FILE]\n"
"                     [--wait SEC] [-q | -v]\n"
"\n"
"Make a certificate signing request (PEM) for this server, from the key in\n"
"DIR/servercert.pem, or with --new-key from a new key kept as\n"
"DIR/servercert.pem.pending-key (root:root 0600) until `qmail-pem install\n"
"--cert' installs the signed certificate with it.  Prints the SHA-256 of\n"
"the public key, to match the certificate later.\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --new-key            make a new key (the live files are left alone)\n"
"  --key-type TYPE      of the new key: rsa2048 (default), rsa3072, rsa4096,\n"
"                       ec-p256, ec-p384, ed25519\n"
"  --hostname NAME      CN and first subjectAltName (default: DIR/me)\n"
"  --san NAME           another DNS name in subjectAltName (repeatable)\n"
"  --subject DN         subject as /O=Example/CN=mail.example.com (CN=NAME is\n"
"                       added when it has no CN)\n"
"  --output FILE        write the request to FILE instead of stdout\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  -q, -v               quieter, more detail\n";

static const struct cmdline csr_line = {
	csr_usage, OPTS_DIR | OPTS_QUIET | OPTS_VERBOSE | OPTS_NEW_KEY |
	OPTS_KEY_TYPE | OPTS_HOSTNAME | OPTS_SAN | OPTS_OUTPUT | OPTS_WAIT, "",
	csr_options, csr_option, NULL, NULL, 0
};

int
cmd_csr(int argc, char *argv[])
{
	struct csr_opts o;
	struct err err = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	common_defaults(&o.c);
	if ((rc = opts_parse(&csr_line, argc, argv, &o.c, &o)) != OPTS_RUN)
		return rc;
	if (o.c.newcert.key_type_given && !o.c.new_key) {
		err_set(&err, EX_USAGE,
		    "--key-type is the type of a --new-key; "
		    "without --new-key the key in servercert.pem is used");
		return opts_usage_error(&csr_line, &err);
	}
	return csr_run(&o, &err) == -1 ? err_print(&err) : EX_OK;
}
