/*
 * unit_readgroups.c: readgroups_matter() says 0 only where no group but
 * the reader's own can change the kernel's answer to an open for reading,
 * and the read test of a reader whose groups come from the group
 * database gets the kernel's answer with or without looking them up.
 *
 * Run as root (CTest does in CI): the files get owners and groups.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/magic.h>

#include "base/err.h"
#include "base/userdb.h"
#include "check/readgroups.h"
#include "check/readtest.h"
#include "perms.h"

#define READER_UID	4331
#define READER_GID	4332	/* its primary group */
#define MEMBER_GID	4333	/* a group the database puts it in */
#define OTHER_GID	4334

static char tmp[] = "/tmp/unit_readgroups.XXXXXX";
static struct perms_dir dir;
static int lookups;		/* user_groups calls of the table */
/* 0 where / and tmp are on the file systems readgroups.c knows to use
 * the kernel's own permission check; else every answer is 1 */
static int local;

static int
table_user_groups(const char *user, gid_t primary, gid_t *groups, int *n)
{
	(void)user;
	lookups++;
	if (*n < 2) {
		*n = 2;
		return -1;
	}
	groups[0] = primary;
	groups[1] = MEMBER_GID;
	*n = 2;
	return 0;
}

static const struct userdb table = { .user_groups = table_user_groups };

static char *
at(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return path;
}

static void
put(const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd != -1);
	assert_int_equal(write(fd, "not a certificate\n", 18), 18);
	assert_int_equal(fchown(fd, uid, gid), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
is_local(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) == -1)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC: case XFS_SUPER_MAGIC: case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC: case RAMFS_MAGIC: case OVERLAYFS_SUPER_MAGIC:
	case F2FS_SUPER_MAGIC:
		return 1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct err err = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "unit_readgroups: run as root\n");
		return -1;
	}
	if (mkdtemp(tmp) == NULL || chmod(tmp, 0755) == -1)
		return -1;
	local = is_local("/") && is_local("/tmp") && is_local(tmp);
	userdb_set(&table);
	return perms_open_dir(tmp, &dir, &err);
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	perms_close_dir(&dir);
	userdb_set(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* What the kernel decides alone: 0 where the test's file systems allow. */
#define NOT_ASKED	(local ? 0 : 1)

static void
test_own_or_same_bits(void **state)
{
	(void)state;
	put("primary", 0, READER_GID, 0640);	/* its own group */
	put("same", 0, OTHER_GID, 0644);	/* group bits = other bits */
	put("owned", READER_UID, OTHER_GID, 0600);	/* owner's bits */
	assert_int_equal(readgroups_matter(at("primary"), READER_UID,
	    READER_GID), NOT_ASKED);
	assert_int_equal(readgroups_matter(at("same"), READER_UID,
	    READER_GID), NOT_ASKED);
	assert_int_equal(readgroups_matter(at("owned"), READER_UID,
	    READER_GID), NOT_ASKED);
}

static void
test_another_group_decides(void **state)
{
	(void)state;
	put("grants", 0, OTHER_GID, 0640);	/* a member may read */
	put("denies", 0, OTHER_GID, 0604);	/* a member may not */
	assert_int_equal(readgroups_matter(at("grants"), READER_UID,
	    READER_GID), 1);
	assert_int_equal(readgroups_matter(at("denies"), READER_UID,
	    READER_GID), 1);
	/* a folder on the way whose group decides the search */
	assert_int_equal(mkdir(at("sub"), 0750), 0);
	assert_int_equal(chown(at("sub"), 0, OTHER_GID), 0);
	put("sub/file", 0, READER_GID, 0640);
	assert_int_equal(readgroups_matter(at("sub/file"), READER_UID,
	    READER_GID), 1);
}

static void
test_acl_decides(void **state)
{
	acl_t acl;

	(void)state;
	put("acl", 0, READER_GID, 0640);
	assert_non_null(acl = acl_from_text("u::rw-,g::r--,g:4334:r--,"
	    "m::r--,o::---"));
	if (acl_set_file(at("acl"), ACL_TYPE_ACCESS, acl) == -1) {
		acl_free(acl);
		assert_true(errno == ENOTSUP || errno == EOPNOTSUPP);
		return;		/* no ACLs here: nothing they could decide */
	}
	acl_free(acl);
	assert_int_equal(readgroups_matter(at("acl"), READER_UID, READER_GID),
	    1);
}

static void
test_what_stat_cannot_tell(void **state)
{
	char path[300];

	(void)state;
	put("plain", 0, READER_GID, 0640);
	assert_int_equal(symlink(tmp, at("link")), 0);
	assert_int_equal(readgroups_matter(at("link/plain"), READER_UID,
	    READER_GID), 1);
	snprintf(path, sizeof(path), "%s/./plain", tmp);
	assert_int_equal(readgroups_matter(path, READER_UID, READER_GID), 1);
	snprintf(path, sizeof(path), "%s//plain", tmp);
	assert_int_equal(readgroups_matter(path, READER_UID, READER_GID), 1);
	assert_int_equal(readgroups_matter("plain", READER_UID, READER_GID),
	    1);
	assert_int_equal(readgroups_matter(at("missing"), READER_UID,
	    READER_GID), 1);
	/* the uid stat shows for an owner it cannot map: not the reader's */
	put("unmapped", 65534, OTHER_GID, 0640);
	assert_int_equal(readgroups_matter(at("unmapped"), 65534, READER_GID),
	    1);
}

/* The read test of name as the database's member reader. */
static enum readtest_status
run(const char *name)
{
	struct readtest_reader rd;
	struct readtest_result res;
	struct err err = { 0 };

	readtest_reader_from_ids("member", READER_UID, READER_GID, &rd);
	userdb_set(&table);	/* forgets the groups found before */
	lookups = 0;
	assert_int_equal(readtest_run(&dir, name, &rd, &res, &err), 0);
	return res.status;
}

static void
test_read_test_gets_the_kernels_answer(void **state)
{
	(void)state;
	put("rt-member", 0, MEMBER_GID, 0640);
	put("rt-barred", 0, MEMBER_GID, 0604);
	put("rt-primary", 0, READER_GID, 0640);
	/* opened and read, then refused: not a certificate */
	assert_int_equal(run("rt-member"), READTEST_CHAIN_FAILS);
	assert_int_equal(lookups, 1);
	/* other may read, but a member of the file's group may not */
	assert_int_equal(run("rt-barred"), READTEST_CANNOT_OPEN);
	assert_int_equal(lookups, 1);
	/* its own group: the database is not asked where it cannot matter */
	assert_int_equal(run("rt-primary"), READTEST_CHAIN_FAILS);
	assert_int_equal(lookups, local ? 0 : 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_or_same_bits),
		cmocka_unit_test(test_another_group_decides),
		cmocka_unit_test(test_acl_decides),
		cmocka_unit_test(test_what_stat_cannot_tell),
		cmocka_unit_test(test_read_test_gets_the_kernels_answer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
