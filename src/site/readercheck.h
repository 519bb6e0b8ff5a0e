/*
 * readercheck.h: do the readers that the run scripts name fit the owners
 * and modes qmail-pem writes, or finds?  The one place where install,
 * rotate and verify ask readers.h about the files; the run scripts are
 * read as text and never run.
 *
 * Only a reader that a run script names (READER_SCRIPT) can stop
 * install or rotate: a reader that cannot be determined is a warning,
 * and qmail's default readers (no service directory, or none that starts
 * qmail-smtpd) change nothing, so that a box without daemontools behaves
 * as before.
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
 * Before install or rotate writes servercert.pem as server and
 * clientcert.pem as client: -1 (EX_CONFIG, readers_explain()'s message)
 * for the first reader named by a run script that could not read its
 * file; a reader that cannot be determined is warned about (msg_warn)
 * and does not stop anything.  0 otherwise.
 */
int readercheck_refuse(const struct service_dirs *sd,
    const struct perms_target *server, const struct perms_target *client,
    struct err *err);

/*
 * For verify, of file (owner, group, mode in st): the first reader named
 * by a run script that cannot read it, or NULL.
 */
const struct reader *readercheck_cannot(const struct reader_list *list,
    const char *file, const struct stat *st);

/*
 * For verify without --server-group: the group of the first reader named
 * by a run script that could not read file as t (the default owner and
 * group), which is the group the file must have on this server; NULL when
 * t suits every such reader (or the group has no name).
 */
const char *readercheck_group(const struct reader_list *list,
    const char *file, const struct perms_target *t);

/*
 * The reader verify's read test acts as: the one readercheck_cannot()
 * finds, else the first that a run script names; NULL: none is known
 * from a script (the test keeps qmaild or qmailr).
 */
const struct reader *readercheck_test_reader(const struct reader_list *list,
    const char *file, const struct stat *st);

#endif
