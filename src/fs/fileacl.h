/*
 * fileacl.h: POSIX ACLs of the key files and the control directory
 * (libacl, opened only for a file that has an ACL).
 *
 * A mode says who can read a file only when the file has no extended ACL
 * entries: a named user or group entry (setfacl -m u:nobody:r) lets one
 * more reader in whatever the owner, group and mode, and a default ACL on
 * the directory gives such entries to every file created in it.  Files
 * layer: plain descriptors, no OpenSSL, no messages; functions return -1
 * with errno set.  A file system without ACLs (ENOTSUP) has none: 0.
 * When libacl cannot be opened they fail with ELIBACC.
 */
#ifndef QP_FILEACL_H
#define QP_FILEACL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Give the open file the minimal ACL its mode implies: no named user or
 * group entry, no mask.  Before a key is written to a temp file, after
 * fchmod(fd, mode). */
int fileacl_set_minimal(int fd, mode_t mode);

/*
 * Whether name in the directory dirfd (not followed if a symlink) has
 * extended access ACL entries: 1, with who set to what they let in,
 * "user:nobody:r--, group:adm:r--" (effective permissions, the mask
 * applied); 0 when none.  When st is not NULL, the file must still be the
 * one st describes (else -1, ESTALE).
 */
int fileacl_extended_at(int dirfd, const char *name, const struct stat *st,
    char *who, size_t size);

/* Whether the directory (an open descriptor) has a default ACL: 1, with
 * who set to its named entries (or all of them when it has none), or 0. */
int fileacl_default(int dirfd, char *who, size_t size);

/* strerror(e), or for ELIBACC after a failed load of libacl what failed
 * and the package to reinstall. */
const char *fileacl_strerror(int e);

#endif
