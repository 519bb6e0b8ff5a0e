/*
 * install.c: the command line of qmail-pem install (ops/install.c does
 * the work).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "ops/install.h"
#include "site/policy.h"

static const struct opt_field fields[] = {
	{ OPT_KEY, offsetof(struct install_opts, import.key), 0, 0 },
	{ OPT_CERT, offsetof(struct install_opts, import.cert), 0, 0 },
	{ OPT_PKCS12, offsetof(struct install_opts, import.pkcs12), 0, 0 },
	{ OPT_FORCE, offsetof(struct install_opts, import.force), 0, 0 },
	{ OPT_CLIENT_SELF_SIGNED, offsetof(struct install_opts,
	    client_self_signed), 0, 0 },
	{ OPT_KEEP, offsetof(struct install_opts, keep), 1, 10000 },
	{ 0, 0, 0, 0 }
};

/* --chain, --from-certbot and --passin: more than a value stored. */
static int
install_option(void *opts, int ch, char *arg, struct err *err)
{
	struct install_opts *o = opts;
	struct import_src *src = &o->import;

	switch (ch) {
	case OPT_CHAIN:
		if (src->nchain >= IMPORT_MAX_CHAIN)
			return err_set(err, EX_USAGE, "at most %d --chain "
			    "files", IMPORT_MAX_CHAIN);
		src->chain[src->nchain++] = arg;
		break;
	case OPT_FROM_CERTBOT:
		src->from_certbot = 1;
		src->lineage = arg;
		break;
	case OPT_PASSIN:
		if (passin_parse(arg, &o->passin, err) == -1)
			return -1;
		src->passin = &o->passin;
		break;
	}
	return 0;
}

/* --from-certbot LINEAGE_DIR, as well as --from-certbot=DIR. */
static int
install_operand(void *opts, char *arg, int last, struct err *err)
{
	struct install_opts *o = opts;

	if (!last || !o->import.from_certbot || o->import.lineage != NULL)
		return err_set(err, EX_USAGE, "unexpected argument '%s'", arg);
	o->import.lineage = arg;
	return 0;
}

/* Combinations of options that make no sense are usage errors. */
static int
check_import_options(void *opts, struct err *err)
{
	const struct install_opts *o = opts;
	const struct import_src *src = &o->import;
	int sources = (src->key || src->cert) + !!src->pkcs12 +
	    src->from_certbot;

	if (sources > 1)
		return err_set(err, EX_USAGE, "--key/--cert, --pkcs12 and "
		    "--from-certbot are alternatives: give one of them");
	if (src->key && !src->cert)
		return err_set(err, EX_USAGE, "--key needs --cert FILE, the "
		    "certificate issued for that key");
	if (src->nchain && sources == 0)
		return err_set(err, EX_USAGE, "--chain needs --cert FILE (or "
		    "--pkcs12, --from-certbot)");
	if (src->passin && !src->key && !src->pkcs12)
		return err_set(err, EX_USAGE, "--passin is the password of an "
		    "encrypted --key or --pkcs12 file");
	if (o->c.sni != NULL && o->client_self_signed)
		return err_set(err, EX_USAGE, "--client-self-signed is about "
		    "clientcert.pem; --sni NAME manages only "
		    "servercerts/NAME/servercert.pem");
	if (!import_requested(src)) {
		if (o->client_self_signed)
			return err_set(err, EX_USAGE, "--client-self-signed "
			    "goes with an import (--key/--cert, --pkcs12, "
			    "--from-certbot); for two self-signed pairs use "
			    "--distinct-keys");
		if (src->force)
			return err_set(err, EX_USAGE, "--force only applies to "
			    "imported certificates");
		return 0;
	}
	if (o->c.new_key || o->c.distinct_keys)
		return err_set(err, EX_USAGE, "--%s makes self-signed pairs; "
		    "with an imported certificate, use --client-self-signed to "
		    "give clientcert.pem a key of its own",
		    o->c.new_key ? "new-key" : "distinct-keys");
	if (o->c.newcert.nsans > 0 && !o->client_self_signed)
		return err_set(err, EX_USAGE, "--san names hosts in a "
		    "certificate qmail-pem makes; an imported certificate "
		    "keeps the names its CA put in it (with "
		    "--client-self-signed, --san goes into the client "
		    "certificate)");
	return 0;
}

static const char install_usage[] =
"usage: qmail-pem install [-d DIR] [--hostname NAME] [--san NAME]...\n"
"                         [--key-type TYPE] [--days N] [--distinct-keys]\n"
"                         [--new-key] [--allow-non-rsa]\n"
"                         [--server-group G] [--client-group G]\n"
"                         [--owner U] [--format text|json] [--wait SEC]\n"
"                         [--service-dir D]... [--keep N] [--dry-run] [-q | -v]\n"
"       qmail-pem install [-d DIR] --key FILE --cert FILE [--chain FILE]...\n"
"                         [--passin SRC] [--client-self-signed] [--force] ...\n"
"       qmail-pem install [-d DIR] --cert FILE [--chain FILE]... ...\n"
"       qmail-pem install [-d DIR] --pkcs12 FILE [--passin SRC] ...\n"
"       qmail-pem install [-d DIR] --from-certbot [LINEAGE_DIR] ...\n"
"\n"
"Write servercert.pem (root:nofiles 0640) and clientcert.pem (root:qmail 0640)\n"
"in DIR (default /var/qmail/control): two regular files, each holding the\n"
"unencrypted private key followed by the certificate chain, leaf first.\n"
"An existing key and certificate are kept; a symlink is replaced by a real\n"
"file; owners and modes are fixed; the old file is kept as NAME.<time>.bak.\n"
"With --key/--cert, --pkcs12 or --from-certbot, a key and certificate from a\n"
"CA are imported instead; --cert alone installs the certificate for the key\n"
"of `qmail-pem csr' (the pending key, else the one in servercert.pem).\n"
"\n"
"  -d DIR               qmail control directory\n"
"  --sni NAME           only servercerts/NAME/servercert.pem, the SNI\n"
"                       certificate for NAME (folders made root 0755)\n"
"  --hostname NAME      CN and first subjectAltName (default: first line of DIR/me)\n"
"  --san NAME           another DNS name in subjectAltName (repeatable)\n"
"  --key-type TYPE      rsa2048 (default), rsa3072, rsa4096, ec-p256, ec-p384,\n"
"                       ed25519; most qmail TLS patches load RSA keys only\n"
"  --days N             validity of new certificates (default 365)\n"
"  --distinct-keys      give each file its own key and certificate\n"
"  --allow-non-rsa      write a non-RSA key although a reader loads RSA only\n"
"  --new-key            make new keys and certificates even if some exist\n"
"  --server-group G     group that reads servercert.pem (default: the\n"
"                       group it has when its readers are in it, else nofiles)\n"
"  --client-group G     group that reads clientcert.pem (default: likewise,\n"
"                       else qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --service-dir D      run scripts that say who reads the files (repeatable;\n"
"                       default /service, /etc/service, /var/service)\n"
"  --format json        print the result as JSON (per-file \"changed\")\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  --keep N             backups kept per file, each an old private key\n"
"                       (default 5; older ones are removed)\n"
"  --dry-run            print the plan and change nothing\n"
"  -q, -v               quieter, more detail\n"
"import:\n"
"  --key FILE           private key: PEM (PKCS#1, PKCS#8, SEC1, encrypted) or DER\n"
"  --cert FILE          the certificate (PEM or DER), optionally with its chain\n"
"  --chain FILE         intermediate certificates (repeatable); any order\n"
"  --pkcs12 FILE        key and certificates from a PKCS#12 (.p12, .pfx) file\n"
"  --from-certbot [DIR] privkey.pem and fullchain.pem of a certbot lineage\n"
"                       (default $RENEWED_LINEAGE, as set for deploy hooks)\n"
"  --passin SRC         password of an encrypted key or PKCS#12: env:VAR,\n"
"                       file:PATH, fd:N, stdin, or pass:PASSWORD (unsafe: ps)\n"
"  --client-self-signed keep (or make) a self-signed clientAuth key and\n"
"                       certificate of its own for clientcert.pem\n"
"  --force              install a certificate that is not valid now\n";

/* The import's password stays in secure memory until the command is
 * done. */
static int
run(void *opts, struct err *err)
{
	struct install_opts *o = opts;
	int rc = install_run(o, err);

	passin_free(&o->passin);
	return rc;
}

static void
defaults(void *opts)
{
	struct install_opts *o = opts;

	o->keep = DEFAULT_KEEP;
}

const struct cmdline install_line = {
	.usage = install_usage,
	.groups = OPTS_SNI | OPTS_WRITE | OPTS_IMPORT | OPTS_ALLOW_NON_RSA |
	    OPTS_KEEP,
	.size = sizeof(struct install_opts),
	.defaults = defaults,
	.fields = fields,
	.option = install_option,
	.operand = install_operand,
	.check = check_import_options,
	.run = run
};
