/*
 * readgroups.h: whether a reader's supplementary groups can change what
 * the kernel answers when the reader opens a path for reading.
 */
#ifndef QP_CHECK_READGROUPS_H
#define QP_CHECK_READGROUPS_H

#include <sys/types.h>

/*
 * 0 when no group but gid can change the answer to opening the absolute
 * path for reading as uid with filesystem gid gid (so the read test may
 * act with gid alone); 1 when a group might, or when that cannot be told.
 */
int readgroups_matter(const char *path, uid_t uid, gid_t gid);

#endif
