/*
 * ctlfile.h: what a key file in the control directory holds right now.
 *
 * Reads servercert.pem or clientcert.pem without following links in the
 * directory; a symlink to a file in the same directory (the qmailrocks
 * layout) is resolved by name, one level only; a symlink that leaves the
 * directory is refused.
 */
#ifndef QP_CTLFILE_H
#define QP_CTLFILE_H

#include <sys/stat.h>

#include "base/err.h"
#include "perms.h"
#include "x509/chain.h"
#include "x509/pemfile.h"

struct ctl_file {
	const char		*name;
	int			 exists;	/* anything at that name */
	struct stat		 st;		/* its lstat */
	int			 is_symlink;
	char			 link_target[4096];
	char			 source[256];	/* the name whose bytes we read */
	char			*data;		/* cleansed when freed */
	size_t			 len;
	struct pem_bundle	 bundle;
	struct chain_result	 chain;		/* leaf first */
	int			 needs_rewrite;	/* usable but not our layout */
};

/*
 * Read and check name.  Returns 0 if it does not exist or was read and is
 * usable (f->exists says which), -1 with a message if it cannot be used.
 */
int ctlfile_read(const struct perms_dir *dir, const char *name,
    struct ctl_file *f, struct err *err);
void ctlfile_free(struct ctl_file *f);

/* Resolve a symlink target to a name in the directory, or fail. */
int ctlfile_link_in_dir(const struct perms_dir *dir, const char *name,
    const char *target, char *inname, size_t size, struct err *err);

#endif
