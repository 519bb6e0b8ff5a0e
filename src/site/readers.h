/*
 * readers.h: who really reads servercert.pem and clientcert.pem.
 *
 * The safe layout (servercert.pem root:nofiles 0640, clientcert.pem
 * root:qmail 0640) assumes that qmail-smtpd runs as qmaild with group
 * nofiles and qmail-remote as qmailr with group qmail.  Many servers
 * differ: the qmailrocks run script starts qmail-smtpd as vpopmail:vchkpw
 * so that vchkpw can read the passwords, and sslserver on port 465 may run
 * as yet another user.  readers_scan() reads the run scripts of the
 * daemontools, runit and s6 service directories, as text and without
 * running anything, and says for each file who reads it, from which script,
 * and what it could not determine.
 *
 * servercert.pem gets one reader per command that starts qmail-smtpd (a
 * server with ports 25, 465 and 587 has three), plus one for every
 * SMTP-looking service whose script cannot be read; when there is none,
 * qmail's default reader qmaild (group: qmaild's primary group, nofiles).
 * clientcert.pem has one reader: qmail-remote runs as qmailr with group
 * qmail, ids that qmail-start sets and that are compiled into qmail.
 *
 * Nothing here needs privileges; user and group names are resolved
 * through userdb.h.  Functions return -1 with a message in their struct
 * err on failure.
 */
#ifndef QP_READERS_H
#define QP_READERS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/err.h"
#include "runscript/startchain.h"	/* struct start_var (issue 23) */

#define READERS_MAX_GROUPS	16

enum reader_source {
	READER_DEFAULT,	/* qmail's own ids: no run script says otherwise */
	READER_SCRIPT,	/* user and group read from a run script */
	READER_UNKNOWN	/* a run script starts it (or may), as someone
			 * not known without running it; see note */
};

struct reader {
	char		 file[32];	/* servercert.pem, clientcert.pem */
	char		 program[32];	/* qmail-smtpd, sslserver, qmail-remote */
	char		 script[4096];	/* the run script that starts it ("" if
					 * none was found); for qmail-remote
					 * the one that starts qmail-start */
	unsigned	 line;		/* of that command in the script; 0 */
	char		 user[64];	/* name of uid; "" if it has none */
	char		 group[64];	/* name of gid; "" if it has none */
	uid_t		 uid;
	gid_t		 gid;
	int		 have_uid, have_gid;
	gid_t		 groups[READERS_MAX_GROUPS];	/* more groups it runs
							 * with (chpst -u u:g:g) */
	size_t		 ngroups;
	int		 init_groups;	/* also the user's groups from the
					 * group database (s6-setuidgid) */
	int		 starts_vchkpw;	/* the command starts vchkpw, which
					 * must run as vpopmail or root */
	enum reader_source source;
	char		 note[512];	/* what was assumed or not determined */
	/* The program the script starts (startchain.h's word, path_set,
	 * path_unknown, path), and the service directory the script runs
	 * in: for site/readerbin.h.  word "" when no script names it. */
	char		 word[1024];
	int		 word_unknown;
	char		 path[1024];
	int		 path_set, path_unknown;
	char		 service_dir[4096];
	struct start_var tlsciphers;	/* issue 23: TLSCIPHERS the script
					 * gives qmail-smtpd */
};

struct reader_list {
	struct reader	*v;
	size_t		 n;
};

/*
 * Read the service directories dirs[0..ndirs) (NULL: policy.h's;
 * those that do not exist are skipped) and fill out, servercert.pem's
 * readers first.  Fails only when out of memory; a script that cannot be
 * read gives a READER_UNKNOWN entry, not an error.
 */
int readers_scan(const char *const *dirs, size_t ndirs,
    struct reader_list *out, struct err *err);
void readers_free(struct reader_list *list);

#endif
