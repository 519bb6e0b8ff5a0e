/*
 * programs.h: where qmail's TLS programs are, so that loaders.h can read
 * what they load.
 *
 * qmail-smtpd is the program its run script starts (startchain.h follows the
 * command to it).  The word naming it is found as the shell, and
 * tcpserver's pathexec after it, would find it: an absolute path as
 * written; a path with a slash relative to the service directory (a run
 * script runs there); a bare name in the PATH the script sets, else in the
 * PATH it inherits from its supervisor; a leading $VAR or ${VAR} replaced
 * by the value of VAR when known (from the script or an envdir).  Without
 * a run script: QMAILHOME/bin/qmail-smtpd.  qmail-remote: qmail-rspawn
 * runs it by name (execvp), and qmail's rc scripts (QMAILHOME/rc, the
 * qmail-send run script) put QMAILHOME/bin first in PATH:
 * QMAILHOME/bin/qmail-remote.  QMAILHOME is the control directory's
 * parent (qmail's conf-qmail: control/ is in it).
 *
 * The PATH a run script inherits is its supervisor's:
 *   daemontools  svscanboot (upstream 0.76, and Debian's daemontools-run)
 *                sets PROGRAMS_PATH_DAEMONTOOLS and starts svscan with
 *                "env - PATH=$PATH": nothing else is inherited;
 *   runit        Debian's /etc/runit/2 (the runit init and runit-systemd)
 *                sets PROGRAMS_PATH_RUNIT and starts runsvdir with
 *                "env - PATH=$PATH";
 *   s6           whatever started s6-svscan: not known.
 * PROGRAMS_PATH_DEFAULT is daemontools': it holds every directory of
 * runit's (in another order, which matters only when one name is in two
 * of them) and /command.
 *
 * Nothing here runs anything; only programs_resolve() looks at the file
 * system (to search a PATH).
 */
#ifndef QP_PROGRAMS_H
#define QP_PROGRAMS_H

#include <limits.h>
#include <stddef.h>

#include "base/err.h"

#define PROGRAMS_PATH_DAEMONTOOLS \
	"/command:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:" \
	"/usr/sbin:/usr/X11R6/bin"
#define PROGRAMS_PATH_RUNIT \
	"/usr/local/sbin:/usr/local/bin:/sbin:/usr/sbin:/bin:/usr/bin"
#define PROGRAMS_PATH_DEFAULT	PROGRAMS_PATH_DAEMONTOOLS

#define PROGRAMS_WHY_MAX	256

struct qmail_programs {
	char	home[PATH_MAX];		/* QMAILHOME: /var/qmail */
	char	smtpd[PATH_MAX];	/* QMAILHOME/bin/qmail-smtpd */
	char	remote[PATH_MAX];	/* QMAILHOME/bin/qmail-remote */
};

/*
 * QMAILHOME and the default paths, from the control directory's path
 * alone (no file system access): "/var/qmail/control/" gives /var/qmail.
 * A relative path gives a relative home ("control": ".").  Pass the
 * directory's real path: one ending in "." or ".." cannot be taken apart
 * without resolving it, and is refused (-1, err set).
 */
int programs_defaults(const char *control_dir, struct qmail_programs *out,
    struct err *err);

enum program_how {
	PROGRAM_UNRESOLVED = 0,	/* see why */
	PROGRAM_AS_WRITTEN,	/* an absolute path in the script */
	PROGRAM_SERVICE_DIR,	/* a path relative to the service directory */
	PROGRAM_SCRIPT_PATH,	/* a bare name found in the PATH the script
				 * sets (its $PATH elements: the default) */
	PROGRAM_DEFAULT_PATH,	/* a bare name found in the inherited PATH */
};

/* A variable of the environment the program word is expanded in. */
struct program_var {
	const char	*name;
	const char	*value;		/* NULL: unset */
};

struct program_context {
	/* PATH as the script sets it for the command; NULL when it does
	 * not set it.  It may hold $PATH or ${PATH} elements (PATH=/x:$PATH),
	 * which stand for default_path.  The search stops at an element
	 * that is not known (another expansion; a relative one, or an
	 * empty one, without service_dir): a name is found only before
	 * it. */
	const char	*path;
	const char	*default_path;	/* NULL: PROGRAMS_PATH_DEFAULT */
	const char	*service_dir;	/* where the script runs; NULL:
					 * relative paths stay unknown */
	const struct program_var *vars;	/* for a leading $VAR; the last
					 * entry of a name wins */
	size_t		 nvars;
};

struct program_where {
	enum program_how how;
	int		 from_var;	/* the word started with $VAR */
	char		 path[PATH_MAX];
	char		 why[PROGRAMS_WHY_MAX];	/* unresolved: why */
};

/*
 * Where the program named by word (as the run-script reader gives it:
 * expanded where the script sets the variables, unknown parts as written)
 * is.  An absolute path is taken as written, whether or not it exists (the
 * caller reads it and says so); a bare name must be found in a PATH as an
 * executable regular file, as execvp(3) does.  Never fails: what cannot be
 * resolved is PROGRAM_UNRESOLVED with the reason in why.
 */
void programs_resolve(const char *word, const struct program_context *ctx,
    struct program_where *out);

#endif
