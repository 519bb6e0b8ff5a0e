/* install.h: qmail-pem install, and the pieces rotate shares with it. */
#ifndef QP_INSTALL_H
#define QP_INSTALL_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "perms.h"
#include "x509gen.h"

#define SERVERCERT	"servercert.pem"
#define CLIENTCERT	"clientcert.pem"
/* The key of `qmail-pem csr --new-key', root:root 0600, until its
 * certificate is installed with `install --cert'. */
#define PENDING_KEY	"servercert.pem.pending-key"
#define DEFAULT_DIR	"/var/qmail/control"
#define MAX_SANS	64

/* Who owns the files and the groups that read them. */
struct owners {
	const char		*owner;		/* default root */
	const char		*server_group;	/* default nofiles */
	const char		*client_group;	/* default qmail */
	struct perms_target	 server;	/* resolved, mode 0640 */
	struct perms_target	 client;
};

/* Resolve names to ids; an unknown user or group is an error. */
int owners_resolve(struct owners *o, struct err *err);

/* Settings for newly made keys and certificates. */
struct newcert_opts {
	const char	*hostname;	/* NULL: read DIR/me */
	const char	*sans[MAX_SANS];
	size_t		 nsans;
	enum key_type	 key_type;
	int		 key_type_given;
	int		 days;
};

/* The host name for new certificates: --hostname, else the first line
 * of DIR/me; neither is an error (EX_CONFIG). */
int newcert_hostname(const struct perms_dir *dir, const struct newcert_opts *o,
    char *buf, size_t size, struct err *err);

/* A new key and self-signed certificate, serialized for a control file. */
int newcert_make(const struct newcert_opts *o, const char *hostname,
    int usage, char **content, size_t *len, char *note, size_t notesize,
    struct err *err);

/* Warn once when a key type is not RSA. */
void newcert_warn_non_rsa(enum key_type type);

/* Options and long-option parsing shared by install and rotate. */
int common_parse_san(struct newcert_opts *o, const char *arg, struct err *err);

int cmd_install(int argc, char *argv[]);

#endif
