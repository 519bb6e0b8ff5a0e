/*
 * unit_readtest.c: the read test (check/readtest.c) opens a file with the
 * reader's filesystem ids, groups and no effective capability, in this
 * process, and then gives the process its own ids back.
 *
 * Run as root (CTest does in CI): the cases need ids to change.  Each
 * case checks what the reader could open, and that afterwards the
 * filesystem uid and gid, the supplementary groups and the capability
 * sets are what they were, so that the rest of verify runs as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sys/capability.h>

#include "base/err.h"
#include "check/readtest.h"
#include "perms.h"

#define READER_UID	4321
#define READER_GID	4322
#define OTHER_GID	4323

static char tmp[] = "/tmp/unit_readtest.XXXXXX";
static struct perms_dir dir;

static void
put(const char *name, mode_t mode, gid_t gid)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "not a certificate\n", 18), 18);
	assert_int_equal(fchown(fd, 0, gid), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
setup(void **state)
{
	struct err err = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "unit_readtest: run as root\n");
		return -1;
	}
	if (mkdtemp(tmp) == NULL || chmod(tmp, 0755) == -1)
		return -1;
	put("group", 0640, READER_GID);
	put("other", 0640, OTHER_GID);
	put("none", 0000, 0);
	put("owner", 0600, 0);
	return perms_open_dir(tmp, &dir, &err);
}

static int
teardown(void **state)
{
	const char *names[] = { "group", "other", "none", "owner" };
	char path[256];
	size_t i;

	(void)state;
	perms_close_dir(&dir);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
		unlink(path);
	}
	return rmdir(tmp);
}

/* The ids verify holds before and after a read test. */
struct ids {
	uid_t	fsuid;
	gid_t	fsgid;
	gid_t	groups[64];
	int	ngroups;
	char	*caps;
};

static void
ids_get(struct ids *ids)
{
	cap_t c;

	ids->fsuid = (uid_t)setfsuid((uid_t)-1);
	ids->fsgid = (gid_t)setfsgid((gid_t)-1);
	ids->ngroups = getgroups(64, ids->groups);
	assert_true(ids->ngroups >= 0);
	assert_non_null(c = cap_get_proc());
	assert_non_null(ids->caps = cap_to_text(c, NULL));
	cap_free(c);
}

static void
ids_same(struct ids *before)
{
	struct ids after;

	ids_get(&after);
	assert_int_equal(after.fsuid, before->fsuid);
	assert_int_equal(after.fsgid, before->fsgid);
	assert_int_equal(after.ngroups, before->ngroups);
	assert_memory_equal(after.groups, before->groups,
	    sizeof(gid_t) * (size_t)before->ngroups);
	assert_string_equal(after.caps, before->caps);
	cap_free(after.caps);
	cap_free(before->caps);
}

/* The read test of name as uid:gid with groups (n < 0: none given). */
static enum readtest_status
run(const char *name, uid_t uid, gid_t gid, const gid_t *groups, int n)
{
	struct readtest_reader rd;
	struct readtest_result res;
	struct err err = { 0 };
	struct ids before;

	memset(&rd, 0, sizeof(rd));
	snprintf(rd.user, sizeof(rd.user), "reader");
	rd.uid = uid;
	rd.gid = gid;
	rd.ngroups = n < 0 ? 0 : n;
	if (n > 0)
		memcpy(rd.groups, groups, sizeof(gid_t) * (size_t)n);
	ids_get(&before);
	assert_int_equal(readtest_run(&dir, name, &rd, &res, &err), 0);
	ids_same(&before);
	return res.status;
}

/* Opened and read (then refused: not a certificate) in the file's group. */
static void
test_group_reads(void **state)
{
	(void)state;
	assert_int_equal(run("group", READER_UID, READER_GID, NULL, -1),
	    READTEST_CHAIN_FAILS);
}

/* A supplementary group is enough, as for the daemon. */
static void
test_supplementary_group_reads(void **state)
{
	gid_t g[] = { READER_GID, OTHER_GID };

	(void)state;
	assert_int_equal(run("other", READER_UID, READER_GID, g, 2),
	    READTEST_CHAIN_FAILS);
}

/* Another group's file: root could read it, the reader cannot. */
static void
test_other_group_cannot(void **state)
{
	(void)state;
	assert_int_equal(run("other", READER_UID, READER_GID, NULL, -1),
	    READTEST_CANNOT_OPEN);
	assert_int_equal(run("owner", READER_UID, READER_GID, NULL, -1),
	    READTEST_CANNOT_OPEN);
}

/* A reader that is root holds no capability while it reads: mode 0000
 * keeps it out, as it keeps out a root daemon that dropped them. */
static void
test_root_without_capabilities(void **state)
{
	(void)state;
	assert_int_equal(run("none", 0, 0, NULL, -1), READTEST_CANNOT_OPEN);
	assert_int_equal(run("owner", 0, 0, NULL, -1), READTEST_CHAIN_FAILS);
}

/* Root whose group is not 0 (sudo -g, a setgid wrapper) gets its own
 * filesystem gid back, not 0. */
static void
test_own_group_back(void **state)
{
	(void)state;
	assert_int_equal(setresgid((gid_t)-1, OTHER_GID, (gid_t)-1), 0);
	assert_int_equal(run("group", READER_UID, READER_GID, NULL, -1),
	    READTEST_CHAIN_FAILS);	/* ids_same(): fsgid OTHER_GID */
	assert_int_equal((gid_t)setfsgid((gid_t)-1), OTHER_GID);
	assert_int_equal(setresgid((gid_t)-1, 0, (gid_t)-1), 0);
}

/* A name that is not there is a file the reader cannot open. */
static void
test_missing(void **state)
{
	(void)state;
	assert_int_equal(run("absent", READER_UID, READER_GID, NULL, -1),
	    READTEST_CANNOT_OPEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_reads),
		cmocka_unit_test(test_supplementary_group_reads),
		cmocka_unit_test(test_other_group_cannot),
		cmocka_unit_test(test_root_without_capabilities),
		cmocka_unit_test(test_own_group_back),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
