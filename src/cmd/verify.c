/*
 * verify.c: the command line of qmail-pem verify (ops/verify.c does the
 * work).  A usage error is a Nagios UNKNOWN, with a status line like any
 * other report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "cmd/commands.h"
#include "cmd/opts.h"
#include "live/smtptarget.h"
#include "ops/verify.h"
#include "site/policy.h"

static const struct opt_field fields[] = {
	{ OPT_VERBOSE, offsetof(struct verify_args, verbose), 0, 0 },
	{ OPT_WARNING, offsetof(struct verify_args, warn_days), 0, 36500 },
	{ OPT_CRITICAL, offsetof(struct verify_args, crit_days), 0, 36500 },
	{ OPT_CLIENT_USER, offsetof(struct verify_args, client_user), 0, 0 },
	{ OPT_CONNECT, offsetof(struct verify_args, live.connect), 0, 0 },
	{ OPT_TLS, offsetof(struct verify_args, live.implicit_tls), 0, 0 },
	{ 0, 0, 0, 0 }
};

/* The options of the live check that are more than a value stored. */
static int
live_option(struct live_cmd *l, int ch, const char *arg, struct err *err)
{
	switch (ch) {
	case OPT_STARTTLS:
		if (strcmp(arg, "smtp") != 0)
			return err_set(err, EX_USAGE, "--starttls takes smtp, "
			    "not '%s' (--tls for SMTPS on port 465)", arg);
		l->starttls = 1;
		break;
	case OPT_TIMEOUT:
		l->timeout_given = 1;
		return opts_number(arg, 1, 300, &l->timeout, "--timeout", err);
	case OPT_HELO:
		l->helo = arg;
		return smtptarget_check_helo(arg, err);
	}
	return 0;
}

static int
verify_option(void *opts, int ch, char *arg, struct err *err)
{
	struct verify_args *a = opts;
	int format;

	switch (ch) {
	case OPT_DIR:
		a->live.dir_given = 1;
		break;
	case OPT_HOSTNAME:
		if (!x509gen_valid_dns_name(arg))
			return err_set(err, EX_USAGE, "--hostname '%s' is not "
			    "a valid host name", arg);
		break;
	case OPT_REPORT_FORMAT:
		if (opts_choice(arg, report_format_names, &format, "--format",
		    err) == -1)
			return -1;
		a->format = (enum report_format)format;
		break;
	case OPT_SERVER_GROUP:
		a->server_group_given = 1;
		break;
	case OPT_SERVER_USER:
		a->server_user = arg;
		a->server_user_given = 1;
		break;
	default:
		return live_option(&a->live, ch, arg, err);
	}
	return 0;
}

/* After all options: the live ones fit together, the target parsed. */
static int
live_finish(struct live_cmd *l, struct err *err)
{
	if (l->connect == NULL) {
		if (l->starttls || l->implicit_tls || l->timeout_given ||
		    l->helo != NULL)
			return err_set(err, EX_USAGE, "--starttls, --tls, "
			    "--timeout and --helo belong to the live check: "
			    "add --connect HOST[:PORT]");
		return 0;
	}
	if (l->starttls && l->implicit_tls)
		return err_set(err, EX_USAGE, "--starttls smtp and --tls "
		    "exclude each other: --tls is for SMTPS (TLS from the "
		    "first byte, port 465)");
	if (smtptarget_parse(l->connect, l->implicit_tls, &l->target,
	    err) == -1)
		return -1;
	if (l->helo == NULL) {
		smtptarget_default_helo(l->helo_buf, sizeof(l->helo_buf));
		l->helo = l->helo_buf;
	}
	return 0;
}

static int
check_options(void *opts, struct err *err)
{
	struct verify_args *a = opts;

	if (a->crit_days > a->warn_days)
		return err_set(err, EX_USAGE, "-c %d is more than -w %d: the "
		    "critical threshold must be the nearer one", a->crit_days,
		    a->warn_days);
	return live_finish(&a->live, err);
}

/* Nagios: usage errors are UNKNOWN, with a status line as report.c
 * writes every other one: an argument with '|' or a newline must not
 * split it. */
static void
unknown_line(const void *o, const struct err *err)
{
	const struct verify_args *a = o;
	struct verify_summary s;
	struct err ignored = { 0 };
	char *text = NULL;
	size_t len = 0;

	memset(&s, 0, sizeof(s));
	s.status = CHECK_UNKNOWN;
	s.error = err->text[0] ? err->text : "bad command line: see "
	    "qmail-pem help verify";
	s.dir = a->c.dir;
	s.warn_days = a->warn_days;
	s.crit_days = a->crit_days;
	/* --format json before the error: the error as a JSON report */
	if (report_render(&s, a->format == REPORT_JSON ? REPORT_JSON :
	    REPORT_NAGIOS, &text, &len, &ignored) == 0)
		fwrite(text, 1, len, stdout);
	free(text);
	fflush(stdout);
}

static const char verify_usage[] =
"usage: qmail-pem verify [-d DIR] [-w DAYS] [-c DAYS] [--hostname NAME]\n"
"                        [--format nagios|json|prometheus] [--output FILE]\n"
"                        [--server-group G] [--client-group G] [--owner U]\n"
"                        [--server-user U] [--client-user U] [-v]\n"
"                        [--service-dir D]...\n"
"                        [--connect HOST[:PORT] [--starttls smtp | --tls]\n"
"                         [--timeout SEC] [--helo NAME]]\n"
"\n"
"Check servercert.pem and clientcert.pem in DIR (default /var/qmail/control),\n"
"and the other TLS files there (client CAs and CRL, tlsclients, tlshosts/,\n"
"cipher lists, DH and temporary RSA files), and report as a Nagios plugin\n"
"(exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), as JSON or as a Prometheus\n"
"textfile.  Changes nothing in DIR.\n"
"\n"
"  -d DIR               qmail control directory\n"
"  --sni NAME           only servercerts/NAME/servercert.pem, the SNI\n"
"                       certificate for NAME\n"
"  -w, --warning DAYS   WARNING when a certificate expires within DAYS (30)\n"
"  -c, --critical DAYS  CRITICAL when it expires within DAYS (7)\n"
"  --hostname NAME      name the server certificate must cover (default: DIR/me)\n"
"  --format F           nagios (default), json or prometheus\n"
"  --output FILE        write the report to FILE atomically (temp + rename)\n"
"  --server-group G     group servercert.pem should have (default: as install\n"
"                       would leave it: the group it has when its readers\n"
"                       are in it, else the group of the reader a run script\n"
"                       names, else nofiles)\n"
"  --client-group G     group clientcert.pem should have (default: likewise,\n"
"                       else qmail)\n"
"  --owner U            owner of both files (default root)\n"
"  --server-user U      user qmail-smtpd runs as, for the read test (qmaild)\n"
"  --client-user U      user qmail-remote runs as, for the read test (qmailr)\n"
"  --service-dir D      run scripts that say who reads the files, for the read\n"
"                       test and reader-cannot-read (repeatable; default\n"
"                       /service, /etc/service, /var/service)\n"
"  -v                   a line per check; also whether the files share a key\n"
"  --connect HOST[:PORT]\n"
"                       also check the running server over SMTP ([::1]:25\n"
"                       for IPv6); without -d the server only, no files\n"
"  --starttls smtp      STARTTLS on port 25 (the default)\n"
"  --tls                TLS from the first byte (SMTPS, port 465)\n"
"  --timeout SEC        time for each step of the dialogue (default 10)\n"
"  --helo NAME          name to send with EHLO (default: this host's name)\n";

static void
defaults(void *o)
{
	struct verify_args *a = o;

	/* Monitoring runs verify every minute and it exits right after its
	 * report: OpenSSL's cleanup at exit would spend a fifth of a
	 * millisecond freeing what the exit frees anyway.  This must be the
	 * process's first OpenSSL call. */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	a->server_user = DEFAULT_SERVER_USER;
	a->client_user = DEFAULT_CLIENT_USER;
	a->warn_days = DEFAULT_WARN_DAYS;
	a->crit_days = DEFAULT_CRIT_DAYS;
	a->format = REPORT_NAGIOS;
	a->live.timeout = DEFAULT_LIVE_TIMEOUT;
}

/* The Nagios status: verify says its errors itself, in the report too. */
static int
run(void *o, struct err *err)
{
	(void)err;
	return verify_run(o);
}

const struct cmdline verify_line = {
	.usage = verify_usage,
	.groups = OPTS_SNI | OPTS_DIR | OPTS_VERBOSE | OPTS_OWNERS | OPTS_SERVICES |
	    OPTS_HOSTNAME | OPTS_OUTPUT | OPTS_REPORT | OPTS_LIVE,
	.size = sizeof(struct verify_args),
	.defaults = defaults,
	.fields = fields,
	.option = verify_option,
	.check = check_options,
	.run = run,
	.before_usage_error = unknown_line,
	.usage_status = CHECK_UNKNOWN
};
