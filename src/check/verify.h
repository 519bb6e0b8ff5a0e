/*
 * verify.h: the checks of qmail-pem verify, shared with rotate (which
 * verifies every new file before it replaces the old one); what they
 * find goes into the reports of finding.h.
 */
#ifndef QP_VERIFY_H
#define QP_VERIFY_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/x509.h>

#include "base/err.h"
#include "check/finding.h"
#include "perms.h"
#include "site/readerbin.h"

struct verify_opts {
	const char		*hostname;	/* NULL: skip the host check */
	int			 warn_days;	/* default 30 */
	int			 crit_days;	/* default 7 */
	struct perms_target	 expect;	/* owner, group, mode 0640 */
	int			 usage;		/* USAGE_SERVER or USAGE_CLIENT */
	time_t			 now;		/* 0: time(NULL) */
	const char		*no_hostname_why; /* hostname NULL: why */
	/* What the file's readers load (rsa-key, chain-sent); NULL: not
	 * known (rotate checking its new bytes). */
	const struct readerbin_file *loads;
	const char		*dir;		/* for hints; NULL: the default */
	const char		*install;	/* the hints' "qmail-pem install
						 * -d DIR ...", complete
						 * (model_command); NULL: plain */
};

/*
 * The content checks of one file's bytes (parses, key-matches, expiry,
 * strength, rsa-key, leaf-ca, eku, hostname ...); appends to r.  Used by
 * verify on the files on disk and by rotate on the bytes it is about to
 * write.  Returns -1 only on an internal error (message recorded).
 */
int verify_content(const char *data, size_t len, const struct verify_opts *o,
    struct file_report *r, struct err *err);

/* Append every content check from the one named `from' (NULL: all) as
 * SKIPPED with the reason why. */
void verify_skip_content(struct file_report *r, const char *from,
    const char *why);
/* Fill the certificate fields of r (have_cert, dates, days_left,
 * subject, issuer, serial, key, SANs, fingerprints) from leaf. */
void verify_describe_cert(X509 *leaf, time_t now, struct file_report *r);
#endif
