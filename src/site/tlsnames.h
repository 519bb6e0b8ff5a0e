/*
 * tlsnames.h: qmail's other TLS files (issue 23) by the rules of their
 * names, and who may read the temporary RSA keys.  The names themselves
 * are policy.h's.
 *
 * update_tmprsadh (older qmail-tls patches) writes each rsa*.pem as
 * qmail-smtpd's reader (qmaild, group qmail) with mode 0600 and renames
 * it over the old one; a key root owns, group-readable by the reader's
 * group (root:nofiles 0640), is as safe.  Anything else that lets a user
 * or group read or write it is too open: verify says CRITICAL, and
 * install writes the same bytes to a new file with the owner and group
 * kept and mode 0600 (0640 when it is root:READER-GROUP).  A file install
 * and update_tmprsadh each make is right for the other, so neither undoes
 * the other.
 */
#ifndef QP_TLSNAMES_H
#define QP_TLSNAMES_H

#include <sys/stat.h>
#include <sys/types.h>

/* "rsa*.pem", "dh*.pem": the prefix, then something, then ".pem". */
int tlsnames_is_tmprsa(const char *name);
int tlsnames_is_dh(const char *name);
/* "HOST.pem" in tlshosts/: something, then ".pem". */
int tlsnames_is_host_file(const char *name);

/*
 * Is a temporary RSA key with this owner, group and mode (st) readable
 * or writable by anyone but its owner and, when root owns it, the group
 * reader_gid (read only)?  1 with *repair set to the mode install gives
 * it, or 0 (*repair set all the same).
 */
int tlsnames_tmprsa_too_open(const struct stat *st, gid_t reader_gid,
    mode_t *repair);

#endif
