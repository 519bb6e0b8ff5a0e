/*
 * tlshosts.h: qmail-remote's per-host TLS settings (issue 23).
 *
 * qmail-remote (qmailr:qmail) stats control/tlshosts/HOST.pem for the MX
 * host HOST it connects to: when it exists, it loads the file with
 * SSL_CTX_load_verify_locations and requires a certificate for HOST from
 * one of its CAs (a failure defers the mail, "TLS unable to load" or
 * "TLS unable to verify server"); when it does not and
 * control/tlshosts/exhaustivelist or control/notlshosts/HOST exists, it
 * does not try TLS with HOST at all.  tlshosts_check() reports the two
 * directories ("tlshosts/", "notlshosts/": directory, acl,
 * reader-can-read, names, exhaustivelist, hosts) and every HOST.pem
 * ("tlshosts/HOST.pem": host-name and the checks of a CA file, see
 * tlsdisk.h and tlscontent.h), and lists the hosts for status.
 */
#ifndef QP_TLSHOSTS_H
#define QP_TLSHOSTS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "check/tlsdisk.h"
#include "check/tlsreport.h"
#include "perms.h"

#define TLSHOSTS_MAX	1000	/* names read from each directory; more
				 * are counted */

struct tlshosts_opts {
	const struct perms_dir		*dir;		/* the control directory */
	const char			*dir_arg;	/* as named, for fixes */
	const struct tlsdisk_readers	*remote;	/* qmail-remote's */
	gid_t				 reader_gid;	/* (rsa*.pem only) */
	time_t				 now;
};

/* What status (issue 21) shows. */
struct tlshosts_result {
	int	  exhaustivelist;	/* tlshosts/exhaustivelist exists */
	char	**tlshosts;		/* HOST of each tlshosts/HOST.pem */
	size_t	  ntlshosts;
	char	**notlshosts;		/* the names in notlshosts/ */
	size_t	  nnotlshosts;
};

/* Reports into l; the names into out.  When memory runs out l->failed is
 * set.  Free out with tlshosts_free(). */
void tlshosts_check(const struct tlshosts_opts *o, struct tlsreport_list *l,
    struct tlshosts_result *out);
void tlshosts_free(struct tlshosts_result *r);

#endif
