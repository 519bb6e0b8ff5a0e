/*
 * dirnames.h: the names in a directory that a rule picks, sorted (issue
 * 23: rsa*.pem and dh*.pem in the control directory, the files of
 * tlshosts/ and notlshosts/).  An open directory descriptor in, names
 * out; nothing is opened by name and nothing is followed.  The rules (the
 * names of qmail's files) come from the caller.
 */
#ifndef QP_DIRNAMES_H
#define QP_DIRNAMES_H

#include <stddef.h>

#include "base/err.h"

struct dirnames {
	char	**v;		/* sorted (strcmp) */
	size_t	  n;
	size_t	  more;		/* matching names left out beyond max */
};

/*
 * The names of dirfd (a directory open for reading, named shown in
 * messages; it is not moved: the listing works on a descriptor of its
 * own) for which match returns non-zero (NULL: every name but "." and
 * ".."), at most max of them (the first in readdir order; the others are
 * counted in more).  -1 with err set when the directory cannot be read or
 * memory runs out.  Free with dirnames_free().
 */
int dirnames_list(int dirfd, const char *shown, int (*match)(const char *),
    size_t max, struct dirnames *out, struct err *err);
void dirnames_free(struct dirnames *names);

#endif
