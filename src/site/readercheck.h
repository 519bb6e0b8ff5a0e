/*
 * readercheck.h: the readers of readers.h against a file's owner,
 * group and mode, for the model (model.h), which decides what the files
 * should be, and verify, which checks what they are; the run scripts are
 * read as text and never run.
 */
#ifndef QP_READERCHECK_H
#define QP_READERCHECK_H

#include <stddef.h>
#include <sys/stat.h>

#include "base/err.h"
#include "perms.h"
#include "site/policy.h"
#include "site/readers.h"

/* The --service-dir options of a command; n == 0: policy.h's. */
struct service_dirs {
	const char	*v[MAX_SERVICE_DIRS];
	size_t		 n;
};

/* One more --service-dir; too many is EX_USAGE (message recorded). */
int service_dirs_add(struct service_dirs *sd, const char *dir, struct err *err);

/* readers_scan() of sd. */
int readercheck_scan(const struct service_dirs *sd, struct reader_list *list,
    struct err *err);

/*
 * Is r's user and group known: named by a run script, or qmail-remote's
 * (qmailr:qmail, compiled into qmail)?  qmail-smtpd's default reader is
 * only assumed.
 */
int readercheck_known(const struct reader *r);

/*
 * For verify, of file (owner, group, mode in st): the first reader named
 * by a run script that cannot read it, or NULL.
 */
const struct reader *readercheck_cannot(const struct reader_list *list,
    const char *file, const struct stat *st);

/*
 * The reader verify's read test acts as: the one readercheck_cannot()
 * finds, else the first that a run script names; NULL: none is known
 * from a script (the test keeps qmaild or qmailr).
 */
const struct reader *readercheck_test_reader(const struct reader_list *list,
    const char *file, const struct stat *st);

#endif
