/*
 * tlsfiles.h: qmail's TLS files beside servercert.pem and clientcert.pem
 * (issue 23), as verify shows them and status (issue 21) will.
 *
 * qmail-smtpd reads, as the user its run script gives (qmaild:nofiles by
 * default): clientca.pem, clientcrl.pem and tlsclients (client
 * certificates that may relay), tlsserverciphers (unless the run script
 * sets TLSCIPHERS), and, in builds of older qmail-tls patches, dh*.pem and
 * rsa*.pem (update_tmprsadh).  qmail-remote reads, as qmailr:qmail:
 * tlsclientciphers, tlshosts/HOST.pem (the CAs it requires of HOST),
 * tlshosts/exhaustivelist and notlshosts/HOST.
 *
 * Every one that exists gets a file_report of its own, named as in the
 * control directory ("clientca.pem", "tlshosts/mx.example.com.pem",
 * "tlshosts/"), and a run script's TLSCIPHERS the pseudo-file
 * "TLSCIPHERS:SCRIPT"; nothing is reported for a file that does not
 * exist.  Check names (stable, in every format):
 *   on disk  regular-file, owner, mode, acl, directory, reader-can-read
 *            (tlsdisk.h)
 *   content  parses, private-key, ca-root, ca-expiry (CA files);
 *            crl-count, crl-next-update, crl-issuer, crl-coverage;
 *            dh-bits (tlscontent.h); addresses (tlsclients), host-name
 *            (tlstext.h); ciphers, weak-ciphers (ciphers.h)
 *   use      used (whether and by whom it is read); names (stray files
 *            in tlshosts/), exhaustivelist, hosts (notlshosts/: tlshosts.h)
 * The reports have `secondary' set (report.c: in the Nagios status line
 * only when not OK, and no perfdata).
 *
 * dh*.pem and rsa*.pem are INFO "not used" alone when the qmail-smtpd
 * of the installation (QMAILHOME/bin/qmail-smtpd, or smtpd_program) does
 * not import the readers for them (site/loaders.h); when that cannot be
 * told they are checked as if it did, and used says why.
 */
#ifndef QP_TLSFILES_H
#define QP_TLSFILES_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "base/err.h"
#include "check/ciphers.h"
#include "check/tlshosts.h"
#include "check/tlsreport.h"
#include "check/verify.h"
#include "perms.h"
#include "site/readers.h"

struct tlsfiles_opts {
	const struct perms_dir	 *dir;		/* the control directory, open */
	const char		 *dir_arg;	/* as named (-d), for fixes */
	/* readers_scan(): qmail-smtpd's readers are servercert.pem's (and
	 * their TLSCIPHERS), qmail-remote's clientcert.pem's. */
	const struct reader_list *readers;
	gid_t			  smtpd_group;	/* servercert.pem's group:
						 * rsa*.pem may be root:it 0640 */
	const char		 *smtpd_program; /* NULL: QMAILHOME/bin/
						 * qmail-smtpd */
	struct ciphers_key	  server_key;	/* servercert.pem's key; type
						 * NULL: not known */
	time_t			  now;
};

struct tlsfiles_result {
	struct file_report	 *files;	/* one per file found */
	size_t			  nfiles;
	/* qmail-remote's per-host settings, for status: exhaustivelist,
	 * the hosts of tlshosts/ and of notlshosts/. */
	struct tlshosts_result	  hosts;
	struct tlsreport_list	  reports;	/* owns files and their names */
};

/*
 * Check every file there is.  -1 with err set only when memory runs out;
 * everything the files themselves cause is a check.  Free the result with
 * tlsfiles_free() (also after -1).
 */
int tlsfiles_check(const struct tlsfiles_opts *o, struct tlsfiles_result *out,
    struct err *err);
void tlsfiles_free(struct tlsfiles_result *r);

#endif
