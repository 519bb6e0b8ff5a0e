/*
 * unit_readers.c: the run-script reader (runscript/), the command chains
 * (startchain.c), the scan of service directories (site/readers.c) and
 * qmail-pem readers (cmd/readers.c, ops/readable.c).
 *
 * Accounts come from a table installed with userdb_set(), so this test
 * needs neither nss_wrapper nor tests/lib.sh; the ids are those of
 * tests/lib.sh (qmaild 20001:nofiles 20001, qmailr 20002:qmail 20002,
 * vpopmail 20010:vchkpw 20010).  The fixture trees are
 * tests/fixtures/service/<layout>, found through $QP_SRCDIR (set by CTest)
 * or this file's own path.  The qmail-pem readers tests chown files and are
 * skipped unless run as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/userdb.h"
#include "cmd/commands.h"
#include "runscript/runscript.h"
#include "runscript/startchain.h"
#include "site/policy.h"
#include "site/readerperm.h"
#include "site/readers.h"

/* What the last call that failed recorded. */
static struct err err;

/* --- a fake account database ----------------------------------------- */

struct fake_user {
	const char	*name;
	uid_t		 uid;
	gid_t		 gid;
};

struct fake_group {
	const char	*name;
	gid_t		 gid;
	const char	*members;	/* ",a,b," */
};

static const struct fake_user fake_users[] = {
	{ "root", 0, 0 },
	{ "qmaild", 20001, 20001 },
	{ "qmailr", 20002, 20002 },
	{ "qmaill", 20004, 20001 },
	{ "vpopmail", 20010, 20010 },
	{ "other", 20020, 20020 },
};

static const struct fake_group fake_groups[] = {
	{ "root", 0, "," },
	{ "nofiles", 20001, "," },
	{ "qmail", 20002, "," },
	{ "vchkpw", 20010, "," },
	{ "other", 20020, "," },
	{ "mailread", 20030, ",vpopmail," },
};

static int hide_qmaild;		/* pretend qmaild does not exist */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
fake_user_by_name(const char *name, uid_t *uid, gid_t *gid)
{
	size_t i;

	if (hide_qmaild && strcmp(name, "qmaild") == 0)
		return -1;
	for (i = 0; i < NELEM(fake_users); i++)
		if (strcmp(fake_users[i].name, name) == 0) {
			*uid = fake_users[i].uid;
			*gid = fake_users[i].gid;
			return 0;
		}
	return -1;
}

static int
fake_user_by_uid(uid_t uid, char *name, size_t size)
{
	size_t i;

	for (i = 0; i < NELEM(fake_users); i++)
		if (fake_users[i].uid == uid) {
			snprintf(name, size, "%s", fake_users[i].name);
			return 0;
		}
	return -1;
}

static int
fake_group_by_name(const char *name, gid_t *gid)
{
	size_t i;

	for (i = 0; i < NELEM(fake_groups); i++)
		if (strcmp(fake_groups[i].name, name) == 0) {
			*gid = fake_groups[i].gid;
			return 0;
		}
	return -1;
}

static int
fake_group_by_gid(gid_t gid, char *name, size_t size)
{
	size_t i;

	for (i = 0; i < NELEM(fake_groups); i++)
		if (fake_groups[i].gid == gid) {
			snprintf(name, size, "%s", fake_groups[i].name);
			return 0;
		}
	return -1;
}

/* How many times the group database was asked for a user's groups. */
static int group_lookups;

/* The primary group, then every group that lists user, as getgrouplist. */
static int
fake_user_groups(const char *user, gid_t primary, gid_t *groups, int *n)
{
	char needle[80];
	size_t i;
	int found = 0;

	group_lookups++;
	snprintf(needle, sizeof(needle), ",%s,", user);
	if (found++ < *n)
		groups[0] = primary;
	for (i = 0; i < NELEM(fake_groups); i++)
		if (fake_groups[i].gid != primary &&
		    strstr(fake_groups[i].members, needle) != NULL &&
		    found++ < *n)
			groups[found - 1] = fake_groups[i].gid;
	if (found > *n) {
		*n = found;
		return -1;
	}
	*n = found;
	return 0;
}

static const struct userdb fake_db = {
	fake_user_by_name, fake_user_by_uid, fake_group_by_name,
	fake_group_by_gid, fake_user_groups
};

/* --- helpers ----------------------------------------------------------- */

#define TREE_MAX 512

static char tmproot[128];
static char fixtures[2048];
static int ntree;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
setup(void **state)
{
	const char *src = getenv("QP_SRCDIR");
	char here[1024], *slash;

	(void)state;
	userdb_set(&fake_db);
	if (src != NULL && *src != '\0')
		snprintf(fixtures, sizeof(fixtures),
		    "%s/tests/fixtures/service",
		    src);
	else {
		snprintf(here, sizeof(here), "%s", __FILE__);
		slash = strrchr(here, '/');
		if (slash != NULL)
			*slash = '\0';
		else
			snprintf(here, sizeof(here), "tests");
		snprintf(fixtures, sizeof(fixtures), "%s/fixtures/service",
		    here);
	}
	snprintf(tmproot, sizeof(tmproot), "/tmp/qp-unit-readers.XXXXXX");
	if (mkdtemp(tmproot) == NULL)
		return -1;
	return chmod(tmproot, 0755);
}

static int
teardown(void **state)
{
	(void)state;
	userdb_set(NULL);
	return nftw(tmproot, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new, empty service tree; its path in buf. */
static void
new_tree(char *buf, size_t size)
{
	snprintf(buf, size, "%s/tree%d", tmproot, ++ntree);
	assert_int_equal(mkdir(buf, 0755), 0);
}

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* tree/svc/run with text. */
static void
add_service(const char *tree, const char *svc, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tree, svc);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/run", tree, svc);
	write_file(path, text, strlen(text), 0755);
}

static void
scan1(const char *dir, struct reader_list *l)
{
	const char *dirs[1] = { dir };

	assert_int_equal(readers_scan(dirs, 1, l, &err), 0);
}

static void
scan_fixture(const char *layout, struct reader_list *l)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", fixtures, layout);
	scan1(dir, l);
}

static size_t
count_for(const struct reader_list *l, const char *file)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].file, file) == 0)
			n++;
	return n;
}

static const struct reader *
nth_for(const struct reader_list *l, const char *file, size_t nth)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].file, file) == 0 && nth-- == 0)
			return &l->v[i];
	fail_msg("no reader %zu for %s", nth, file);
	return NULL;
}

static const struct reader *
server(const struct reader_list *l)
{
	assert_int_equal(count_for(l, SERVERCERT), 1);
	return nth_for(l, SERVERCERT, 0);
}

/* The one servercert.pem reader of a tree with one run script. */
static void
scan_script(const char *svc, const char *text, struct reader_list *l)
{
	char tree[TREE_MAX];

	new_tree(tree, sizeof(tree));
	add_service(tree, svc, text);
	scan1(tree, l);
}

static void
assert_ids(const struct reader *r, const char *user, uid_t uid,
    const char *group, gid_t gid)
{
	assert_true(r->have_uid);
	assert_true(r->have_gid);
	assert_int_equal(r->uid, uid);
	assert_int_equal(r->gid, gid);
	assert_string_equal(r->user, user);
	assert_string_equal(r->group, group);
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("'%s' not found in '%s'", needle, haystack);
}

/* --- runscript.c ------------------------------------------------------- */

struct cmds {
	char	text[16][512];	/* words joined by '|', unknown ones with '?' */
	int	cond[16];
	size_t	n;
};

static int
read_all(const char *script, struct cmds *c)
{
	struct runscript *rs;
	struct rs_command cmd;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	assert_int_equal(runscript_open(script, strlen(script), &rs, &err), 0);
	while ((r = runscript_next(rs, &cmd, &err)) == 1 && c->n < 16) {
		for (i = 0; i < cmd.nwords; i++) {
			if (i)
				strcat(c->text[c->n], "|");
			strncat(c->text[c->n], cmd.words[i].text, 120);
			if (cmd.words[i].unknown)
				strcat(c->text[c->n], "?");
		}
		c->cond[c->n++] = cmd.conditional;
	}
	runscript_free(rs);
	return r;
}

static void
test_runscript_words(void **state)
{
	struct cmds c;

	(void)state;
	assert_int_equal(read_all(
	    "#!/bin/sh\n"
	    "# a comment 'with quotes\n"
	    "A=one B=\"two words\" C='$A'\n"
	    "echo $A \"$B\" $B $C ${A} ${NOPE:-dflt} \\\n"
	    "   x\\ y 'a'\"b\"c # trailing comment\n"
	    "echo \"$(id -u qmaild):`id -g vpopmail`\" $(id -un qmaild) "
	    "$(id -gn vpopmail) $(id -u nosuch)\n", &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.text[0],
	    "echo|one|two words|two|words|$A|one|dflt|x y|abc");
	assert_string_equal(c.text[1],
	    "echo|20001:20010|qmaild|vchkpw|$(id -u nosuch)?");
}

static void
test_runscript_builtins(void **state)
{
	struct cmds c;

	(void)state;
	/* exec with only redirections, export, unset, set -a, heredocs */
	assert_int_equal(read_all(
	    "exec 2>&1\n"
	    "exec </dev/null >/dev/null\n"
	    "X=1; export X; Y=2\n"
	    "cat <<EOF >/tmp/x\n"
	    "exec not-a-command $(this is text)\n"
	    "EOF\n"
	    "set -a\n"
	    "Z=3\n"
	    "unset Y\n"
	    "W=4 prog $X $Y $Z 2>/dev/null 1>&2\n", &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.text[0], "cat");
	assert_string_equal(c.text[1], "prog|1|3");	/* $Y unset: no word */
}

static void
test_runscript_env(void **state)
{
	struct runscript *rs;
	struct rs_command cmd;
	const char *script = "A=1\nexport B=2\nC=3\nexport C\nunset C\n"
	    "D=4 prog\n";
	size_t i;
	int seen_a = 0, seen_b = 0, seen_c = 0, seen_d = 0;

	(void)state;
	assert_int_equal(runscript_open(script, strlen(script), &rs, &err), 0);
	assert_int_equal(runscript_next(rs, &cmd, &err), 1);
	for (i = 0; i < cmd.nenv; i++) {
		if (!strcmp(cmd.env[i].name, "A"))
			seen_a = 1;
		if (!strcmp(cmd.env[i].name, "B")) {
			assert_string_equal(cmd.env[i].value, "2");
			seen_b = 1;
		}
		if (!strcmp(cmd.env[i].name, "C")) {
			assert_null(cmd.env[i].value);
			seen_c = 1;
		}
		if (!strcmp(cmd.env[i].name, "D")) {
			assert_string_equal(cmd.env[i].value, "4");
			seen_d = 1;
		}
	}
	assert_false(seen_a);
	assert_true(seen_b && seen_c && seen_d);
	assert_int_equal(runscript_next(rs, &cmd, &err), 0);
	runscript_free(rs);
}

static void
test_runscript_control(void **state)
{
	struct cmds c;

	(void)state;
	/* a value set under a condition is not known; exit in a function
	 * body does not end the reading; exec at top level does */
	assert_int_equal(read_all(
	    "die() { echo \"$@\"; exit 1; }\n"
	    "U=1\n"
	    "if [ -f /x ]; then U=2; else U=1; fi\n"
	    "V=5\n"
	    "case \"$1\" in start) V=6 ;; esac\n"
	    "[ -f /y ] && exec other\n"
	    "exec prog $U $V\n"
	    "exec never\n", &c), 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.text[0], "die");
	assert_string_equal(c.text[1], "echo|$@?");
	assert_true(c.cond[1]);
	assert_string_equal(c.text[2], "[|-f|/x|]");
	assert_true(c.cond[2]);
	assert_string_equal(c.text[3], "[|-f|/y|]");
	assert_string_equal(c.text[4], "exec|other");
	assert_true(c.cond[4]);
	assert_string_equal(c.text[5], "exec|prog|$U?|$V?");
	assert_false(c.cond[5]);
}

static void
test_runscript_hostile(void **state)
{
	static const char *const scripts[] = {
		"X=aaaaaaaaaaaaaaaa\n"
		"X=$X$X; X=$X$X; X=$X$X; X=$X$X; X=$X$X; X=$X$X; X=$X$X\n"
		"X=$X$X; X=$X$X; X=$X$X; X=$X$X; X=$X$X; X=$X$X; X=$X$X\n"
		"exec prog \"$X\"\n",
		"exec prog \"unterminated\n",
		"exec prog 'unterminated\n",
		"exec prog $(unterminated\n",
		"exec prog ${unterminated\n",
		"exec prog `unterminated\n",
		"exec prog \\",
		"exec prog $($($($($($($(id -u qmaild)))))))\n",
		"exec prog $((1 + 2)) ${#X} ${X%%y} $1 $@ $$\n",
		"))))((((;;;;&&&&||||\n}}}{{{ fi fi done esac\n",
		"cat <<\n",
		"cat <<E\nnever ends\n",
		"",
		"\n\n\n",
	};
	struct cmds c;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(scripts); i++) {
		read_all(scripts[i], &c);
		err_clear(&err);
	}
}

/* --- readers_can_access ---------------------------------------------- */

static void
test_can_access(void **state)
{
	struct reader r;

	(void)state;
	memset(&r, 0, sizeof(r));
	snprintf(r.file, sizeof(r.file), SERVERCERT);
	snprintf(r.program, sizeof(r.program), "qmail-smtpd");
	r.have_uid = r.have_gid = 1;
	r.uid = 20010;
	r.gid = 20010;
	assert_int_equal(readers_can_read(&r, 0, 20001, 0640, &err), 0);
	assert_int_equal(readers_can_read(&r, 0, 20010, 0640, &err), 1);
	assert_int_equal(readers_can_read(&r, 0, 20001, 0644, &err), 1);
	/* the owner gets the owner bits only, a member the group bits */
	assert_int_equal(readers_can_read(&r, 20010, 20010, 0040, &err), 0);
	assert_int_equal(readers_can_read(&r, 0, 20010, 0604, &err), 0);
	assert_int_equal(readers_can_access(&r, 0, 0, 0751, X_OK, &err), 1);
	assert_int_equal(readers_can_access(&r, 0, 0, 0750, X_OK, &err), 0);
	/* supplementary groups the launcher sets */
	r.groups[0] = 20001;
	r.ngroups = 1;
	assert_int_equal(readers_can_read(&r, 0, 20001, 0640, &err), 1);
	/* the group database counts only when the launcher uses it */
	r.ngroups = 0;
	snprintf(r.user, sizeof(r.user), "vpopmail");
	assert_int_equal(readers_can_read(&r, 0, 20030, 0640, &err), 0);
	r.init_groups = 1;
	/* where the group and other bits agree, membership cannot change
	 * the answer, and the group database (with nss_systemd a dlopen
	 * and a walk of its folders) is not asked (issue 26) */
	userdb_set(&fake_db);	/* nothing kept from before */
	group_lookups = 0;
	assert_int_equal(readers_can_read(&r, 0, 20030, 0644, &err), 1);
	assert_int_equal(readers_can_read(&r, 0, 20030, 0600, &err), 0);
	assert_int_equal(readers_can_access(&r, 0, 20030, 0755, X_OK, &err), 1);
	assert_int_equal(group_lookups, 0);
	assert_int_equal(readers_can_read(&r, 0, 20030, 0640, &err), 1);
	assert_int_equal(group_lookups, 1);
	/* root reads anything */
	r.uid = 0;
	assert_int_equal(readers_can_read(&r, 20001, 20001, 0000, &err), 1);
	/* not known */
	r.uid = 20010;
	r.have_gid = 0;
	r.init_groups = 0;
	assert_int_equal(readers_can_read(&r, 0, 20001, 0640, &err), -1);
	assert_int_equal(readers_can_read(&r, 0, 20001, 0644, &err), 1);
	assert_int_equal(readers_can_read(&r, 0, 20001, 0600, &err), 0);
	r.have_uid = 0;
	assert_int_equal(readers_can_read(&r, 0, 20001, 0644, &err), -1);
	err_clear(&err);
}

/* --- the fixture trees --------------------------------------------- */

static void
assert_client_default(const struct reader_list *l)
{
	const struct reader *c;

	assert_int_equal(count_for(l, CLIENTCERT), 1);
	c = nth_for(l, CLIENTCERT, 0);
	assert_int_equal(c->source, READER_DEFAULT);
	assert_string_equal(c->program, "qmail-remote");
	assert_ids(c, "qmailr", 20002, "qmail", 20002);
	assert_int_equal(readers_can_read(c, 0, 20002, 0640, &err), 1);
}

static void
test_fixture_lwq(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_fixture("lwq", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_SCRIPT);
	assert_string_equal(r->program, "qmail-smtpd");
	assert_ids(r, "qmaild", 20001, "nofiles", 20001);
	assert_int_equal(r->ngroups, 0);
	assert_int_equal(r->line, 22);
	assert_contains(r->script, "lwq/qmail-smtpd/run");
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 1);
	assert_client_default(&l);
	/* qmail-send runs /var/qmail/rc, not read: no script named */
	assert_string_equal(nth_for(&l, CLIENTCERT, 0)->script, "");
	readers_free(&l);
}

static void
test_fixture_qmailrocks(void **state)
{
	struct reader_list l;
	struct reader other;
	const struct reader *r;
	char buf[8192];

	(void)state;
	scan_fixture("qmailrocks", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_SCRIPT);
	assert_ids(r, "vpopmail", 20010, "vchkpw", 20010);
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 0);
	assert_int_equal(readers_can_read(r, 0, 20010, 0640, &err), 1);
	assert_contains(r->note, "vchkpw");
	/* vchkpw must run as vpopmail or root: no hint to run as qmaild */
	assert_int_equal(r->starts_vchkpw, 1);
	readers_fix(r, buf, sizeof(buf));
	assert_null(strstr(buf, "qmaild"));
	assert_contains(buf, "--server-group vchkpw (the run script starts "
	    "vchkpw, which must run as vpopmail or root)");
	other = *r;		/* the same reader without vchkpw */
	other.starts_vchkpw = 0;
	readers_fix(&other, buf, sizeof(buf));
	assert_contains(buf, "run qmail-smtpd as qmaild");
	readers_explain(r, "root:nofiles 0640", buf, sizeof(buf));
	assert_null(strstr(buf, "as qmaild"));
	assert_contains(buf, "qmailrocks/qmail-smtpd/run");
	assert_contains(buf, "vpopmail:vchkpw (uid 20010, gid 20010)");
	assert_contains(buf, "root:nofiles 0640");
	assert_contains(buf, "454 TLS missing certificate");
	assert_contains(buf, "--server-group vchkpw");
	assert_client_default(&l);
	assert_contains(nth_for(&l, CLIENTCERT, 0)->script,
	    "qmailrocks/qmail-send/run");
	readers_describe(nth_for(&l, CLIENTCERT, 0), buf, sizeof(buf));
	assert_contains(buf, "qmail-remote as qmailr:qmail (uid 20002, gid "
	    "20002, set by qmail-start from ");
	readers_explain(nth_for(&l, CLIENTCERT, 0),
	    "root:nofiles 0640", buf, sizeof(buf));
	assert_contains(buf, "--client-group qmail");
	readers_free(&l);
}

static void
test_fixture_jms1(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_fixture("jms1", &l);
	assert_int_equal(count_for(&l, SERVERCERT), 2);
	r = nth_for(&l, SERVERCERT, 0);
	assert_int_equal(r->source, READER_SCRIPT);
	assert_string_equal(r->program, "qmail-smtpd");
	assert_ids(r, "qmaild", 20001, "nofiles", 20001);
	r = nth_for(&l, SERVERCERT, 1);
	assert_int_equal(r->source, READER_SCRIPT);
	assert_string_equal(r->program, "sslserver");
	assert_ids(r, "qmaild", 20001, "nofiles", 20001);
	assert_contains(r->script, "qmail-smtpd-ssl/run");
	assert_contains(r->note, "CERTFILE=/var/qmail/control/servercert.pem");
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 1);
	assert_client_default(&l);
	readers_free(&l);
}

static void
test_fixture_runit(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_fixture("runit", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_SCRIPT);
	assert_ids(r, "qmaild", 20001, "nofiles", 20001);
	assert_int_equal(r->ngroups, 1);	/* chpst -u u:g sets g */
	assert_int_equal(r->groups[0], 20001);
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 1);
	assert_int_equal(readers_can_read(r, 0, 20010, 0640, &err), 0);
	readers_free(&l);
}

static void
test_fixture_unparseable(void **state)
{
	struct reader_list l;
	const struct reader *r;
	char buf[8192];

	(void)state;
	scan_fixture("unparseable", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_UNKNOWN);
	assert_false(r->have_uid);
	assert_false(r->have_gid);
	assert_int_equal(r->line, 6);
	assert_contains(r->note, "line 6");
	assert_contains(r->note, "$(cat /etc/smtpd-cmd)");
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), -1);
	assert_contains(err.text, "not known");
	err_clear(&err);
	readers_describe(r, buf, sizeof(buf));
	assert_contains(buf, "a user that is not known");
	assert_client_default(&l);
	readers_free(&l);
}

static void
test_fixture_nosmtpd(void **state)
{
	struct reader_list l;
	const struct reader *r;
	char buf[8192];

	(void)state;
	scan_fixture("nosmtpd", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_DEFAULT);
	assert_string_equal(r->script, "");
	assert_ids(r, "qmaild", 20001, "nofiles", 20001);
	assert_contains(r->note, "no run script");
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 1);
	readers_describe(r, buf, sizeof(buf));
	assert_string_equal(buf, "qmail-smtpd as qmaild:nofiles (uid 20001, "
	    "gid 20001, qmail's default)");
	assert_client_default(&l);
	readers_free(&l);
	/* and with no qmaild at all */
	hide_qmaild = 1;
	userdb_set(&fake_db);	/* a changed database: forget what was kept */
	scan_fixture("nosmtpd", &l);
	hide_qmaild = 0;
	userdb_set(&fake_db);
	r = server(&l);
	assert_int_equal(r->source, READER_UNKNOWN);
	assert_contains(r->note, "no user qmaild");
	readers_free(&l);
}

static void
test_missing_dirs(void **state)
{
	const char *dirs[] = { "/nonexistent/service", "/nonexistent/etc" };
	struct reader_list l;

	(void)state;
	assert_int_equal(readers_scan(dirs, 2, &l, &err), 0);
	assert_int_equal(server(&l)->source, READER_DEFAULT);
	assert_client_default(&l);
	readers_free(&l);
}

/* --- inline scripts ------------------------------------------------ */

static void
test_computed_user(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_script("qmail-smtpd",
	    "#!/bin/sh\n"
	    "getuid() { id -u \"$1\"; }\n"
	    "exec tcpserver -u \"$(getuid vpopmail)\" -g 20010 0 smtp "
	    "qmail-smtpd\n", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_UNKNOWN);
	assert_false(r->have_uid);
	assert_true(r->have_gid);
	assert_contains(r->note, "line 3");
	assert_contains(r->note, "getuid vpopmail");
	readers_free(&l);

	scan_script("smtpd", "#!/bin/sh\nexec tcpserver -u $SOMETHING -g "
	    "20001 0 smtp /var/qmail/bin/qmail-smtpd\n", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_UNKNOWN);
	assert_contains(r->note, "$SOMETHING is not set in the script");
	readers_free(&l);
}

/* The program word and the PATH a run script gives it (site/readerbin.c
 * resolves them): PATH counts exported or not; a variable the script sets
 * is expanded in the word; one it does not stays as written. */
static void
test_program_word(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_script("smtpd", "#!/bin/sh\nPATH=/opt/q/bin:$PATH\n"
	    "exec tcpserver -u 0 -g 0 0 smtp qmail-smtpd 2>&1\n", &l);
	r = server(&l);
	assert_string_equal(r->word, "qmail-smtpd");
	assert_false(r->word_unknown);
	assert_true(r->path_set);
	assert_string_equal(r->path, "/opt/q/bin:$PATH");
	assert_non_null(strstr(r->service_dir, "/smtpd"));
	readers_free(&l);

	scan_script("smtpd", "#!/bin/sh\nQ=/var/qmail\nexec softlimit "
	    "-m 9000000 tcpserver 0 smtp $Q/bin/qmail-smtpd\n", &l);
	r = server(&l);
	assert_string_equal(r->word, "/var/qmail/bin/qmail-smtpd");
	assert_false(r->word_unknown);
	assert_false(r->path_set);
	readers_free(&l);

	scan_script("smtpd", "#!/bin/sh\nexec tcpserver 0 smtp "
	    "$QMAIL/bin/qmail-smtpd\n", &l);
	r = server(&l);
	assert_string_equal(r->word, "$QMAIL/bin/qmail-smtpd");
	assert_true(r->word_unknown);
	readers_free(&l);
}

static void
test_exec_variable(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_script("qmail-smtpd", "#!/bin/sh\nCMD=\"$(cat /etc/cmd)\"\n"
	    "exec $CMD\n", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_UNKNOWN);
	assert_contains(r->note, "line 3");
	assert_contains(r->note, "$CMD");
	readers_free(&l);

	/* not an SMTP service and no word of qmail-smtpd: nothing */
	scan_script("dnscache", "#!/bin/sh\nexec $CMD\n", &l);
	assert_int_equal(server(&l)->source, READER_DEFAULT);
	readers_free(&l);
}

static void
test_setuidgid_family(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_script("smtp", "#!/bin/sh\nexec setuidgid vpopmail "
	    "tcpserver 0 2525 qmail-smtpd\n", &l);
	r = server(&l);
	assert_ids(r, "vpopmail", 20010, "vchkpw", 20010);
	assert_false(r->init_groups);
	assert_int_equal(readers_can_read(r, 0, 20030, 0640, &err), 0);
	readers_free(&l);

	/* s6-setuidgid takes the groups of the group database */
	scan_script("smtp", "#!/bin/sh\nexec s6-setuidgid vpopmail "
	    "tcpserver 0 2525 qmail-smtpd\n", &l);
	r = server(&l);
	assert_true(r->init_groups);
	assert_int_equal(readers_can_read(r, 0, 20030, 0640, &err), 1);
	readers_free(&l);

	/* chpst -u with several groups */
	scan_script("smtp", "#!/bin/sh\nexec chpst -u vpopmail:vchkpw:nofiles "
	    "tcpserver 0 2525 qmail-smtpd\n", &l);
	r = server(&l);
	assert_ids(r, "vpopmail", 20010, "vchkpw", 20010);
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 1);
	readers_free(&l);

	/* chpst -U and tcpserver -U */
	scan_script("smtp", "#!/bin/sh\nexec chpst -U qmaild tcpserver -U "
	    "0 smtp qmail-smtpd\n", &l);
	assert_ids(server(&l), "qmaild", 20001, "nofiles", 20001);
	readers_free(&l);

	/* -U without envuidgid */
	scan_script("smtp", "#!/bin/sh\nexec tcpserver -U 0 smtp "
	    "qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "envuidgid");
	readers_free(&l);

	/* setuidgid with a user that does not exist */
	scan_script("smtp", "#!/bin/sh\nexec setuidgid nosuch tcpserver 0 "
	    "smtp qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "nosuch");
	readers_free(&l);
}

static void
test_tcpserver_ids(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	/* -u 0 -g 0: tcpserver keeps root */
	scan_script("smtp", "#!/bin/sh\nexec tcpserver -u 0 -g 0 0 smtp "
	    "qmail-smtpd\n", &l);
	assert_ids(server(&l), "root", 0, "root", 0);
	readers_free(&l);

	/* no -g: the group stays root's */
	scan_script("smtp", "#!/bin/sh\nexec tcpserver -u 20010 0 smtp "
	    "qmail-smtpd\n", &l);
	r = server(&l);
	assert_ids(r, "vpopmail", 20010, "root", 0);
	assert_int_equal(readers_can_read(r, 0, 20001, 0640, &err), 0);
	readers_free(&l);

	/* tcpserver takes numbers */
	scan_script("smtp", "#!/bin/sh\nexec tcpserver -u qmaild -g 20001 0 "
	    "smtp qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "takes a number");
	readers_free(&l);

	/* joined option letters and arguments, absolute paths, --, ${:-} */
	scan_script("smtp", "#!/bin/sh\nexec /usr/local/bin/tcpserver "
	    "-vRHl0 -u${QUID:-20001} -g20001 -- 0 smtp "
	    "/var/qmail/bin/qmail-smtpd\n", &l);
	assert_ids(server(&l), "qmaild", 20001, "nofiles", 20001);
	readers_free(&l);

	/* options hidden in an unquoted variable */
	scan_script("smtp", "#!/bin/sh\nexec tcpserver $TCPOPTS 0 smtp "
	    "qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "options");
	readers_free(&l);

	/* but an unquoted address is fine */
	scan_script("smtp", "#!/bin/sh\nIP=`head -1 /etc/ip`\nexec tcpserver "
	    "-u 20001 -g 20001 $IP 25 qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_SCRIPT);
	readers_free(&l);
}

static void
test_sslserver_certfile(void **state)
{
	char tree[TREE_MAX], path[PATH_MAX];
	struct reader_list l;
	const struct reader *r;
	static const char cert[] = "/etc/ssl/smtp.pem\nsecond line ignored\n";

	(void)state;
	new_tree(tree, sizeof(tree));
	add_service(tree, "qmail-smtps", "#!/bin/sh\nexec envdir ./env "
	    "envuidgid vpopmail sslserver -U 0 465 qmail-smtpd\n");
	snprintf(path, sizeof(path), "%s/qmail-smtps/env", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/qmail-smtps/env/CERTFILE", tree);
	write_file(path, cert, strlen(cert), 0644);
	scan1(tree, &l);
	r = server(&l);
	assert_ids(r, "vpopmail", 20010, "vchkpw", 20010);
	assert_string_equal(r->program, "qmail-smtpd");
	assert_contains(r->note, "CERTFILE=/etc/ssl/smtp.pem, not "
	    "servercert.pem");
	readers_free(&l);

	scan_script("smtps", "#!/bin/sh\nexec sslserver -u 20010 -g 20010 0 "
	    "465 qmail-smtpd\n", &l);
	r = server(&l);
	assert_string_equal(r->program, "sslserver");
	assert_contains(r->note, "does not set CERTFILE");
	readers_free(&l);
}

static void
test_opaque_and_unknown_wrappers(void **state)
{
	struct reader_list l;
	const struct reader *r;

	(void)state;
	scan_script("smtp", "#!/bin/sh\nexec sudo -u vpopmail tcpserver 0 "
	    "smtp qmail-smtpd\n", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_UNKNOWN);
	assert_contains(r->note, "sudo");
	readers_free(&l);

	scan_script("smtp", "#!/bin/sh\nexec /opt/bin/my-wrapper --flag "
	    "tcpserver -u 20001 -g 20001 0 smtp spamdyke -f /etc/s.conf "
	    "qmail-smtpd\n", &l);
	r = server(&l);
	assert_int_equal(r->source, READER_SCRIPT);
	assert_ids(r, "qmaild", 20001, "nofiles", 20001);
	assert_contains(r->note, "my-wrapper");
	readers_free(&l);

	/* an SMTP service that starts something else entirely */
	scan_script("smtp-proxy", "#!/bin/sh\nexec tcpserver 0 25 "
	    "/usr/sbin/other-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "does not visibly start");
	readers_free(&l);
}

static void
test_conditional(void **state)
{
	struct reader_list l;

	(void)state;
	scan_script("smtp", "#!/bin/sh\n"
	    "if [ -f /etc/vpop ]; then U=20010; else U=20001; fi\n"
	    "exec tcpserver -u $U -g 20001 0 smtp qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "under a condition");
	readers_free(&l);

	/* two ways to start it: both are readers */
	scan_script("smtp", "#!/bin/sh\n"
	    "if [ -f /etc/vpop ]; then\n"
	    "\texec tcpserver -u 20010 -g 20010 0 smtp qmail-smtpd\n"
	    "else\n"
	    "\texec tcpserver -u 20001 -g 20001 0 smtp qmail-smtpd\n"
	    "fi\n", &l);
	assert_int_equal(count_for(&l, SERVERCERT), 2);
	assert_int_equal(nth_for(&l, SERVERCERT, 0)->uid, 20010);
	assert_int_equal(nth_for(&l, SERVERCERT, 1)->uid, 20001);
	assert_int_equal(nth_for(&l, SERVERCERT, 1)->line, 5);
	readers_free(&l);
}

static void
test_script_kinds(void **state)
{
	char tree[TREE_MAX], path[PATH_MAX], *big;
	struct reader_list l;
	size_t i;

	(void)state;
	/* execline: one command over several lines */
	scan_script("smtp", "#!/command/execlineb -P\n"
	    "# comment\n"
	    "fdmove -c 2 1\n"
	    "s6-setuidgid qmaild\n"
	    "tcpserver 0 25 qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_SCRIPT);
	assert_ids(server(&l), "qmaild", 20001, "nofiles", 20001);
	readers_free(&l);

	scan_script("smtp", "#!/usr/bin/perl\nexec 'tcpserver';\n", &l);
	assert_int_equal(server(&l)->source, READER_UNKNOWN);
	assert_contains(server(&l)->note, "perl");
	readers_free(&l);

	scan_script("smtp", "#!/usr/bin/env bash\nexec tcpserver -u 20001 -g "
	    "20001 0 smtp qmail-smtpd\n", &l);
	assert_int_equal(server(&l)->source, READER_SCRIPT);
	readers_free(&l);

	/* a binary, a FIFO, a directory, a long script */
	new_tree(tree, sizeof(tree));
	snprintf(path, sizeof(path), "%s/smtp-bin", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/smtp-bin/run", tree);
	write_file(path, "\177ELF\0\0\0", 7, 0755);
	snprintf(path, sizeof(path), "%s/smtp-fifo", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/smtp-fifo/run", tree);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/smtp-dir", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/smtp-dir/run", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	big = malloc(RUNSCRIPT_MAX + 100);
	assert_non_null(big);
	for (i = 0; i < RUNSCRIPT_MAX + 99; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	big[RUNSCRIPT_MAX + 99] = '\0';
	snprintf(path, sizeof(path), "%s/smtp-long", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/smtp-long/run", tree);
	write_file(path, big, strlen(big), 0755);
	free(big);
	scan1(tree, &l);
	assert_int_equal(count_for(&l, SERVERCERT), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(nth_for(&l, SERVERCERT, i)->source,
		    READER_UNKNOWN);
	assert_contains(nth_for(&l, SERVERCERT, 0)->note,
	    "not a text script");
	assert_contains(nth_for(&l, SERVERCERT, 1)->note,
	    "not a regular file");
	assert_contains(nth_for(&l, SERVERCERT, 2)->note,
	    "not a regular file");
	assert_contains(nth_for(&l, SERVERCERT, 3)->note,
	    "longer than 64 KiB");
	readers_free(&l);
}

static void
test_same_script_twice(void **state)
{
	char tree[TREE_MAX], link[TREE_MAX], target[PATH_MAX];
	const char *dirs[2];
	struct reader_list l;

	(void)state;
	new_tree(tree, sizeof(tree));
	add_service(tree, "qmail-smtpd", "#!/bin/sh\nexec tcpserver -u 20001 "
	    "-g 20001 0 smtp qmail-smtpd\n");
	new_tree(link, sizeof(link));
	snprintf(target, sizeof(target), "%s/qmail-smtpd", tree);
	strncat(link, "/qmail-smtpd", sizeof(link) - strlen(link) - 1);
	assert_int_equal(symlink(target, link), 0);
	*strrchr(link, '/') = '\0';
	dirs[0] = tree;
	dirs[1] = link;
	assert_int_equal(readers_scan(dirs, 2, &l, &err), 0);
	assert_int_equal(count_for(&l, SERVERCERT), 1);
	readers_free(&l);
}

/* --- qmail-pem readers ------------------------------------------------ */

/* Run qmail-pem readers with args; its stdout in out. */
static int
run_cmd(char *out, size_t size, int nargs, ...)
{
	char *argv[16];
	char path[PATH_MAX];
	va_list ap;
	pid_t pid;
	int i, fd, rc, status;
	ssize_t n;

	argv[0] = "readers";
	va_start(ap, nargs);
	for (i = 0; i < nargs && i < 14; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	argv[i + 1] = NULL;
	snprintf(path, sizeof(path), "%s/stdout", tmproot);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	/* In a child: qmail-pem readers gives up capabilities (privs_limit), which
	 * the tests after it still need to make their trees. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) == -1)
			_exit(125);
		rc = opts_main(&readers_line, i + 1, argv);
		fflush(stdout);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	rc = WEXITSTATUS(status);
	n = pread(fd, out, size - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
	return rc;
}

static void
make_control(char *ctl, size_t size, gid_t server_gid)
{
	char path[PATH_MAX];

	snprintf(ctl, size, "%s/control%d", tmproot, ++ntree);
	assert_int_equal(mkdir(ctl, 0755), 0);
	snprintf(path, sizeof(path), "%s/servercert.pem", ctl);
	write_file(path, "x", 1, 0640);
	assert_int_equal(chown(path, 0, server_gid), 0);
	assert_int_equal(chmod(path, 0640), 0);
	snprintf(path, sizeof(path), "%s/clientcert.pem", ctl);
	write_file(path, "x", 1, 0640);
	assert_int_equal(chown(path, 0, 20002), 0);
	assert_int_equal(chmod(path, 0640), 0);
}

static void
test_cmd_readers(void **state)
{
	static char out[65536];
	char ctl[TREE_MAX], sdir[PATH_MAX], path[PATH_MAX];
	json_t *root, *readers, *r0;
	json_error_t jerr;

	(void)state;
	if (geteuid() != 0)
		skip();
	make_control(ctl, sizeof(ctl), 20001);

	snprintf(sdir, sizeof(sdir), "%s/lwq", fixtures);
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d", ctl,
	    "--service-dir", sdir), 0);
	assert_contains(out, "servercert.pem: read by qmail-smtpd as "
	    "qmaild:nofiles (uid 20001, gid 20001) from ");
	assert_contains(out, "can read it today (root:nofiles 0640)");
	assert_contains(out, "clientcert.pem: read by qmail-remote as "
	    "qmailr:qmail");

	snprintf(sdir, sizeof(sdir), "%s/qmailrocks", fixtures);
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d", ctl,
	    "--service-dir", sdir), 1);
	assert_contains(out, "vpopmail:vchkpw (uid 20010, gid 20010)");
	assert_contains(out, "cannot read it today (root:nofiles 0640)");
	assert_contains(out, "--server-group vchkpw");

	assert_int_equal(run_cmd(out, sizeof(out), 6, "-d", ctl,
	    "--service-dir", sdir, "--format", "json"), 1);
	root = json_loads(out, 0, &jerr);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "status")),
	    1);
	readers = json_object_get(root, "readers");
	assert_int_equal(json_array_size(readers), 2);
	r0 = json_array_get(readers, 0);
	assert_string_equal(json_string_value(json_object_get(r0, "user")),
	    "vpopmail");
	assert_string_equal(json_string_value(json_object_get(r0, "source")),
	    "script");
	assert_true(json_is_false(json_object_get(r0, "can_read")));
	assert_string_equal(json_string_value(json_object_get(r0,
	    "file_perms")), "root:nofiles 0640");
	json_decref(root);

	snprintf(sdir, sizeof(sdir), "%s/unparseable", fixtures);
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d", ctl,
	    "--service-dir", sdir), 2);
	assert_contains(out, "cannot tell");
	assert_contains(out, "note: line 6");

	/* a symlink is reported, not followed */
	snprintf(path, sizeof(path), "%s/clientcert.pem", ctl);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("servercert.pem", path), 0);
	snprintf(sdir, sizeof(sdir), "%s/lwq", fixtures);
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d", ctl,
	    "--service-dir", sdir), 2);
	assert_contains(out, "clientcert.pem is a symlink to servercert.pem");

	/* files that do not exist yet do not count */
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/servercert.pem", ctl);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d", ctl,
	    "--service-dir", sdir), 0);
	assert_contains(out, "servercert.pem does not exist");

	/* the control directory must let the reader in */
	make_control(ctl, sizeof(ctl), 20001);
	assert_int_equal(chmod(ctl, 0750), 0);
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d", ctl,
	    "--service-dir", sdir), 1);
	assert_contains(out, "it cannot enter");
}

static void
test_cmd_readers_usage(void **state)
{
	static char out[4096];

	(void)state;
	assert_int_equal(run_cmd(out, sizeof(out), 1, "--bogus"), 64);
	assert_int_equal(run_cmd(out, sizeof(out), 2, "--format", "xml"), 64);
	assert_int_equal(run_cmd(out, sizeof(out), 1, "extra"), 64);
	assert_int_equal(run_cmd(out, sizeof(out), 1, "-h"), 0);
	assert_contains(out, "usage: qmail-pem readers");
	assert_int_equal(run_cmd(out, sizeof(out), 4, "-d",
	    "/nonexistent/control", "--service-dir", "/nonexistent"), 66);
	err_clear(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runscript_words),
		cmocka_unit_test(test_program_word),
		cmocka_unit_test(test_runscript_builtins),
		cmocka_unit_test(test_runscript_env),
		cmocka_unit_test(test_runscript_control),
		cmocka_unit_test(test_runscript_hostile),
		cmocka_unit_test(test_can_access),
		cmocka_unit_test(test_fixture_lwq),
		cmocka_unit_test(test_fixture_qmailrocks),
		cmocka_unit_test(test_fixture_jms1),
		cmocka_unit_test(test_fixture_runit),
		cmocka_unit_test(test_fixture_unparseable),
		cmocka_unit_test(test_fixture_nosmtpd),
		cmocka_unit_test(test_missing_dirs),
		cmocka_unit_test(test_computed_user),
		cmocka_unit_test(test_exec_variable),
		cmocka_unit_test(test_setuidgid_family),
		cmocka_unit_test(test_tcpserver_ids),
		cmocka_unit_test(test_sslserver_certfile),
		cmocka_unit_test(test_opaque_and_unknown_wrappers),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_script_kinds),
		cmocka_unit_test(test_same_script_twice),
		cmocka_unit_test(test_cmd_readers),
		cmocka_unit_test(test_cmd_readers_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
