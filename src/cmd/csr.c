/*
 * csr.c: the command line of qmail-pem csr (ops/csr.c does the work).
 */
#include <sysexits.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/csr.h"

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
"  --sni NAME           only servercerts/NAME/servercert.pem, the SNI\n"
"                       certificate for NAME (folders made root 0755)\n"
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

static int
check_key_type(void *opts, struct err *err)
{
	const struct csr_opts *o = opts;

	if (o->c.newcert.key_type_given && !o->c.new_key)
		return err_set(err, EX_USAGE, "--key-type is the type of a "
		    "--new-key; without --new-key the key in servercert.pem is "
		    "used");
	return 0;
}

OPTS_RUN_WITH(csr_run)

static const struct opt_field fields[] = {
	{ OPT_SUBJECT, offsetof(struct csr_opts, subject), 0, 0 },
	{ 0, 0, 0, 0 }
};

const struct cmdline csr_line = {
	.usage = csr_usage,
	.groups = OPTS_SNI | OPTS_DIR | OPTS_QUIET | OPTS_VERBOSE | OPTS_NEW_KEY |
	    OPTS_KEY_TYPE | OPTS_HOSTNAME | OPTS_SAN | OPTS_OUTPUT | OPTS_WAIT |
	    OPTS_SUBJECT,
	.size = sizeof(struct csr_opts),
	.fields = fields,
	.check = check_key_type,
	.run = run
};
