/*
 * verify_live.c: qmail-pem verify --connect: options, and servercert.pem
 * as the server should present it.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "cmd/usage.h"
#include "live/livecheck.h"
#include "ops/install.h"
#include "ops/verify_live.h"
#include "x509/pemfile.h"

void
verify_live_init(struct live_cmd *l)
{
	memset(l, 0, sizeof(*l));
	l->timeout = LIVE_DEFAULT_TIMEOUT;
}

int
verify_live_option(struct live_cmd *l, int opt, const char *arg,
    struct err *err)
{
	switch (opt) {
	case LIVE_OPT_CONNECT:
		l->connect = arg;
		return 0;
	case LIVE_OPT_STARTTLS:
		if (strcmp(arg, "smtp") != 0)
			return err_set(err, EX_USAGE, "--starttls takes smtp, "
			    "not '%s' (--tls for SMTPS on port 465)", arg);
		l->starttls = 1;
		return 0;
	case LIVE_OPT_TLS:
		l->implicit_tls = 1;
		return 0;
	case LIVE_OPT_TIMEOUT:
		l->timeout_given = 1;
		return usage_number(arg, 1, 300, &l->timeout, "--timeout", err);
	case LIVE_OPT_HELO:
		l->helo = arg;
		return smtpprobe_check_helo(arg, err);
	}
	return err_set(err, EX_SOFTWARE, "unknown live check option %d", opt);
}

int
verify_live_finish(struct live_cmd *l, struct err *err)
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
	if (smtpprobe_parse_target(l->connect, l->implicit_tls,
	    &l->target, err) == -1)
		return -1;
	if (l->helo == NULL) {
		smtpprobe_default_helo(l->helo_buf, sizeof(l->helo_buf));
		l->helo = l->helo_buf;
	}
	return 0;
}

int
verify_live_run(const struct live_cmd *l, const struct perms_dir *dir,
    int warn_days, int crit_days, time_t now, struct file_report *r,
    struct err *err)
{
	struct live_opts lo;
	struct pem_bundle b;
	struct err unread = { 0 };
	struct stat st;
	char *data = NULL, why[600] = "";
	size_t len = 0;
	int parsed = 0, rc = -1, found;

	memset(&lo, 0, sizeof(lo));
	memset(&b, 0, sizeof(b));
	lo.target = &l->target;
	lo.timeout = l->timeout;
	lo.helo = l->helo;
	lo.warn_days = warn_days;
	lo.crit_days = crit_days;
	lo.now = now;
	lo.expect_name = SERVERCERT;
	if (dir != NULL) {
		if ((found = perms_stat(dir, SERVERCERT, &st, &unread)) == -1 ||
		    (found == 1 && perms_read_file(dir, SERVERCERT, &data,
		    &len, &st, &unread) == -1))
			snprintf(why, sizeof(why), "%s cannot be read: %s",
			    SERVERCERT, unread.text);
		else if (found == 0)
			snprintf(why, sizeof(why), "%s/%s does not exist",
			    dir->path, SERVERCERT);
		else if (pemfile_parse(data, len, &b, err) == -1)
			goto out;
		else if ((parsed = 1, sk_X509_num(b.certs) == 0))
			snprintf(why, sizeof(why), "%s holds no certificate",
			    SERVERCERT);
		else
			lo.expect = b.certs;
		lo.expect_why = why[0] ? why : NULL;
	}
	rc = livecheck_run(&lo, r, err);
out:
	if (parsed)
		pemfile_free(&b);
	if (data != NULL)
		secret_free(data, len);
	return rc;
}
