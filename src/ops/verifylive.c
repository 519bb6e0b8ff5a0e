/*
 * verifylive.c: qmail-pem verify --connect: servercert.pem as the server
 * should present it.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/secret.h"
#include "fs/readfile.h"
#include "live/livecheck.h"
#include "ops/verifylive.h"
#include "site/policy.h"
#include "x509/pemfile.h"

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
		    (found == 1 && readfile_dir(dir, SERVERCERT, &data,
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
