/*
 * startchain.h: what one run-script command starts, and as whom.
 *
 * Follows a command from runscript.h through the programs that daemontools,
 * runit, s6 and ucspi setups chain in front of a server (exec, env,
 * softlimit, envdir, envuidgid, setuidgid, chpst, s6-setuidgid, nice,
 * tcpserver and sslserver with -u, -g and -U, rblsmtpd ...) to
 * qmail-smtpd or qmail-start, tracking the user, the groups and the
 * variables that matter ($UID, $GID, $CERTFILE, $KEYFILE, and
 * $TLSCIPHERS, which qmail-smtpd takes instead of control/tlsserverciphers).
 * It reads the files of an envdir, never runs anything, and writes into the
 * note what it could not determine.
 */
#ifndef QP_STARTCHAIN_H
#define QP_STARTCHAIN_H

#include <stddef.h>
#include <sys/types.h>

#include "runscript/rscommand.h"

#define START_MAX_GROUPS	16

enum start_kind {
	START_NONE,		/* starts neither qmail-smtpd nor qmail-start */
	START_SMTPD,		/* starts qmail-smtpd (ids may be partly
				 * unknown) */
	START_SEND,		/* starts qmail-start */
	START_UNKNOWN		/* cannot tell what it starts */
};

/* A variable the script sets for qmail-smtpd (issue 23: TLSCIPHERS). */
enum start_var_state {
	START_VAR_NOT_SET = 0,	/* not set, unset, or inherited from the
				 * supervisor (which passes none on) */
	START_VAR_SET,		/* value is what qmail-smtpd gets */
	START_VAR_UNKNOWN	/* set to something not known: value says why */
};
struct start_var {
	enum start_var_state	state;
	char			value[1024];
};

struct startchain {
	enum start_kind kind;
	char	 program[32];	/* who reads servercert.pem: qmail-smtpd or
				 * sslserver; qmail-start */
	uid_t	 uid;
	gid_t	 gid;
	int	 have_uid, have_gid;
	gid_t	 groups[START_MAX_GROUPS];	/* supplementary groups set */
	size_t	 ngroups;
	int	 init_groups;	/* also the user's groups from the database */
	int	 mentions_smtpd;	/* a word names qmail-smtpd */
	/* START_SMTPD: the word that names qmail-smtpd, as the reader
	 * expanded it (variables the script sets are replaced; an unknown
	 * part stays as written), and the PATH the script sets, exported
	 * or not (PATH is always in the environment): where the program
	 * is, for site/programs.h. */
	char	 word[1024];
	int	 word_unknown;
	char	 path[1024];
	int	 path_set;	/* the script sets PATH ("" or unset too) */
	int	 path_unknown;	/* ... to a value not known */
	int	 mentions_vchkpw;	/* a word names vchkpw (vpopmail's
					 * checkpassword: runs as vpopmail
					 * or root) */
	char	 note[512];	/* "line N: ..." what is assumed or unknown */
	struct start_var tlsciphers;	/* issue 23: qmail-smtpd takes it
					 * instead of control/tlsserverciphers */
};

/*
 * Follow cmd.  service_dir is the directory the script runs in (for
 * relative envdir paths), or NULL.  Never fails: what cannot be read or
 * determined ends up in out->note.
 */
void startchain_follow(const struct rs_command *cmd, const char *service_dir,
    struct startchain *out);

#endif
