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

#include "ctlfile.h"
#include "control.h"
#include "install.h"
#include "msg.h"
#include "pemfile.h"
#include "plan.h"
#include "privs.h"
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

static int
run_install(struct install_opts *o)
{
	struct perms_dir dir = { .fd = -1 };
	struct ctl_file srv, cli;
	struct file_plan plans[2];
	int rc = -1, i;

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	memset(plans, 0, sizeof(plans));
	if (o->newcert.key_type_given)
		newcert_warn_non_rsa(o->newcert.key_type);
	if (owners_resolve(&o->owners) == -1)
		goto out;
	if (!o->dry_run && privs_check_can_write() == -1)
		goto out;
	if (perms_open_dir(o->dir, &dir) == -1)
		goto out;
	if (!o->dry_run && perms_lock_dir(&dir, o->lock_timeout) == -1)
		goto out;
	if (ctlfile_read(&dir, SERVERCERT, &srv) == -1 ||
	    ctlfile_read(&dir, CLIENTCERT, &cli) == -1)
		goto out;
	if (build_contents(o, &dir, &srv, &cli, plans) == -1)
		goto out;
	plans[0].name = SERVERCERT;
	plans[0].target = o->owners.server;
	plans[1].name = CLIENTCERT;
	plans[1].target = o->owners.client;
	for (i = 0; i < 2; i++) {
		plans[i].keep_backup = 1;
		if (plan_decide(&dir, &plans[i]) == -1)
			goto out;
	}
	if (!o->dry_run && plan_apply(&dir, plans, 2, time(NULL)) == -1) {
		/* Say what did happen before the error. */
		goto out;
	}
	if (o->json)
		rc = plan_print_json("install", &dir, plans, 2, o->dry_run);
	else {
		plan_print(plans, 2, o->dry_run);
		rc = 0;
	}
out:
	plan_free(plans, 2);
	ctlfile_free(&srv);
	ctlfile_free(&cli);
	perms_close_dir(&dir);
	return rc;
}

static const char install_usage[] =
"usage: qmail-pem install [-d DIR] [--hostname NAME] [--san NAME]...\n"
"                         [--key-type TYPE] [--days N] [--distinct-keys]\n"
"                         [--new-key] [--server-group G] [--client-group G]\n"
"                         [--owner U] [--format text|json] [--wait SEC]\n"
"                         [--dry-run] [-q | -v]\n"
"\n"
"Write servercert.pem (root:nofiles 0640) and clientcert.pem (root:qmail 0640)\n"
"in DIR (default /var/qmail/control): two regular files, each holding the\n"
"unencrypted private key followed by the certificate chain, leaf first.\n"
"An existing key and certificate are kept; a symlink is replaced by a real\n"
"file; owners and modes are fixed; the old file is kept as NAME.<time>.bak.\n"
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
"  --format json        print the result as JSON (per-file \"changed\")\n"
"  --wait SEC           wait at most SEC for another writer (default 30)\n"
"  --dry-run            print the plan and change nothing\n"
"  -q, -v               quieter, more detail\n";

int
cmd_install(int argc, char *argv[])
{
	enum { OPT_HOSTNAME = 256, OPT_SAN, OPT_KEY_TYPE, OPT_DAYS,
	    OPT_DISTINCT, OPT_NEW_KEY, OPT_SERVER_GROUP, OPT_CLIENT_GROUP,
	    OPT_OWNER, OPT_DRY_RUN, OPT_FORMAT, OPT_WAIT };
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
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct install_opts o;
	int ch;

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
	if (optind != argc) {
		msg_fail(EX_USAGE, "unexpected argument '%s'", argv[optind]);
		return usage_error(install_usage);
	}
	if (run_install(&o) == -1) {
		msg_print_error();
		return msg_status();
	}
	return EX_OK;
}
