/*
 * readers.c: find the run scripts that start qmail-smtpd and qmail-start,
 * and say who reads servercert.pem and clientcert.pem.
 *
 * Run scripts are opened by path: /service entries are usually symlinks to
 * /var/qmail/supervise/..., so links are followed, but only a regular file
 * of at most RUNSCRIPT_MAX bytes is read: its type is checked (stat)
 * before it is opened, so that a link to a device never opens the
 * device, and again on the open descriptor; non-blocking, so that a FIFO
 * swapped in between cannot hang the scan.  The same script reached
 * through two service directories (/service -> /etc/service) is read
 * once.
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

#include "base/err.h"
#include "base/grow.h"
#include "base/text.h"
#include "base/userdb.h"
#include "runscript/runscript.h"
#include "runscript/startchain.h"
#include "site/policy.h"
#include "site/readers.h"

_Static_assert(READERS_MAX_GROUPS == START_MAX_GROUPS,
    "struct reader and struct startchain hold the same groups");

#define SERVICES_MAX	4096	/* entries read per service directory */

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

static struct reader *
new_reader(struct scan *sc, const char *file, const char *program,
    struct err *err)
{
	struct reader *r, *bigger;

	if ((bigger = grow(sc->list->v, &sc->cap, sc->list->n,
	    sizeof(*bigger), 4)) == NULL) {
		err_set(err, EX_OSERR, "out of memory listing the readers");
		return NULL;
	}
	sc->list->v = bigger;
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
    struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
add_unknown(struct scan *sc, const char *script, unsigned line,
    struct err *err, const char *fmt, ...)
{
	struct reader *r;
	va_list ap;

	if ((r = new_reader(sc, SERVERCERT, "qmail-smtpd",
	    err)) == NULL)
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
add_start(struct scan *sc, const char *svc, const char *script, unsigned line,
    const struct startchain *l, struct err *err)
{
	struct reader *r;

	if ((r = new_reader(sc, SERVERCERT, l->program[0] ?
	    l->program : "qmail-smtpd", err)) == NULL)
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
	r->starts_vchkpw = l->mentions_vchkpw;
	r->source = l->kind == START_SMTPD && l->have_uid && l->have_gid ?
	    READER_SCRIPT : READER_UNKNOWN;
	if (l->kind == START_UNKNOWN) {
		/* what the walk started from (root) says nothing here */
		r->have_uid = r->have_gid = 0;
		r->uid = 0;
		r->gid = 0;
		r->ngroups = 0;
		r->init_groups = 0;
	}
	snprintf(r->note, sizeof(r->note), "%s", l->note);
	snprintf(r->word, sizeof(r->word), "%s", l->word);
	r->word_unknown = l->word_unknown;
	snprintf(r->path, sizeof(r->path), "%s", l->path);
	r->path_set = l->path_set;
	r->path_unknown = l->path_unknown;
	snprintf(r->service_dir, sizeof(r->service_dir), "%s", svc);
	r->tlsciphers = l->tlsciphers;	/* issue 23 */
	name_ids(r);
	sc->nserver++;
	return 0;
}

/* Did we read this file already, through another service directory? */
static int
seen_before(struct scan *sc, const struct stat *st, int *seen, struct err *err)
{
	struct seen *bigger;
	size_t i;

	*seen = 0;
	for (i = 0; i < sc->nseen; i++)
		if (sc->seen[i].dev == st->st_dev &&
		    sc->seen[i].ino == st->st_ino) {
			*seen = 1;
			return 0;
		}
	if ((bigger = grow(sc->seen, &sc->capseen, sc->nseen, sizeof(*bigger),
	    16)) == NULL)
		return err_set(err, EX_OSERR, "out of memory listing the "
		    "readers");
	sc->seen = bigger;
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
    const char *text, size_t len, int smtp, struct err *err)
{
	struct runscript *rs = NULL;
	struct rs_command cmd;
	struct startchain l;
	struct err why = { 0 };
	size_t before = sc->nserver;
	int r, rc = -1;

	if (runscript_open(text, len, &rs, &why) == -1)
		goto unreadable;
	while ((r = runscript_next(rs, &cmd, &why)) == 1) {
		startchain_follow(&cmd, svc, &l);
		switch (l.kind) {
		case START_SMTPD:
			if (add_start(sc, svc, script, cmd.line, &l, err) == -1)
				goto out;
			break;
		case START_SEND:
			if (sc->send_script[0] == '\0') {
				snprintf(sc->send_script,
				    sizeof(sc->send_script), "%s", script);
				sc->send_line = cmd.line;
			}
			break;
		case START_UNKNOWN:
			if ((smtp || l.mentions_smtpd) &&
			    add_start(sc, svc, script, cmd.line, &l, err) == -1)
				goto out;
			break;
		case START_NONE:
			break;
		}
	}
	if (r == -1)
		goto unreadable;
	if (smtp && sc->nserver == before && (memmem(text, len, "qmail-smtpd",
	    11) || memmem(text, len, "tcpserver", 9) ||
	    memmem(text, len, "sslserver", 9)) &&
	    add_unknown(sc, script, 0, err, "%s does not visibly start "
	    "qmail-smtpd", script) == -1)
		goto out;
	rc = 0;
	goto out;
unreadable:
	rc = 0;
	if ((smtp || memmem(text, len, "qmail-smtpd", 11)) &&
	    add_unknown(sc, script, 0, err, "%s cannot be read: %s", script,
	    why.text) == -1)
		rc = -1;
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
scan_service(struct scan *sc, const char *dir, const char *name,
    struct err *err)
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
		return add_unknown(sc, script, 0, err, "cannot examine %s: %s",
		    script, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return smtp ? add_unknown(sc, script, 0, err,
		    "%s is not a regular "
		    "file", script) : 0;
	if ((fd = open(script, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || !smtp)
			return 0;
		return add_unknown(sc, script, 0, err, "cannot open %s: %s",
		    script, strerror(errno));
	}
	if (!same_regular_file(fd, &st)) {
		close(fd);
		return smtp ? add_unknown(sc, script, 0, err,
		    "%s changed while it "
		    "was read", script) : 0;
	}
	if (seen_before(sc, &st, &seen, err) == -1 || seen) {
		close(fd);
		return seen ? 0 : -1;
	}
	if ((text = malloc(RUNSCRIPT_MAX + 1)) == NULL) {
		close(fd);
		return err_set(err, EX_OSERR, "out of memory reading %s",
		    script);
	}
	if (read_script(fd, text, &len) == -1) {
		rc = smtp ? add_unknown(sc, script, 0, err,
		    "cannot read %s: %s",
		    script, strerror(errno)) : 0;
		goto out;
	}
	if (len > RUNSCRIPT_MAX || memchr(text, '\0', len) != NULL) {
		rc = smtp ? add_unknown(sc, script, 0, err,
		    "%s is %s, not read",
		    script, len > RUNSCRIPT_MAX ? "longer than 64 KiB" :
		    "not a text script (a compiled program?)") : 0;
		goto out;
	}
	if (foreign_interpreter(text, len, interp, sizeof(interp),
	    &execline) != NULL) {
		rc = (smtp || memmem(text, len, "qmail-smtpd", 11)) ?
		    add_unknown(sc, script, 1, err, "%s is a %s script, which "
		    "qmail-pem does not read", script, interp) : 0;
		goto out;
	}
	if (execline)
		flatten_execline(text, len);
	rc = parse_script(sc, svc, script, text, len, smtp, err);
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
scan_dir(struct scan *sc, const char *dir, struct err *err)
{
	struct dirent **names = NULL;
	int n, i, rc = 0;

	if ((n = scandir(dir, &names, not_hidden, alphasort)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			text_append(sc->trouble, sizeof(sc->trouble),
			    "%scannot list %s: %s", sc->trouble[0] ? "; " : "",
			    dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && i < SERVICES_MAX)
			rc = scan_service(sc, dir, names[i]->d_name, err);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* qmail's INSTALL: tcpserver -u qmaild's uid -g qmaild's group. */
static int
add_default_server(struct scan *sc, const char *const *dirs, size_t ndirs,
    struct err *err)
{
	struct reader *r;
	char where[512] = "";
	size_t i;

	if ((r = new_reader(sc, SERVERCERT, "qmail-smtpd",
	    err)) == NULL)
		return -1;
	for (i = 0; i < ndirs; i++)
		text_append(where, sizeof(where), "%s%s", i ? ", " : "",
		    dirs[i]);
	if (userdb_user_by_name(DEFAULT_SERVER_USER, &r->uid, &r->gid) == 0) {
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
		text_append(r->note, sizeof(r->note), "; %s", sc->trouble);
	return 0;
}

/* qmail-start runs qmail-rspawn, and so qmail-remote, as qmailr with
 * group qmail (prot_gid(auto_gidq)), compiled into qmail. */
static int
add_client(struct scan *sc, struct err *err)
{
	struct reader *r;
	uid_t uid;
	gid_t primary;

	if ((r = new_reader(sc, CLIENTCERT, "qmail-remote",
	    err)) == NULL)
		return -1;
	snprintf(r->script, sizeof(r->script), "%s", sc->send_script);
	r->line = sc->send_line;
	r->source = READER_DEFAULT;
	if (userdb_user_by_name(DEFAULT_CLIENT_USER, &uid, &primary) == -1) {
		r->source = READER_UNKNOWN;
		snprintf(r->note, sizeof(r->note), "there is no user qmailr: "
		    "qmail-remote runs with the ids compiled into qmail");
		return 0;
	}
	r->uid = uid;
	r->have_uid = 1;
	r->init_groups = 1;	/* as for qmaild above */
	if (userdb_group_by_name(DEFAULT_CLIENT_GROUP, &r->gid) == 0) {
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
		text_append(r->note, sizeof(r->note), "%sno run script starts "
		    "qmail-start (qmail's own ids apply however it starts)",
		    r->note[0] ? "; " : "");
	name_ids(r);
	return 0;
}

int
readers_scan(const char *const *dirs, size_t ndirs, struct reader_list *out,
    struct err *err)
{
	struct scan sc;
	size_t i;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	out->v = NULL;
	out->n = 0;
	sc.list = out;
	if (dirs == NULL) {
		dirs = default_service_dirs;
		ndirs = NDEFAULT_SERVICE_DIRS;
	}
	for (i = 0; i < ndirs; i++)
		if (scan_dir(&sc, dirs[i], err) == -1)
			goto out;
	if (sc.nserver == 0 && add_default_server(&sc, dirs, ndirs, err) == -1)
		goto out;
	if (add_client(&sc, err) == -1)
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
