/* privs.h: what the process may do (libcap), and its hygiene at start. */
#ifndef QP_PRIVS_H
#define QP_PRIVS_H

#include "base/err.h"

/* umask 077, no core dumps, not dumpable: called first by main(). */
void privs_harden_process(void);

/* Can this process set owners (root with CAP_CHOWN)?  Records
 * a message naming what is missing when not. */
int privs_check_can_write(struct err *err);

/*
 * The capabilities a command keeps; privs_limit() drops every other one
 * from the effective, permitted and inheritable sets, the ambient set and
 * (when the process may: CAP_SETPCAP) the bounding set, so that nothing
 * this process starts later, a hook included, gets them back.
 *
 *   PRIVS_NONE   nothing
 *   PRIVS_READ   CAP_DAC_READ_SEARCH: read a control file root does not own
 *   PRIVS_WRITE  PRIVS_READ + CAP_CHOWN (give a file to root:nofiles) and
 *                CAP_FOWNER (set the mode of a file root does not own)
 *   PRIVS_PROBE  PRIVS_READ + CAP_SETUID, CAP_SETGID: take the reader's
 *                filesystem ids and groups (qmaild:nofiles) to try a read
 *   PRIVS_PROBE_OUTPUT  PRIVS_PROBE + CAP_DAC_OVERRIDE: also write the
 *                report (--output) into a directory root does not own,
 *                such as node-exporter's textfile directory
 *   PRIVS_WRITE_HOOK  PRIVS_WRITE + CAP_KILL: a post-hook that signals a
 *                server running as another user (svc -t, kill -HUP)
 *
 * A capability the process does not have is not gained.  Returns -1 with
 * a message when libcap fails.
 */
enum privs_set {
	PRIVS_NONE, PRIVS_READ, PRIVS_WRITE, PRIVS_PROBE, PRIVS_PROBE_OUTPUT,
	PRIVS_WRITE_HOOK
};
int privs_limit(enum privs_set set, struct err *err);

/* "cap_chown,cap_dac_read_search,cap_fowner" (empty for PRIVS_NONE). */
const char *privs_set_names(enum privs_set set);

/* prctl(PR_SET_NO_NEW_PRIVS): no program started from now on can gain
 * privileges through setuid bits or file capabilities.  Call before
 * running a hook. */
int privs_no_new_privs(struct err *err);

#endif
