/*
 * tlsdisk.h: the on-disk checks of qmail's other TLS files (issue 23):
 * where a file is as qmail opens it (a symlink followed), who owns it,
 * who may write it, and whether its reader can read it.  For tlsfiles.c.
 *
 * Public files (clientca.pem, clientcrl.pem, tlsclients, the cipher
 * lists, dh*.pem, tlshosts/ and its files, notlshosts/) hold no secret,
 * but whoever can write one changes what qmail trusts: each must be
 * root's (dh*.pem may be its reader's, as update_tmprsadh makes it), not
 * writable by group or others (nor by an extended ACL entry), in a
 * directory that is root's and writable by no one else up to /, and
 * readable (a directory: searchable) by its reader.  A symlink is followed
 * as qmail follows it, and the file and the directories it lies in are
 * checked there.  rsa*.pem are private keys (site/tlsnames.h): a symlink
 * is not followed, and a mode or ACL entry that lets anyone but the
 * reader and root read it is CRITICAL.
 *
 * Check names: regular-file, owner, mode, acl, directory,
 * reader-can-read.  Nothing here fails: what cannot be examined is an
 * UNKNOWN check that says why.
 */
#ifndef QP_TLSDISK_H
#define QP_TLSDISK_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "check/verify.h"
#include "perms.h"
#include "site/readers.h"

#define TLSDISK_MAX_READERS	32

/* Who reads a file: the readers of one program whose ids are known. */
struct tlsdisk_readers {
	const char		*program;	/* "qmail-smtpd", "qmail-remote" */
	const struct reader	*v[TLSDISK_MAX_READERS];
	size_t			 n;
	char			 unknown[600];	/* readers not known, or "" */
};

/* What a file is for, in words for the messages. */
struct tlsdisk_kind {
	const struct tlsdisk_readers *readers;
	int			 reader_may_own;	/* dh*.pem */
	int			 private_key;		/* rsa*.pem */
	enum check_status	 unreadable;	/* status when a reader cannot */
	const char		*writable;	/* "make qmail-smtpd trust ..." */
	const char		*unreadable_means;
};

/* A file as qmail opens it. */
struct tlsdisk_loc {
	struct perms_dir	 dir;		/* the directory holding it */
	int			 own_dir;	/* dir.fd is ours to close */
	char			 name[NAME_MAX + 1];	/* in dir */
	char			 shown[PATH_MAX];	/* its path, for messages */
	struct stat		 st;
	int			 linked;	/* reached through a symlink */
};

/*
 * Find name in parent and add regular-file (and, through a symlink,
 * directory): 1 when l is a regular file to check further, 0 when not
 * (the checks say why).  Close l with tlsdisk_close() either way.
 */
int tlsdisk_locate(const struct perms_dir *parent, const char *name,
    const struct tlsdisk_kind *k, struct tlsdisk_loc *l,
    struct file_report *r);
void tlsdisk_close(struct tlsdisk_loc *l);

/* owner, mode, acl and reader-can-read of a located file. */
void tlsdisk_check_file(const struct tlsdisk_kind *k, gid_t reader_gid,
    const char *dir_arg, const struct tlsdisk_loc *l, struct file_report *r);

/*
 * A directory of the control directory (tlshosts, notlshosts): opened,
 * through a symlink too, into l (l->dir is the directory itself), with
 * directory, acl and reader-can-read (search) added.  1 when it can be
 * listed, 0 when not.
 */
int tlsdisk_open_subdir(const struct perms_dir *parent, const char *name,
    const struct tlsdisk_kind *k, struct tlsdisk_loc *l,
    struct file_report *r);

/*
 * Read a located file (fs/readfile.h): 0, or -1 with check (e.g.
 * "parses") added as SKIPPED (not root) or UNKNOWN.  Free the bytes with
 * secret_free().
 */
int tlsdisk_read(const struct tlsdisk_loc *l, const char *check,
    char **data, size_t *len, struct file_report *r);

/* Does name exist in dir (a symlink counts, wherever it leads; a name
 * that cannot be examined too: the checks will say why)? */
int tlsdisk_present(const struct perms_dir *dir, const char *name);

/* A kind, for the functions above. */
struct tlsdisk_kind tlsdisk_kind_of(const struct tlsdisk_readers *rs,
    enum check_status unreadable, const char *writable,
    const char *unreadable_means);

/*
 * tlsdisk_locate(), tlsdisk_check_file() and tlsdisk_read() in one: name
 * in dir checked on disk, and its bytes for the content check `check'
 * when they can be read: 1 with *data (free with secret_free()), 0
 * when there is nothing to read (the checks say why).
 */
int tlsdisk_check_read(const struct perms_dir *dir, const char *name,
    const struct tlsdisk_kind *k, gid_t reader_gid, const char *dir_arg,
    const char *check, char **data, size_t *len, struct file_report *r);

#endif
