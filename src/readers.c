/*
 * readers.c: find the run scripts that start qmail-smtpd and qmail-start,
 * and say who reads servercert.pem and clientcert.pem.
 *
 * Run scripts are opened by path: /service entries are usually symlinks to
 * /var/qmail/supervise/..., so links are followed, but only a regular file
 * of at most RUNSCRIPT_MAX bytes is read: its type is checked (stat)
 * before it is opened, so that a link to a device never opens the
 * device, and again on the open descriptor; non-blocking, so that a FIFO
 * swapped in between cannot hang the scan.  The same script reached through two service
 * directories (/service -> /etc/service) is read once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "launch.h"
#include "msg.h"
#include "readers.h"
#include "runscript.h"
#include "userdb.h"

_Static_assert(READERS_MAX_GROUPS == LAUNCH_MAX_GROUPS,
    "struct reader and struct launch hold the same groups");

#define SERVICES_MAX	4096	/* entries read per service directory */

const char *const readers_default_dirs[] = {
	"/service", "/etc/service", "/var/service", NULL
};

struct seen {
	dev_t	dev;
	ino_t	ino;
};

struct scan {
	struct reader_list	*list;
	size_t			 cap;
	struct seen		*seen;
	size_t			 nseen, capseen;
	size_t			 nserver;	/* servercert.pem readers */
	char			 send_script[4096];
	unsigned		 send_line;
	char			 trouble[512];	/* directories not read */
};

static void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static struct reader *
new_reader(struct scan *sc, const char *file, const char *program)
{
	struct reader *r, *bigger;
	size_t cap;

	if (sc->list->n == sc->cap) {
		cap = sc->cap ? sc->cap * 2 : 4;
		if ((bigger = reallocarray(sc->list->v, cap, sizeof(*bigger)))
		    == NULL) {
			msg_fail(EX_OSERR, "out of memory listing the readers");
			return NULL;
		}
		sc->list->v = bigger;
		sc->cap = cap;
	}
	r = &sc->list->v[sc->list->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "%s", file);
	snprintf(r->program, sizeof(r->program), "%s", program);
	return r;
}

static void
name_ids(struct reader *r)
{
	if (r->have_uid && userdb_user_by_uid(r->uid, r->user,
	    sizeof(r->user)) == -1)
		r->user[0] = '\0';
	if (r->have_gid && userdb_group_by_gid(r->gid, r->group,
	    sizeof(r->group)) == -1)
		r->group[0] = '\0';
}

/* A servercert.pem reader that a script may start but that is not known. */
static int
add_unknown(struct scan *sc, const char *script, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
add_unknown(struct scan *sc, const char *script, unsigned line,
    const char *fmt, ...)
{
	struct reader *r;
	va_list ap;

	if ((r = new_reader(sc, READERS_SERVERCERT, "qmail-smtpd")) == NULL)
		return -1;
	snprintf(r->script, sizeof(r->script), "%s", script);
	r->line = line;
	r->source = READER_UNKNOWN;
	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
	sc->nserver++;
	return 0;
}

static int
add_launch(struct scan *sc, const char *script, unsigned line,
    const struct launch *l)
{
	struct reader *r;

	if ((r = new_reader(sc, READERS_SERVERCERT, l->program[0] ?
	    l->program : "qmail-smtpd")) == NULL)
		return -1;
	snprintf(r->script, sizeof(r->script), "%s", script);
	r->line = line;
	r->uid = l->uid;
	r->gid = l->gid;
	r->have_uid = l->have_uid;
	r->have_gid = l->have_gid;
	memcpy(r->groups, l->groups, sizeof(r->groups));
	r->ngroups = l->ngroups;
	r->init_groups = l->init_groups;
	r->source = l->kind == LAUNCH_SMTPD && l->have_uid && l->have_gid ?
	    READER_SCRIPT : READER_UNKNOWN;
	if (l->kind == LAUNCH_UNKNOWN) {
		/* what the walk started from (root) says nothing here */
		r->have_uid = r->have_gid = 0;
		r->uid = 0;
		r->gid = 0;
		r->ngroups = 0;
		r->init_groups = 0;
	}
	snprintf(r->note, sizeof(r->note), "%s", l->note);
	r->tlsciphers = l->tlsciphers;	/* issue 23 */
	name_ids(r);
	sc->nserver++;
	return 0;
}

/* Did we read this file already, through another service directory? */
static int
seen_before(struct scan *sc, const struct stat *st, int *seen)
{
	struct seen *bigger;
	size_t i, cap;

	*seen = 0;
	for (i = 0; i < sc->nseen; i++)
		if (sc->seen[i].dev == st->st_dev &&
		    sc->seen[i].ino == st->st_ino) {
			*seen = 1;
			return 0;
		}
	if (sc->nseen == sc->capseen) {
		cap = sc->capseen ? sc->capseen * 2 : 16;
		if ((bigger = reallocarray(sc->seen, cap, sizeof(*bigger))) ==
		    NULL)
			return msg_fail(EX_OSERR, "out of memory listing the "
			    "readers");
		sc->seen = bigger;
		sc->capseen = cap;
	}
	sc->seen[sc->nseen].dev = st->st_dev;
	sc->seen[sc->nseen].ino = st->st_ino;
	sc->nseen++;
	return 0;
}

static int
smtp_like(const char *name)
{
	return strcasestr(name, "smtp") != NULL ||
	    strcasestr(name, "submission") != NULL;
}

/* The interpreter after #!, for scripts qmail-pem cannot read. */
static const char *
foreign_interpreter(const char *text, size_t len, char *buf, size_t size,
    int *execline)
{
	static const char *const shells[] = {
		"sh", "bash", "dash", "ksh", "mksh", "ash", "posh", "busybox",
		NULL
	};
	size_t i = 2, n = 0;
	const char *base;
	int k, pass;

	*execline = 0;
	if (len < 2 || text[0] != '#' || text[1] != '!')
		return NULL;	/* no #!: supervise's execve() fails anyway */
	for (pass = 0; pass < 2; pass++) {
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		for (n = 0; i < len && n + 1 < size && text[i] != ' ' &&
		    text[i] != '\t' && text[i] != '\n'; i++)
			buf[n++] = text[i];
		buf[n] = '\0';
		base = strrchr(buf, '/');
		base = base ? base + 1 : buf;
		if (strcmp(base, "env") != 0)
			break;
	}
	if (strcmp(base, "execlineb") == 0) {
		*execline = 1;
		return NULL;
	}
	for (k = 0; shells[k] != NULL; k++)
		if (strcmp(base, shells[k]) == 0)
			return NULL;
	memmove(buf, base, strlen(base) + 1);
	return buf;
}

/*
 * execline reads the whole script as one command line: newlines are
 * blanks.  Comments go, quotes are kept.
 */
static void
flatten_execline(char *text, size_t len)
{
	size_t i;
	int quote = 0, word_start = 1;

	for (i = 0; i < len; i++) {
		if (quote) {
			if (text[i] == '\\' && i + 1 < len)
				i++;
			else if (text[i] == '"')
				quote = 0;
			continue;
		}
		if (text[i] == '"')
			quote = 1;
		else if (text[i] == '#' && word_start) {
			for (; i < len && text[i] != '\n'; i++)
				text[i] = ' ';
			if (i < len)
				text[i] = ' ';
		} else if (text[i] == '\n')
			text[i] = ' ';
		word_start = text[i] == ' ' || text[i] == '\t';
	}
}

/* Read at most RUNSCRIPT_MAX bytes of a regular file; *len > RUNSCRIPT_MAX
 * says it is longer. */
static int
read_script(int fd, char *buf, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len <= RUNSCRIPT_MAX) {
		n = read(fd, buf + *len, RUNSCRIPT_MAX + 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/* Parse one script and add what it starts. */
static int
parse_script(struct scan *sc, const char *svc, const char *script,
    const char *text, size_t len, int smtp)
{
	struct runscript *rs = NULL;
	struct rs_command cmd;
	struct launch l;
	size_t before = sc->nserver;
	int r, rc = -1;

	if (runscript_open(text, len, &rs) == -1)
		goto unreadable;
	while ((r = runscript_next(rs, &cmd)) == 1) {
		launch_follow(&cmd, svc, &l);
		switch (l.kind) {
		case LAUNCH_SMTPD:
			if (add_launch(sc, script, cmd.line, &l) == -1)
				goto out;
			break;
		case LAUNCH_SEND:
			if (sc->send_script[0] == '\0') {
				snprintf(sc->send_script,
				    sizeof(sc->send_script), "%s", script);
				sc->send_line = cmd.line;
			}
			break;
		case LAUNCH_UNKNOWN:
			if ((smtp || l.mentions_smtpd) &&
			    add_launch(sc, script, cmd.line, &l) == -1)
				goto out;
			break;
		case LAUNCH_NONE:
			break;
		}
	}
	if (r == -1)
		goto unreadable;
	if (smtp && sc->nserver == before && (memmem(text, len, "qmail-smtpd",
	    11) || memmem(text, len, "tcpserver", 9) ||
	    memmem(text, len, "sslserver", 9)) &&
	    add_unknown(sc, script, 0, "%s does not visibly start "
	    "qmail-smtpd", script) == -1)
		goto out;
	rc = 0;
	goto out;
unreadable:
	rc = 0;
	if ((smtp || memmem(text, len, "qmail-smtpd", 11)) &&
	    add_unknown(sc, script, 0, "%s cannot be read: %s", script,
	    msg_error()) == -1)
		rc = -1;
	else
		msg_clear();
out:
	runscript_free(rs);
	return rc;
}

/* Is the open fd still the regular file that stat saw? */
static int
same_regular_file(int fd, struct stat *st)
{
	struct stat now;

	if (fstat(fd, &now) == -1 || !S_ISREG(now.st_mode) ||
	    now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return 0;
	*st = now;
	return 1;
}

/* dir/name/run, if it is a service. */
static int
scan_service(struct scan *sc, const char *dir, const char *name)
{
	char svc[4096], script[4096], interp[64];
	char *text = NULL;
	struct stat st;
	size_t len = 0;
	int fd, seen, execline, rc = -1, smtp = smtp_like(name);

	if ((size_t)snprintf(svc, sizeof(svc), "%s/%s", dir, name) >=
	    sizeof(svc) || (size_t)snprintf(script, sizeof(script),
	    "%s/run", svc) >= sizeof(script))
		return 0;
	/* The type first: opening a device (run -> /dev/...) can act. */
	if (stat(script, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || !smtp)
			return 0;
		return add_unknown(sc, script, 0, "cannot examine %s: %s",
		    script, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return smtp ? add_unknown(sc, script, 0, "%s is not a regular "
		    "file", script) : 0;
	if ((fd = open(script, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || !smtp)
			return 0;
		return add_unknown(sc, script, 0, "cannot open %s: %s",
		    script, strerror(errno));
	}
	if (!same_regular_file(fd, &st)) {
		close(fd);
		return smtp ? add_unknown(sc, script, 0, "%s changed while it "
		    "was read", script) : 0;
	}
	if (seen_before(sc, &st, &seen) == -1 || seen) {
		close(fd);
		return seen ? 0 : -1;
	}
	if ((text = malloc(RUNSCRIPT_MAX + 1)) == NULL) {
		close(fd);
		return msg_fail(EX_OSERR, "out of memory reading %s", script);
	}
	if (read_script(fd, text, &len) == -1) {
		rc = smtp ? add_unknown(sc, script, 0, "cannot read %s: %s",
		    script, strerror(errno)) : 0;
		goto out;
	}
	if (len > RUNSCRIPT_MAX || memchr(text, '\0', len) != NULL) {
		rc = smtp ? add_unknown(sc, script, 0, "%s is %s, not read",
		    script, len > RUNSCRIPT_MAX ? "longer than 64 KiB" :
		    "not a text script (a compiled program?)") : 0;
		goto out;
	}
	if (foreign_interpreter(text, len, interp, sizeof(interp),
	    &execline) != NULL) {
		rc = (smtp || memmem(text, len, "qmail-smtpd", 11)) ?
		    add_unknown(sc, script, 1, "%s is a %s script, which "
		    "qmail-pem does not read", script, interp) : 0;
		goto out;
	}
	if (execline)
		flatten_execline(text, len);
	rc = parse_script(sc, svc, script, text, len, smtp);
out:
	close(fd);
	free(text);
	return rc;
}

static int
not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
scan_dir(struct scan *sc, const char *dir)
{
	struct dirent **names = NULL;
	int n, i, rc = 0;

	if ((n = scandir(dir, &names, not_hidden, alphasort)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			append(sc->trouble, sizeof(sc->trouble), "%scannot "
			    "list %s: %s", sc->trouble[0] ? "; " : "", dir,
			    strerror(errno));
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && i < SERVICES_MAX)
			rc = scan_service(sc, dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* qmail's INSTALL: tcpserver -u qmaild's uid -g qmaild's group. */
static int
add_default_server(struct scan *sc, const char *const *dirs, size_t ndirs)
{
	struct reader *r;
	char where[512] = "";
	size_t i;

	if ((r = new_reader(sc, READERS_SERVERCERT, "qmail-smtpd")) == NULL)
		return -1;
	for (i = 0; i < ndirs; i++)
		append(where, sizeof(where), "%s%s", i ? ", " : "", dirs[i]);
	if (userdb_user_by_name("qmaild", &r->uid, &r->gid) == 0) {
		r->have_uid = r->have_gid = 1;
		/* its groups as the group database has them, as verify's
		 * read test sees them */
		r->init_groups = 1;
		r->source = READER_DEFAULT;
		snprintf(r->note, sizeof(r->note), "no run script in %.300s "
		    "starts qmail-smtpd: assumed qmail's default, qmaild "
		    "with its group", where);
		name_ids(r);
	} else {
		r->source = READER_UNKNOWN;
		snprintf(r->note, sizeof(r->note), "no run script in %.300s "
		    "starts qmail-smtpd, and there is no user qmaild", where);
	}
	if (sc->trouble[0])
		append(r->note, sizeof(r->note), "; %s", sc->trouble);
	return 0;
}

/* qmail-start runs qmail-rspawn, and so qmail-remote, as qmailr with
 * group qmail (prot_gid(auto_gidq)), compiled into qmail. */
static int
add_client(struct scan *sc)
{
	struct reader *r;
	uid_t uid;
	gid_t primary;

	if ((r = new_reader(sc, READERS_CLIENTCERT, "qmail-remote")) == NULL)
		return -1;
	snprintf(r->script, sizeof(r->script), "%s", sc->send_script);
	r->line = sc->send_line;
	r->source = READER_DEFAULT;
	if (userdb_user_by_name("qmailr", &uid, &primary) == -1) {
		r->source = READER_UNKNOWN;
		snprintf(r->note, sizeof(r->note), "there is no user qmailr: "
		    "qmail-remote runs with the ids compiled into qmail");
		return 0;
	}
	r->uid = uid;
	r->have_uid = 1;
	r->init_groups = 1;	/* as for qmaild above */
	if (userdb_group_by_name("qmail", &r->gid) == 0) {
		r->have_gid = 1;
		if (r->gid != primary)
			snprintf(r->note, sizeof(r->note), "qmailr's own group "
			    "is gid %lu, but qmail-start runs qmail-remote "
			    "with group qmail", (unsigned long)primary);
	} else {
		r->gid = primary;
		r->have_gid = 1;
		snprintf(r->note, sizeof(r->note), "there is no group qmail: "
		    "assumed qmailr's own group");
	}
	if (sc->send_script[0] == '\0')
		append(r->note, sizeof(r->note), "%sno run script starts "
		    "qmail-start (qmail's own ids apply however it starts)",
		    r->note[0] ? "; " : "");
	name_ids(r);
	return 0;
}

int
readers_scan(const char *const *dirs, size_t ndirs, struct reader_list *out)
{
	struct scan sc;
	size_t i;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	out->v = NULL;
	out->n = 0;
	sc.list = out;
	if (dirs == NULL) {
		dirs = readers_default_dirs;
		ndirs = READERS_NDEFAULT_DIRS;
	}
	for (i = 0; i < ndirs; i++)
		if (scan_dir(&sc, dirs[i]) == -1)
			goto out;
	if (sc.nserver == 0 && add_default_server(&sc, dirs, ndirs) == -1)
		goto out;
	if (add_client(&sc) == -1)
		goto out;
	rc = 0;
out:
	free(sc.seen);
	if (rc == -1)
		readers_free(out);
	return rc;
}

void
readers_free(struct reader_list *list)
{
	if (list == NULL)
		return;
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* 1 member, 0 not, -1 cannot tell. */
static int
in_group(const struct reader *r, gid_t group)
{
	size_t i;

	if (r->have_gid && r->gid == group)
		return 1;
	for (i = 0; i < r->ngroups; i++)
		if (r->groups[i] == group)
			return 1;
	if (r->init_groups && r->user[0] != '\0' && r->have_gid &&
	    userdb_user_in_group(r->user, r->gid, group))
		return 1;
	return r->have_gid ? 0 : -1;
}

int
readers_can_access(const struct reader *r, uid_t owner, gid_t group,
    mode_t mode, int how)
{
	mode_t want = (mode_t)how & 7;
	int member, g, o;

	if (!r->have_uid)
		return msg_fail(EX_CONFIG, "cannot tell whether %s can open "
		    "%s: its user is not known (%s)", r->program, r->file,
		    r->note);
	if (r->uid == 0)
		return 1;	/* CAP_DAC_OVERRIDE; X_OK on directories too */
	if (r->uid == owner)
		return (((mode >> 6) & 7) & want) == want;
	g = (((mode >> 3) & 7) & want) == want;
	o = ((mode & 7) & want) == want;
	if ((member = in_group(r, group)) == -1) {
		if (g == o)
			return g;
		return msg_fail(EX_CONFIG, "cannot tell whether %s can open "
		    "%s: its group is not known (%s)", r->program, r->file,
		    r->note);
	}
	return member ? g : o;
}

int
readers_can_read(const struct reader *r, uid_t owner, gid_t group,
    mode_t mode)
{
	return readers_can_access(r, owner, group, mode, R_OK);
}

const char *
readers_describe(const struct reader *r, char *buf, size_t size)
{
	char user[80], group[80], origin[4200] = "";
	int client = strcmp(r->file, READERS_CLIENTCERT) == 0;

	if (r->user[0])
		snprintf(user, sizeof(user), "%s", r->user);
	else
		snprintf(user, sizeof(user), "uid %lu", (unsigned long)r->uid);
	if (r->group[0])
		snprintf(group, sizeof(group), "%s", r->group);
	else
		snprintf(group, sizeof(group), "gid %lu",
		    (unsigned long)r->gid);
	/* inside the parenthesis: where the ids come from */
	if (client)
		append(origin, sizeof(origin), ", set by qmail-start%s%s",
		    r->script[0] ? " from " : "", r->script);
	else if (r->source == READER_DEFAULT)
		append(origin, sizeof(origin), ", qmail's default");
	buf[0] = '\0';
	if (r->have_uid && r->have_gid)
		append(buf, size, "%s as %s:%s (uid %lu, gid %lu%s)",
		    r->program, user, group, (unsigned long)r->uid,
		    (unsigned long)r->gid, origin);
	else if (r->have_uid)
		append(buf, size, "%s as %s (uid %lu, group not known%s)",
		    r->program, user, (unsigned long)r->uid, origin);
	else
		append(buf, size, "%s as a user that is not known",
		    r->program);
	if (!client && r->script[0])
		append(buf, size, " from %s", r->script);
	return buf;
}

const char *
readers_fix(const struct reader *r, char *buf, size_t size)
{
	char group[80];

	if (r->group[0])
		snprintf(group, sizeof(group), "%s", r->group);
	else
		snprintf(group, sizeof(group), "%lu", (unsigned long)r->gid);
	buf[0] = '\0';
	if (strcmp(r->file, READERS_CLIENTCERT) == 0) {
		append(buf, size, "qmail-remote always runs as qmailr with "
		    "group qmail: install with --client-group %s",
		    r->have_gid ? group : "qmail");
		return buf;
	}
	if (r->have_gid && strcmp(r->user, "qmaild") == 0) {
		append(buf, size, "install with --server-group %s", group);
		return buf;
	}
	append(buf, size, "run %s as qmaild, as djb designed it (%s)",
	    r->program, strcmp(r->program, "sslserver") == 0 ?
	    "envuidgid qmaild sslserver -U ..." :
	    "tcpserver -u \"$QMAILDUID\" -g \"$NOFILESGID\"");
	if (r->have_gid)
		append(buf, size, ", or install with --server-group %s",
		    group);
	else
		append(buf, size, ", or install with --server-group and the "
		    "group %s runs as", r->program);
	return buf;
}

const char *
readers_explain(const struct reader *r, const char *file_perms, char *buf,
    size_t size)
{
	char who[4300], fix[400];

	readers_describe(r, who, sizeof(who));
	readers_fix(r, fix, sizeof(fix));
	snprintf(buf, size, "%s: %s cannot read it as %s; %s. Fix: %s",
	    r->file, who, file_perms,
	    strcmp(r->file, READERS_CLIENTCERT) == 0 ?
	    "qmail-remote could not load its client certificate" :
	    "STARTTLS would fail with \"454 TLS not available: missing RSA "
	    "private key\"", fix);
	return buf;
}
