/*
 * install.c: qmail-pem install.
 *
 * Takes the control directory from any state (nothing there, the
 * qmailrocks layout where clientcert.pem is a symlink to servercert.pem,
 * wrong owners or modes, already right) to two regular files, each owned
 * by root and readable only by its reader's group.  Plan first, then write.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ctlfile.h"
#include "control.h"
#include "import.h"
#include "install.h"
#include "msg.h"
#include "pemfile.h"
#include "plan.h"
#include "privs.h"
#include "readercheck.h"
#include "rotate.h"
#include "tmprsa.h"
#include "usage.h"

int
owners_resolve(struct owners *o)
{
	uid_t uid;

	if (perms_lookup_user(o->owner, &uid, NULL) == -1)
		return msg_fail(EX_NOUSER, "owner %s does not exist on this "
		    "system: create it or pass an existing user with --owner",
		    o->owner);
	o->server.uid = o->client.uid = uid;
	o->server.mode = o->client.mode = 0640;
	if (perms_lookup_group(o->server_group, &o->server.gid) == -1)
		return msg_fail(EX_NOUSER, "group %s (for %s) does not exist "
		    "on this system: create it (qmail's install makes "
		    "nofiles) or pass the group qmail-smtpd runs as with "
		    "--server-group", o->server_group, SERVERCERT);
	if (perms_lookup_group(o->client_group, &o->client.gid) == -1)
		return msg_fail(EX_NOUSER, "group %s (for %s) does not exist "
		    "on this system: create it (qmail's install makes qmail) "
		    "or pass the group qmail-remote runs as with "
		    "--client-group", o->client_group, CLIENTCERT);
	return 0;
}

int
newcert_hostname(const struct perms_dir *dir, const struct newcert_opts *o,
    char *buf, size_t size)
{
	int rc;

	if (o->hostname != NULL) {
		if (!x509gen_valid_dns_name(o->hostname))
			return msg_fail(EX_USAGE, "--hostname '%s' is not a "
			    "valid host name", o->hostname);
		snprintf(buf, size, "%s", o->hostname);
		return 0;
	}
	if ((rc = control_read_me(dir, buf, size)) == -1)
		return -1;
	if (rc == 0)
		return msg_fail(EX_CONFIG, "%s/me does not exist, so there is "
		    "no host name for the certificate: pass --hostname "
		    "mail.example.com (or create control/me)", dir->path);
	return 0;
}

void
newcert_warn_non_rsa(enum key_type type)
{
	if (!x509gen_key_type_is_rsa(type))
		msg_warn("%s is not an RSA key type: many qmail TLS patches "
		    "load the key with SSL_CTX_use_RSAPrivateKey_file, which "
		    "only accepts RSA, and then answer STARTTLS with \"454 TLS "
		    "missing RSA private key\"; use it only if your "
		    "qmail-smtpd and qmail-remote load any key type",
		    x509gen_key_type_name(type));
}

int
newcert_make(const struct newcert_opts *o, const char *hostname, int usage,
    char **content, size_t *len, char *note, size_t notesize)
{
	struct cert_request req;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = -1;

	req.hostname = hostname;
	req.sans = o->sans;
	req.nsans = o->nsans;
	req.days = o->days;
	req.usage = usage;
	if ((key = x509gen_new_key(o->key_type)) == NULL ||
	    (cert = x509gen_self_signed(key, &req)) == NULL)
		goto out;
	if ((chain = sk_X509_new_null()) == NULL || !sk_X509_push(chain, cert)) {
		msg_fail(EX_OSERR, "out of memory");
		goto out;
	}
	cert = NULL;	/* owned by chain */
	if (pemfile_serialize(key, chain, content, len) == -1)
		goto out;
	snprintf(note, notesize, "%s key, self-signed for %s, %d days, %s",
	    x509gen_key_type_name(o->key_type), hostname, o->days,
	    usage == (USAGE_SERVER | USAGE_CLIENT) ? "serverAuth+clientAuth" :
	    usage == USAGE_SERVER ? "serverAuth" : "clientAuth");
	rc = 0;
out:
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	return rc;
}

int
common_parse_san(struct newcert_opts *o, const char *arg)
{
	if (o->nsans >= MAX_SANS)
		return msg_fail(EX_USAGE, "at most %d --san names", MAX_SANS);
	if (!x509gen_valid_dns_name(arg))
		return msg_fail(EX_USAGE, "--san '%s' is not a valid DNS name",
		    arg);
	o->sans[o->nsans++] = arg;
	return 0;
}

struct install_opts {
	const char		*dir;
	struct owners		 owners;
	struct newcert_opts	 newcert;
	int			 distinct_keys;
	int			 new_key;
	int			 dry_run;
	int			 json;
	int			 lock_timeout;
	struct import_src	 import;	/* --key, --cert, --pkcs12 ... */
	struct passin		 passin;
	struct service_dirs	 services;	/* --service-dir */
	int			 client_self_signed;
};

/* The bytes a kept file should hold: as it is, or cleaned up. */
static int
kept_content(const struct ctl_file *f, char **content, size_t *len)
{
	if (!f->needs_rewrite) {
		*content = pemfile_copy_bytes(f->data, f->len);
		*len = f->len;
		return *content ? 0 : -1;
	}
	return pemfile_serialize(f->bundle.key, f->chain.chain, content, len);
}

static int
same_key(const struct ctl_file *a, const struct ctl_file *b)
{
	int eq = EVP_PKEY_eq(a->bundle.key, b->bundle.key) == 1;

	ERR_clear_error();
	return eq;
}

/*
 * Decide where each file's key and certificate come from, and build the
 * bytes.  plans[0] is servercert.pem, plans[1] clientcert.pem.
 */
static int
build_contents(const struct install_opts *o, const struct perms_dir *dir,
    struct ctl_file *srv, struct ctl_file *cli, struct file_plan *plans)
{
	struct file_plan *ps = &plans[0], *pc = &plans[1];
	char hostname[256];
	int have_srv = srv->exists && !o->new_key;
	int have_cli = cli->exists && !o->new_key;
	/* clientcert.pem has a key of its own (the distinct-key layout). */
	int cli_is_own = have_cli && !cli->is_symlink &&
	    !(have_srv && same_key(srv, cli));
	int new_srv = !have_srv && (o->distinct_keys || !have_cli);
	int new_cli = !cli_is_own && (o->distinct_keys || new_srv);

	if ((new_srv || new_cli) &&
	    newcert_hostname(dir, &o->newcert, hostname, sizeof(hostname))
	    == -1)
		return -1;

	if (new_srv) {
		if (newcert_make(&o->newcert, hostname, o->distinct_keys ?
		    USAGE_SERVER : USAGE_SERVER | USAGE_CLIENT, &ps->content,
		    &ps->len, ps->note, sizeof(ps->note)) == -1)
			return -1;
		ps->info = ACT_NEW_KEY | ACT_NEW_CERT;
	} else if (have_srv) {
		if (kept_content(srv, &ps->content, &ps->len) == -1)
			return -1;
		ps->same_key_as_old = 1;
		snprintf(ps->note, sizeof(ps->note), "key and certificate kept");
	} else {
		/* Only clientcert.pem exists: servercert.pem gets its key. */
		if (kept_content(cli, &ps->content, &ps->len) == -1)
			return -1;
		snprintf(ps->note, sizeof(ps->note), "same key and "
		    "certificate as %s", CLIENTCERT);
	}

	if (cli_is_own) {
		if (kept_content(cli, &pc->content, &pc->len) == -1)
			return -1;
		pc->same_key_as_old = 1;
		snprintf(pc->note, sizeof(pc->note), "own key and certificate "
		    "kept");
	} else if (o->distinct_keys) {
		if (newcert_make(&o->newcert, hostname, USAGE_CLIENT,
		    &pc->content, &pc->len, pc->note, sizeof(pc->note)) == -1)
			return -1;
		pc->info = ACT_NEW_KEY | ACT_NEW_CERT;
	} else {
		if ((pc->content = pemfile_copy_bytes(ps->content, ps->len))
		    == NULL)
			return -1;
		pc->len = ps->len;
		pc->info = ps->info;
		pc->same_key_as_old = have_cli;
		snprintf(pc->note, sizeof(pc->note), "same key and "
		    "certificate as %s", SERVERCERT);
	}
	return 0;
}

/*
 * An import replaces what is there, so a current file that cannot be used
 * is not an error: say so and carry on.  Other failures (cannot open,
 * unsafe link) stay errors.
 */
static int
read_current(const struct install_opts *o, const struct perms_dir *dir,
    const char *name, struct ctl_file *f, int *unusable)
{
	*unusable = 0;
	if (ctlfile_read(dir, name, f) == 0)
		return 0;
	/* Bad bytes, a dangling or outside symlink: an import or --new-key
	 * does not need them, and replaces the name (never what a link
	 * points to); the old one is kept as a backup. */
	if ((!import_requested(&o->import) && !o->new_key) ||
	    msg_status() != EX_DATAERR)
		return -1;
	msg_warn("%s; it will be replaced", msg_error());
	msg_clear();
	ctlfile_free(f);
	memset(f, 0, sizeof(*f));
	*unusable = 1;
	return 0;
}

/* Is clientcert.pem a self-signed clientAuth pair of its own, valid now,
 * whose key is neither the imported one nor the old server key? */
static int
client_pair_is_own(const struct ctl_file *srv, const struct ctl_file *cli,
    EVP_PKEY *imported)
{
	X509 *leaf;
	int ok;

	if (!cli->exists || cli->is_symlink || cli->chain.chain == NULL ||
	    (srv->exists && same_key(srv, cli)))
		return 0;
	leaf = sk_X509_value(cli->chain.chain, 0);
	ok = EVP_PKEY_eq(cli->bundle.key, imported) != 1 &&
	    chain_is_self_signed(leaf) &&
	    X509_cmp_current_time(X509_get0_notAfter(leaf)) > 0 &&
	    (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
	    (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT));
	ERR_clear_error();
	return ok;
}

/* Host name of a new client certificate: --hostname, DIR/me, or the
 * imported leaf's CN. */
static int
client_hostname(const struct install_opts *o, const struct perms_dir *dir,
    X509 *leaf, char *buf, size_t size)
{
	int rc;

	if (o->newcert.hostname == NULL) {
		if ((rc = control_read_me(dir, buf, size)) != 0)
			return rc == 1 ? 0 : -1;
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf),
		    NID_commonName, buf, (int)size) > 0 &&
		    x509gen_valid_dns_name(buf))
			return 0;
	}
	return newcert_hostname(dir, &o->newcert, buf, size);
}

/*
 * The import: servercert.pem gets the imported key and chain, and so does
 * clientcert.pem unless --client-self-signed keeps (or makes) a pair of
 * its own.  A pending key that was used is removed (plans[2]).
 */
static int
build_import(const struct install_opts *o, const struct perms_dir *dir,
    struct ctl_file *srv, struct ctl_file *cli, int srv_unusable,
    struct import_result *imp, struct file_plan *plans, size_t *nplans)
{
	struct file_plan *ps = &plans[0], *pc = &plans[1];
	char hostname[256];
	int pending = 0;

	if (imp->key == NULL && import_find_key(dir, PENDING_KEY,
	    srv->exists ? srv->bundle.key : NULL, srv_unusable ?
	    "unusable, see the warning above" : "absent", imp, &pending) == -1)
		return -1;
	if (import_finish(imp, o->import.force) == -1)
		return -1;
	if (pemfile_serialize(imp->key, imp->chain.chain, &ps->content,
	    &ps->len) == -1)
		return -1;
	ps->info = ACT_IMPORT;
	ps->key_kept = srv->exists && srv->bundle.key != NULL &&
	    EVP_PKEY_eq(imp->key, srv->bundle.key) == 1;
	ERR_clear_error();
	snprintf(ps->note, sizeof(ps->note), "%s", imp->note);

	if (!o->client_self_signed) {
		if ((pc->content = pemfile_copy_bytes(ps->content, ps->len))
		    == NULL)
			return -1;
		pc->len = ps->len;
		pc->info = ACT_IMPORT;
		snprintf(pc->note, sizeof(pc->note), "same key and "
		    "certificate as %s", SERVERCERT);
	} else if (client_pair_is_own(srv, cli, imp->key)) {
		if (kept_content(cli, &pc->content, &pc->len) == -1)
			return -1;
		pc->same_key_as_old = 1;
		snprintf(pc->note, sizeof(pc->note), "own self-signed key and "
		    "certificate kept");
	} else {
		if (client_hostname(o, dir, sk_X509_value(imp->chain.chain, 0),
		    hostname, sizeof(hostname)) == -1 ||
		    newcert_make(&o->newcert, hostname, USAGE_CLIENT,
		    &pc->content, &pc->len, pc->note, sizeof(pc->note)) == -1)
			return -1;
		pc->info = ACT_NEW_KEY | ACT_NEW_CERT;
	}
	if (pending) {
		plans[2].name = PENDING_KEY;
		plans[2].target.mode = 0600;
		snprintf(plans[2].note, sizeof(plans[2].note), "its key is "
		    "now in %s", SERVERCERT);
		*nplans = 3;
	}
	return 0;
}

/*
 * New and imported certificates are checked where they are made; a kept
 * key and certificate are not judged by install, but an
 * administrator repairing the layout should hear what verify would say
 * about them (expired, weak key, a CA certificate, no serverAuth ...).
 * A file install leaves alone is verify's business (and the second,
 * idempotent run stays fast).
 */
static int
warn_kept(const struct file_plan *plans)
{
	static const int usage[2] = { USAGE_SERVER, USAGE_CLIENT };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (plans[i].content == NULL || plans[i].actions == 0 ||
		    (plans[i].info & (ACT_NEW_CERT | ACT_IMPORT)))
			continue;
		if (replace_verify(plans[i].name, plans[i].content,
		    plans[i].len, &plans[i].target, usage[i], NULL,
		    REPLACE_WARN_ONLY) == -1)
			return -1;
	}
	return 0;
}

/*
 * A key that stays in place after it was readable by every user (the
 * qmailrocks layout) may be known to others: the layout is fixed, but
 * only a new key fixes that.
 */
static void
warn_exposed(const struct file_plan *plans)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct file_plan *p = &plans[i];
		if (p->content == NULL || !p->old_exists ||
		    !S_ISREG(p->old.st_mode) || !(p->old.st_mode & S_IROTH) ||
		    (p->info & ACT_NEW_KEY) ||
		    ((p->info & ACT_IMPORT) && !p->key_kept))
			continue;
		msg_warn("%s was readable by every user (mode %04o): the key "
		    "it keeps may be known to others; make a new one with "
		    "qmail-pem install --new-key", p->name,
		    (unsigned)(p->old.st_mode & 07777));
		return;
	}
}

static int
run_install(struct install_opts *o)
{
	struct perms_dir dir = { .fd = -1 };
	struct ctl_file srv, cli;
	struct file_plan plans[3 + TMPRSA_MAX_REPAIRS];	/* issue 23 */
	struct tmprsa_repairs rsa_names;
	struct import_result imp;
	size_t nplans = 2, i;
	int rc = -1, srv_bad = 0, cli_bad = 0;

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	memset(plans, 0, sizeof(plans));
	memset(&imp, 0, sizeof(imp));
	if (o->newcert.key_type_given)
		newcert_warn_non_rsa(o->newcert.key_type);
	if (owners_resolve(&o->owners) == -1)
		goto out;
	/* a group the real reader is not in breaks STARTTLS: refuse now */
	if (readercheck_refuse(&o->services, &o->owners.server,
	    &o->owners.client) == -1)
		goto out;
	if (!o->dry_run && privs_check_can_write() == -1)
		goto out;
	if (privs_limit(o->dry_run ? PRIVS_READ : PRIVS_WRITE) == -1)
		goto out;
	if (import_requested(&o->import) && import_read(&o->import, &imp) == -1)
		goto out;
	if (perms_open_dir(o->dir, &dir) == -1)
		goto out;
	if (!o->dry_run && perms_lock_dir(&dir, o->lock_timeout) == -1)
		goto out;
	if (rollback_note_refuse(&dir) == -1)
		goto out;
	if (read_current(o, &dir, SERVERCERT, &srv, &srv_bad) == -1 ||
	    read_current(o, &dir, CLIENTCERT, &cli, &cli_bad) == -1)
		goto out;
	if (import_requested(&o->import)) {
		if (build_import(o, &dir, &srv, &cli, srv_bad, &imp, plans,
		    &nplans) == -1)
			goto out;
	} else if (build_contents(o, &dir, &srv, &cli, plans) == -1)
		goto out;
	plans[0].name = SERVERCERT;
	plans[0].target = o->owners.server;
	plans[1].name = CLIENTCERT;
	plans[1].target = o->owners.client;
	/* Issue 23: temporary RSA keys (rsa*.pem) readable beyond their
	 * reader get their mode repaired, by a new file (check/tmprsa.h). */
	if (tmprsa_repair_plans(&dir, o->owners.server.gid, &rsa_names,
	    plans + nplans, TMPRSA_MAX_REPAIRS, &i) == -1)
		goto out;
	nplans += i;
	for (i = 0; i < nplans; i++) {
		/* A used pending key is in servercert.pem now: no backup. */
		plans[i].keep_backup = i < 2;
		if (plan_decide(&dir, &plans[i]) == -1)
			goto out;
	}
	warn_exposed(plans);
	if (warn_kept(plans) == -1)
		goto out;
	if (!o->dry_run && plan_apply(&dir, plans, nplans, time(NULL)) == -1) {
		/* Say what did happen before the error. */
		goto out;
	}
	if (o->json)
		rc = plan_print_json("install", &dir, plans, nplans,
		    o->dry_run);
	else {
		plan_print(plans, nplans, o->dry_run);
		rc = 0;
	}
out:
	plan_free(plans, nplans);
	import_free(&imp);
	ctlfile_free(&srv);
	ctlfile_free(&cli);
	perms_close_dir(&dir);
	return rc;
}

/* The import options, in the order of OPT_KEY ... OPT_PASSIN. */
enum { IMP_KEY, IMP_CERT, IMP_CHAIN, IMP_PKCS12, IMP_CERTBOT, IMP_PASSIN };

static int
import_option(struct install_opts *o, int which, char *arg)
{
	struct import_src *src = &o->import;

	switch (which) {
	case IMP_KEY:
		src->key = arg;
		break;
	case IMP_CERT:
		src->cert = arg;
		break;
	case IMP_CHAIN:
		if (src->nchain >= IMPORT_MAX_CHAIN)
			return msg_fail(EX_USAGE, "at most %d --chain files",
			    IMPORT_MAX_CHAIN);
		src->chain[src->nchain++] = arg;
		break;
	case IMP_PKCS12:
		src->pkcs12 = arg;
		break;
	case IMP_CERTBOT:
		src->from_certbot = 1;
		src->lineage = arg;
		break;
	default:
		if (passin_parse(arg, &o->passin) == -1)
			return -1;
		src->passin = &o->passin;
		break;
	}
	return 0;
}

/* Combinations of options that make no sense are usage errors. */
static int
check_import_options(const struct install_opts *o)
{
	const struct import_src *src = &o->import;
	int sources = (src->key || src->cert) + !!src->pkcs12 +
	    src->from_certbot;

	if (sources > 1)
		return msg_fail(EX_USAGE, "--key/--cert, --pkcs12 and "
		    "--from-certbot are alternatives: give one of them");
	if (src->key && !src->cert)
		return msg_fail(EX_USAGE, "--key needs --cert FILE, the "
		    "certificate issued for that key");
	if (src->nchain && sources == 0)
		return msg_fail(EX_USAGE, "--chain needs --cert FILE (or "
		    "--pkcs12, --from-certbot)");
	if (src->passin && !src->key && !src->pkcs12)
		return msg_fail(EX_USAGE, "--passin is the password of an "
		    "encrypted --key or --pkcs12 file");
	if (!import_requested(src)) {
		if (o->client_self_signed)
			return msg_fail(EX_USAGE, "--client-self-signed goes "
			    "with an import (--key/--cert, --pkcs12, "
			    "--from-certbot); for two self-signed pairs use "
			    "--distinct-keys");
		if (src->force)
			return msg_fail(EX_USAGE, "--force only applies to "
			    "imported certificates");
		return 0;
	}
	if (o->new_key || o->distinct_keys)
		return msg_fail(EX_USAGE, "--%s makes self-signed pairs; with "
		    "an imported certificate, use --client-self-signed to give "
		    "clientcert.pem a key of its own", o->new_key ? "new-key" :
		    "distinct-keys");
	if (o->newcert.nsans > 0 && !o->client_self_signed)
		return msg_fail(EX_USAGE, "--san names hosts in a certificate "
		    "qmail-pem makes; an imported certificate keeps the names "
		    "its CA put in it (with --client-self-signed, --san goes "
		    "into the client certificate)");
	return 0;
}

static const char install_usage[] =
"usage: qmail-pem install [-d DIR] [--hostname NAME] [--san NAME]...\n"
"                         [--key-type TYPE] [--days N] [--distinct-keys]\n"
"                         [--new-key] [--server-group G] [--client-group G]\n"
"                         [--owner U] [--format text|json] [--wait SEC]\n"
"                         [--service-dir D]... [--dry-run] [-q | -v]\n"
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
"  --hostname NAME      CN and first subjectAltName (default: first line of DIR/me)\n"
"  --san NAME           another DNS name in subjectAltName (repeatable)\n"
"  --key-type TYPE      rsa2048 (default), rsa3072, rsa4096, ec-p256, ec-p384,\n"
"                       ed25519; most qmail TLS patches load RSA keys only\n"
"  --days N             validity of new certificates (default 365)\n"
"  --distinct-keys      give each file its own key and certificate\n"
"  --new-key            make new keys and certificates even if some exist\n"
"  --server-group G     group that reads servercert.pem (default nofiles)\n"
"  --client-group G     group that reads clientcert.pem (default qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --service-dir D      run scripts that say who reads the files (repeatable;\n"
"                       default /service, /etc/service, /var/service)\n"
"  --format json        print the result as JSON (per-file \"changed\")\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
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

int
cmd_install(int argc, char *argv[])
{
	enum { OPT_HOSTNAME = 256, OPT_SAN, OPT_KEY_TYPE, OPT_DAYS,
	    OPT_DISTINCT, OPT_NEW_KEY, OPT_SERVER_GROUP, OPT_CLIENT_GROUP,
	    OPT_OWNER, OPT_DRY_RUN, OPT_FORMAT, OPT_WAIT, OPT_KEY, OPT_CERT,
	    OPT_CHAIN, OPT_PKCS12, OPT_FROM_CERTBOT, OPT_PASSIN,
	    OPT_CLIENT_SELF_SIGNED, OPT_FORCE, OPT_SERVICE_DIR };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "san", required_argument, NULL, OPT_SAN },
		{ "key-type", required_argument, NULL, OPT_KEY_TYPE },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "distinct-keys", no_argument, NULL, OPT_DISTINCT },
		{ "new-key", no_argument, NULL, OPT_NEW_KEY },
		{ "server-group", required_argument, NULL, OPT_SERVER_GROUP },
		{ "client-group", required_argument, NULL, OPT_CLIENT_GROUP },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "chain", required_argument, NULL, OPT_CHAIN },
		{ "pkcs12", required_argument, NULL, OPT_PKCS12 },
		{ "from-certbot", optional_argument, NULL, OPT_FROM_CERTBOT },
		{ "passin", required_argument, NULL, OPT_PASSIN },
		{ "client-self-signed", no_argument, NULL,
		    OPT_CLIENT_SELF_SIGNED },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "service-dir", required_argument, NULL, OPT_SERVICE_DIR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct install_opts o;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.dir = DEFAULT_DIR;
	o.owners.owner = "root";
	o.owners.server_group = "nofiles";
	o.owners.client_group = "qmail";
	o.newcert.key_type = KEY_RSA2048;
	o.newcert.days = 365;
	o.lock_timeout = 30;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			break;
		case OPT_HOSTNAME:
			o.newcert.hostname = optarg;
			break;
		case OPT_SAN:
			if (common_parse_san(&o.newcert, optarg) == -1)
				return usage_error(install_usage);
			break;
		case OPT_KEY_TYPE:
			if (x509gen_parse_key_type(optarg,
			    &o.newcert.key_type) == -1)
				return usage_error(install_usage);
			o.newcert.key_type_given = 1;
			break;
		case OPT_DAYS:
			if (usage_number(optarg, 1, 36500, &o.newcert.days,
			    "--days") == -1)
				return usage_error(install_usage);
			break;
		case OPT_DISTINCT:
			o.distinct_keys = 1;
			break;
		case OPT_NEW_KEY:
			o.new_key = 1;
			break;
		case OPT_SERVER_GROUP:
			o.owners.server_group = optarg;
			break;
		case OPT_CLIENT_GROUP:
			o.owners.client_group = optarg;
			break;
		case OPT_OWNER:
			o.owners.owner = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_FORMAT:
			if (usage_format(optarg, &o.json) == -1)
				return usage_error(install_usage);
			break;
		case OPT_WAIT:
			if (usage_number(optarg, 0, 3600, &o.lock_timeout,
			    "--wait") == -1)
				return usage_error(install_usage);
			break;
		case OPT_KEY:
		case OPT_CERT:
		case OPT_CHAIN:
		case OPT_PKCS12:
		case OPT_FROM_CERTBOT:
		case OPT_PASSIN:
			if (import_option(&o, ch - OPT_KEY, optarg) == -1)
				return usage_error(install_usage);
			break;
		case OPT_CLIENT_SELF_SIGNED:
			o.client_self_signed = 1;
			break;
		case OPT_FORCE:
			o.import.force = 1;
			break;
		case OPT_SERVICE_DIR:
			if (service_dirs_add(&o.services, optarg) == -1)
				return usage_error(install_usage);
			break;
		case 'q':
			msg_set_verbosity(MSG_QUIET);
			break;
		case 'v':
			msg_set_verbosity(MSG_VERBOSE);
			break;
		case 'h':
			fputs(install_usage, stdout);
			return EX_OK;
		default:
			return usage_error(install_usage);
		}
	}
	/* --from-certbot LINEAGE_DIR, as well as --from-certbot=DIR */
	if (o.import.from_certbot && o.import.lineage == NULL &&
	    optind == argc - 1)
		o.import.lineage = argv[optind++];
	if (optind != argc) {
		msg_fail(EX_USAGE, "unexpected argument '%s'", argv[optind]);
		return usage_error(install_usage);
	}
	if (check_import_options(&o) == -1)
		return usage_error(install_usage);
	rc = EX_OK;
	if (run_install(&o) == -1) {
		msg_print_error();
		rc = msg_status();
	}
	passin_free(&o.passin);
	return rc;
}
