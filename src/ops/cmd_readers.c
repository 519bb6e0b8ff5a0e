/*
 * cmd_readers.c: qmail-pem readers.
 *
 *	qmail-pem readers [-d DIR] [--service-dir D]... [--format text|json]
 *
 * For servercert.pem and clientcert.pem: who reads the file (program,
 * user and group), from which run script, and whether that user can read
 * the file as it is in DIR today.  The run scripts are read as text and
 * never run; the files are examined with fstatat(AT_SYMLINK_NOFOLLOW)
 * relative to the directory, so a symlink is reported as one, never
 * followed.  The search permission of DIR itself is checked too (not that
 * of its parents).
 *
 * Exit status:
 *	0   every reader can read its file (a file that does not exist yet
 *	    is reported and not counted: the readers say who will read it)
 *	1   some reader cannot read its file
 *	2   none is known to fail, but for some reader qmail-pem cannot
 *	    tell: its user is only known by running the run script, or the
 *	    file is a symlink, not a regular file, or cannot be examined
 *	64  usage error (EX_USAGE)
 *	66  DIR cannot be opened (EX_NOINPUT)
 *	71  out of memory or a similar failure (EX_OSERR)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/privs.h"
#include "base/userdb.h"
#include "cmd/usage.h"
#include "ops/cmd_readers.h"
#include "runscript/readers.h"

#define DEFAULT_CONTROL_DIR	"/var/qmail/control"
#define MAX_SERVICE_DIRS	16

enum {
	READERS_OK = 0,
	READERS_CANNOT = 1,
	READERS_UNSURE = 2
};

enum verdict { V_CAN, V_CANNOT, V_UNSURE, V_MISSING };

/* What one reader can do with its file today. */
struct judgement {
	enum verdict	 verdict;
	const char	*state;		/* regular, missing, symlink, other,
	    error */
	int		 have_stat;
	struct stat	 st;
	char		 perms[160];	/* "root:nofiles 0640" */
	char		 reason[600];	/* why not, or why not known */
};

static const char readers_usage[] =
"usage: qmail-pem readers [-d DIR] [--service-dir D]... [--format text|json]\n"
"\n"
"Say who reads servercert.pem and clientcert.pem: the program, its user and\n"
"group, and the run script that starts it (read as text, never run), and\n"
"whether that user can read the file in DIR today.\n"
"\n"
"  -d DIR               qmail control directory (default /var/qmail/control)\n"
"  --service-dir D      a daemontools/runit/s6 service directory to read\n"
"                       (repeatable; default /service, /etc/service and\n"
"                       /var/service)\n"
"  --format json        print the readers as JSON\n"
"\n"
"Exit status: 0 every reader can read its file, 1 one cannot, 2 qmail-pem\n"
"cannot tell for one (see the note), 64 usage, 66 DIR cannot be opened.\n";

/* "root:nofiles 0640", names from userdb.h like the readers'. */
static void
describe_file(const struct stat *st, char *buf, size_t size)
{
	char user[USERDB_NAME_MAX], group[USERDB_NAME_MAX];

	if (userdb_user_by_uid(st->st_uid, user, sizeof(user)) == -1)
		snprintf(user, sizeof(user), "%lu", (unsigned long)st->st_uid);
	if (userdb_group_by_gid(st->st_gid, group, sizeof(group)) == -1)
		snprintf(group, sizeof(group), "%lu",
		    (unsigned long)st->st_gid);
	snprintf(buf, size, "%s:%s %04o", user, group,
	    (unsigned)(st->st_mode & 07777));
}

static void
judge(int dfd, const char *dir, const struct stat *dst,
    const struct reader *r, struct judgement *j)
{
	char target[1024], dperms[160];
	struct err why = { 0 };
	ssize_t n;
	int can;

	memset(j, 0, sizeof(*j));
	j->verdict = V_UNSURE;
	j->state = "error";
	if (fstatat(dfd, r->file, &j->st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT) {
			j->verdict = V_MISSING;
			j->state = "missing";
			snprintf(j->reason, sizeof(j->reason), "%s does not "
			    "exist", r->file);
		} else
			snprintf(j->reason, sizeof(j->reason), "cannot "
			    "examine %s/%s: %s", dir, r->file,
			    strerror(errno));
		return;
	}
	j->have_stat = 1;
	describe_file(&j->st, j->perms, sizeof(j->perms));
	if (S_ISLNK(j->st.st_mode)) {
		j->state = "symlink";
		n = readlinkat(dfd, r->file, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(j->reason, sizeof(j->reason), "%s is a symlink to "
		    "%.300s, which qmail-pem does not follow", r->file,
		    n > 0 ? target : "?");
		return;
	}
	if (!S_ISREG(j->st.st_mode)) {
		j->state = "other";
		snprintf(j->reason, sizeof(j->reason), "%s is not a regular "
		    "file", r->file);
		return;
	}
	j->state = "regular";
	can = readers_can_access(r, dst->st_uid, dst->st_gid, dst->st_mode,
	    X_OK, &why);
	if (can == 0) {
		describe_file(dst, dperms, sizeof(dperms));
		j->verdict = V_CANNOT;
		snprintf(j->reason, sizeof(j->reason), "it cannot enter %.300s "
		    "(%s)", dir, dperms);
		return;
	}
	if (can == 1)
		can = readers_can_read(r, j->st.st_uid, j->st.st_gid,
		    j->st.st_mode, &why);
	if (can == -1) {
		snprintf(j->reason, sizeof(j->reason), "%s", why.text);
		return;
	}
	j->verdict = can ? V_CAN : V_CANNOT;
}

static int
verdict_status(enum verdict v)
{
	switch (v) {
	case V_CANNOT:
		return READERS_CANNOT;
	case V_UNSURE:
		return READERS_UNSURE;
	default:
		return READERS_OK;
	}
}

static void
print_text(const struct reader *r, const struct judgement *j)
{
	char who[4400], fix[600], what[2048];

	readers_describe(r, who, sizeof(who));
	switch (j->verdict) {
	case V_CAN:
		snprintf(what, sizeof(what), "can read it today (%s)",
		    j->perms);
		break;
	case V_CANNOT:
		snprintf(what, sizeof(what), "cannot read it today (%s)%s%s: "
		    "%s", j->perms, j->reason[0] ? ": " : "", j->reason,
		    readers_fix(r, fix, sizeof(fix)));
		break;
	case V_MISSING:
		snprintf(what, sizeof(what), "%s", j->reason);
		break;
	default:
		if (j->have_stat && strcmp(j->state, "regular") == 0)
			snprintf(what, sizeof(what), "cannot tell whether it "
			    "can read it (%s)", j->perms);
		else
			snprintf(what, sizeof(what), "cannot tell whether it "
			    "can read it: %s", j->reason);
		break;
	}
	/* Names and paths come from run scripts: printable only. */
	msg_say(stdout, "", "%s: read by %s; %s", r->file, who, what);
	if (r->note[0])
		msg_say(stdout, "  note: ", "%s", r->note);
}

static json_t *
str_or_null(const char *s, int present)
{
	return present && s[0] ? json_string(s) : json_null();
}

static json_t *
reader_json(const struct reader *r, const struct judgement *j)
{
	static const char *const sources[] = { "default", "script", "unknown" };
	json_t *o, *groups;
	char fix[600], mode[8];
	size_t i;

	if ((o = json_object()) == NULL || (groups = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < r->ngroups; i++)
		json_array_append_new(groups, json_integer(r->groups[i]));
	json_object_set_new(o, "file", json_string(r->file));
	json_object_set_new(o, "program", json_string(r->program));
	json_object_set_new(o, "source", json_string(sources[r->source]));
	json_object_set_new(o, "script", str_or_null(r->script, 1));
	json_object_set_new(o, "line", r->line ? json_integer(r->line) :
	    json_null());
	json_object_set_new(o, "user", str_or_null(r->user, r->have_uid));
	json_object_set_new(o, "group", str_or_null(r->group, r->have_gid));
	json_object_set_new(o, "uid", r->have_uid ? json_integer(r->uid) :
	    json_null());
	json_object_set_new(o, "gid", r->have_gid ? json_integer(r->gid) :
	    json_null());
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "note", str_or_null(r->note, 1));
	json_object_set_new(o, "file_state", json_string(j->state));
	if (j->have_stat) {
		snprintf(mode, sizeof(mode), "%04o",
		    (unsigned)(j->st.st_mode & 07777));
		json_object_set_new(o, "file_uid", json_integer(j->st.st_uid));
		json_object_set_new(o, "file_gid", json_integer(j->st.st_gid));
		json_object_set_new(o, "file_mode", json_string(mode));
		json_object_set_new(o, "file_perms", json_string(j->perms));
	}
	json_object_set_new(o, "can_read", j->verdict == V_CAN ? json_true() :
	    j->verdict == V_CANNOT ? json_false() : json_null());
	json_object_set_new(o, "reason", str_or_null(j->reason, 1));
	json_object_set_new(o, "fix", j->verdict == V_CANNOT ?
	    json_string(readers_fix(r, fix, sizeof(fix))) : json_null());
	return o;
}

static int
run_readers(const char *dir, const char *const *sdirs, size_t nsdirs,
    int json, struct err *err)
{
	struct reader_list list = { NULL, 0 };
	struct judgement j;
	struct stat dst;
	json_t *root = NULL, *arr = NULL, *o;
	size_t i;
	int dfd = -1, rc = -1, status = READERS_OK, s;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &dst) == -1) {
		err_set(err, EX_NOINPUT, "cannot open the control directory "
		    "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (readers_scan(sdirs, nsdirs, &list, err) == -1)
		goto out;
	if (json && ((root = json_object()) == NULL ||
	    (arr = json_array()) == NULL)) {
		err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	for (i = 0; i < list.n; i++) {
		judge(dfd, dir, &dst, &list.v[i], &j);
		s = verdict_status(j.verdict);
		if (s == READERS_CANNOT || (s == READERS_UNSURE &&
		    status == READERS_OK))
			status = s;
		if (!json) {
			print_text(&list.v[i], &j);
			continue;
		}
		if ((o = reader_json(&list.v[i], &j)) == NULL ||
		    json_array_append_new(arr, o) == -1) {
			err_set(err, EX_OSERR, "out of memory");
			goto out;
		}
	}
	if (json) {
		json_t *dirs = json_array();

		for (i = 0; dirs != NULL && i < nsdirs; i++)
			json_array_append_new(dirs, json_string(sdirs[i]));
		json_object_set_new(root, "control_dir", json_string(dir));
		json_object_set_new(root, "service_dirs", dirs ? dirs :
		    json_null());
		json_object_set_new(root, "readers", arr);
		arr = NULL;
		json_object_set_new(root, "status", json_integer(status));
		if (json_dumpf(root, stdout, JSON_INDENT(2)) == -1) {
			err_set(err, EX_IOERR, "cannot write the JSON output");
			goto out;
		}
		putchar('\n');
	}
	if (fflush(stdout) == EOF) {
		err_set(err, EX_IOERR, "cannot write the output: %s",
		    strerror(errno));
		goto out;
	}
	rc = status;
out:
	json_decref(arr);
	json_decref(root);
	readers_free(&list);
	if (dfd != -1)
		close(dfd);
	return rc;
}

int
cmd_readers(int argc, char *argv[])
{
	enum { OPT_SERVICE_DIR = 256, OPT_FORMAT };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "service-dir", required_argument, NULL, OPT_SERVICE_DIR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sdirs[MAX_SERVICE_DIRS];
	const char *dir = DEFAULT_CONTROL_DIR;
	size_t nsdirs = 0, i;
	int ch, json = 0, rc;
	struct err err = { 0 };

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case OPT_SERVICE_DIR:
			if (nsdirs == MAX_SERVICE_DIRS) {
				err_set(&err, EX_USAGE, "at most %d "
				    "--service-dir", MAX_SERVICE_DIRS);
				return usage_error(readers_usage, &err);
			}
			sdirs[nsdirs++] = optarg;
			break;
		case OPT_FORMAT:
			if (usage_format(optarg, &json, &err) == -1)
				return usage_error(readers_usage, &err);
			break;
		case 'h':
			fputs(readers_usage, stdout);
			return EX_OK;
		default:
			return usage_error(readers_usage, &err);
		}
	}
	if (optind != argc) {
		err_set(&err, EX_USAGE, "unexpected argument '%s'",
		    argv[optind]);
		return usage_error(readers_usage, &err);
	}
	if (nsdirs == 0)
		for (i = 0; i < READERS_NDEFAULT_DIRS; i++)
			sdirs[nsdirs++] = readers_default_dirs[i];
	if (privs_limit(PRIVS_READ, &err) == -1 ||
	    (rc = run_readers(dir, sdirs, nsdirs, json, &err)) == -1)
		return err_print(&err);
	return rc;
}
