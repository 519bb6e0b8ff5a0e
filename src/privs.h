/* privs.h: what the process may do (libcap), and its hygiene at start. */
#ifndef QP_PRIVS_H
#define QP_PRIVS_H

/* umask 077, no core dumps, not dumpable: called first by main(). */
void privs_harden_process(void);

/* Can this process set owners (root with CAP_CHOWN)?  Records
 * a message naming what is missing when not. */
int privs_check_can_write(void);

#endif
