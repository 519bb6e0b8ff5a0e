/*
 * policy.h: the installation's policy, the one place that knows a default.
 *
 * qmail's TLS patch reads servercert.pem as qmail-smtpd, which runs as
 * qmaild with group nofiles, and clientcert.pem as qmail-remote, which
 * qmail-start runs as qmailr with group qmail.  The safe layout is two
 * regular files, each root's and readable (0640) only by its reader's
 * group.  Every name, owner, group, user, threshold and count that a
 * command uses unless told otherwise is defined here; the tables are in
 * policy.c.  Other modules take these values from their callers or
 * include this header: none types them again.
 */
#ifndef QP_POLICY_H
#define QP_POLICY_H

#include <stddef.h>

#include "x509gen.h"

/* The control directory and the files qmail-pem keeps in it. */
#define DEFAULT_DIR		"/var/qmail/control"
#define SERVERCERT		"servercert.pem"
#define CLIENTCERT		"clientcert.pem"
/* The key of `qmail-pem csr --new-key', root:root 0600, until its
 * certificate is installed with `install --cert'. */
#define PENDING_KEY		"servercert.pem.pending-key"
/* rotate --stage writes NAME.next for a DANE rollover. */
#define STAGED_SUFFIX		".next"
#define SERVERCERT_NEXT		SERVERCERT STAGED_SUFFIX
#define CLIENTCERT_NEXT		CLIENTCERT STAGED_SUFFIX
/* The note of a rollback that is not finished, root:root 0600. */
#define ROLLBACK_NOTE		".qmail-pem-rollback"
/* The keys rotate --commit replaced (site/danenote.h), root:root 0600. */
#define DANE_NOTE		".qmail-pem-dane"
#define ME_FILE			"me"	/* the host name, qmail's control/me */
/* SNI certificates (sagredo's qmail-smtpd): SNI_DIR/NAME/servercert.pem,
 * read like servercert.pem for a client that asks for NAME; the
 * directories root:root SNI_DIR_MODE. */
#define SNI_DIR			"servercerts"
#define SNI_DIR_MODE		0755
#define SNI_MAX			64	/* SNI files verify and rotate take */

/*
 * qmail's other TLS files in the control directory (qmail-tls; issue 23),
 * checked by verify when they exist.  qmail-smtpd reads the client CAs,
 * their CRL, the addresses that may relay with a client certificate, its
 * cipher list and, in builds of older patches, DH parameters (dh*.pem)
 * and temporary RSA keys (rsa*.pem, made by update_tmprsadh);
 * qmail-remote its cipher list and the per-host directories.
 */
#define CLIENTCA		"clientca.pem"
#define CLIENTCRL		"clientcrl.pem"
#define TLSCLIENTS		"tlsclients"
#define TLSSERVERCIPHERS	"tlsserverciphers"
#define TLSCLIENTCIPHERS	"tlsclientciphers"
#define TLSHOSTS_DIR		"tlshosts"	/* HOST.pem: CAs for HOST */
#define TLSHOSTS_EXHAUSTIVE	"exhaustivelist"	/* in tlshosts/ */
#define NOTLSHOSTS_DIR		"notlshosts"	/* HOST: no TLS with it */
#define DHPARAMS_PREFIX		"dh"		/* dh*.pem */
#define TMPRSA_PREFIX		"rsa"		/* rsa*.pem */
#define TLSFILE_SUFFIX		".pem"
/* A temporary RSA key is its reader's, 0600, as update_tmprsadh makes it,
 * or root's and readable by its reader's group. */
#define TMPRSA_MODE		0600
#define TMPRSA_GROUP_MODE	0640

/* Owner, groups and mode of the key files; the readers' users. */
#define DEFAULT_OWNER		"root"
#define DEFAULT_SERVER_GROUP	"nofiles"	/* qmail-smtpd's (qmaild's) */
#define DEFAULT_CLIENT_GROUP	"qmail"		/* qmail-remote's */
#define DEFAULT_SERVER_USER	"qmaild"	/* runs qmail-smtpd */
#define DEFAULT_CLIENT_USER	"qmailr"	/* runs qmail-remote */
#define KEY_FILE_MODE		0640
#define PRIVATE_FILE_MODE	0600	/* root's only: pending key, notes */

/* New keys and certificates. */
/* Every qmail TLS patch loads an RSA key. */
#define DEFAULT_KEY_TYPE	KEY_RSA2048
#define DEFAULT_DAYS		365

/* verify's expiry thresholds, and the content checks of what is written. */
#define DEFAULT_WARN_DAYS	30
#define DEFAULT_CRIT_DAYS	7

#define DEFAULT_KEEP		5	/* backups rotate keeps per file */
#define DEFAULT_WAIT		30	/* seconds to wait for another writer */
#define DEFAULT_LIVE_TIMEOUT	10	/* seconds per step of --connect */

/*
 * One file qmail-pem manages: where it is under DIR, who reads it and the
 * group it gets unless told otherwise.  servercert.pem and clientcert.pem
 * are the first two; each SNI_DIR/NAME/servercert.pem is one more with
 * servercert.pem's reader and rules (site/sni.h makes them).
 */
enum file_role { ROLE_SERVER, ROLE_CLIENT };
struct managed_file {
	char		 subdir[sizeof(SNI_DIR) + 256];	/* "" or SNI_DIR/NAME */
	const char	*name;		/* SERVERCERT or CLIENTCERT, in it */
	char		 label[sizeof(SNI_DIR) + 256 + 16]; /* its path under
					 * DIR: "servercerts/NAME/servercert.pem" */
	const char	*sni;		/* NAME, or NULL */
	enum file_role	 role;		/* qmail-smtpd's or qmail-remote's */
	const char	*default_group;	/* DEFAULT_SERVER_GROUP ... */
};
extern const struct managed_file managed_files[2];	/* policy.c */

/* The service directories whose run scripts say who reads the files
 * (daemontools, runit, s6), in policy.c; a command takes at most
 * MAX_SERVICE_DIRS --service-dir. */
extern const char *const default_service_dirs[];
#define NDEFAULT_SERVICE_DIRS	3
#define MAX_SERVICE_DIRS	16

#endif
