/*
 * unit_loaders.c: what a program can load, read from its imports
 * (src/site/loaders.c), and where qmail's programs are
 * (src/site/programs.c).
 *
 * The programs read are real: qmail-smtpd and qmail-remote built from
 * ../shared/qmail (netqmail 1.06 + qmail-tls 20231230) by the CTest
 * fixture realqmail_build into $QP_BUILDDIR/realqmail/bin, the stand-in
 * loaders tests/standin_smtpd.c builds (anykey-, leafonly-, sni-smtpd),
 * a static program gcc builds here, and the tiny programs of
 * $QP_BUILDDIR/fuzz-seeds/elfimports/ (fuzz/make-elf-seeds.sh makes them
 * at build time and says what each imports).
 * Without ../shared/qmail the tests of the real programs are skipped and,
 * when everything else passes, the test exits 77 (skipped) saying so.
 */
/* fixtures: realqmail */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/msg.h"
#include "site/loaders.h"
#include "site/programs.h"

/* What the last call that failed recorded. */
static struct err err;

extern char **environ;

static char srcdir[PATH_MAX];	/* the source tree */
static char builddir[PATH_MAX];	/* the build tree */
static char tmproot[PATH_MAX];
static int realqmail_absent;	/* ../shared/qmail is not there */

#define REALQMAIL_TARBALL \
	"../shared/qmail/netqmail-1.06-auth-tls-forcetls.tar.gz"

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* The directory two levels above this executable (build/tests/x). */
static void
builddir_from_self(void)
{
	char self[PATH_MAX], *slash;
	ssize_t n;
	int i;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	for (i = 0; i < 2; i++)
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
	snprintf(builddir, sizeof(builddir), "%s", self);
}

static int
setup(void **state)
{
	const char *src = getenv("QP_SRCDIR"), *build = getenv("QP_BUILDDIR");
	char here[PATH_MAX], *slash, tarball[PATH_MAX * 2];

	(void)state;
	if (src != NULL && *src != '\0')
		snprintf(srcdir, sizeof(srcdir), "%s", src);
	else {
		snprintf(here, sizeof(here), "%s", __FILE__);
		if ((slash = strrchr(here, '/')) != NULL)
			*slash = '\0';
		snprintf(srcdir, sizeof(srcdir), "%s/..", here);
	}
	if (build != NULL && *build != '\0')
		snprintf(builddir, sizeof(builddir), "%s", build);
	else
		builddir_from_self();
	snprintf(tarball, sizeof(tarball), "%s/%s", srcdir, REALQMAIL_TARBALL);
	realqmail_absent = access(tarball, F_OK) == -1;
	snprintf(tmproot, sizeof(tmproot), "/tmp/qp-unit-loaders.XXXXXX");
	if (mkdtemp(tmproot) == NULL)
		return -1;
	return chmod(tmproot, 0755);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmproot, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmproot, name);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* The first len bytes of src (all of it: len (size_t)-1) into dst. */
static size_t
copy_file(const char *src, const char *dst, size_t len)
{
	static char buf[4 * 1024 * 1024];
	ssize_t n;
	int fd;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	assert_true(n > 0 && n < (ssize_t)sizeof(buf));
	close(fd);
	if ((size_t)n > len)
		n = (ssize_t)len;
	write_file(dst, buf, (size_t)n, 0755);
	return (size_t)n;
}

/* The real qmail's programs: their path, or skip the test. */
static int
realqmail(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/realqmail/bin/%s", builddir, name);
	if (realqmail_absent) {
		print_message("SKIP: %s is absent: the real qmail-smtpd and "
		    "qmail-remote are not built here\n", REALQMAIL_TARBALL);
		return -1;
	}
	if (access(buf, X_OK) == -1)
		fail_msg("%s is missing although %s is there: run ctest -R "
		    "realqmail_build (the fixture that builds it)", buf,
		    REALQMAIL_TARBALL);
	return 0;
}

static void
standin(const char *kind, char *buf, size_t size)
{
	snprintf(buf, size, "%s/tests/%s-smtpd", builddir, kind);
	if (access(buf, X_OK) == -1)
		fail_msg("%s is missing: build the tree first", buf);
}

static void
seed(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/fuzz-seeds/elfimports/%s", builddir, name);
}

static void
read_ok(const char *path, struct loaders *l)
{
	err_clear(&err);
	if (loaders_read(path, NULL, l, &err) != 0)
		fail_msg("loaders_read %s: %s", path, err.text);
}

static void
assert_known(const struct loaders *l, enum loaders_key key,
    const char *key_with, enum loaders_cert cert, const char *cert_with)
{
	assert_int_equal(l->imports_read, 1);
	assert_int_equal(l->key, key);
	assert_string_equal(l->key_with, key_with);
	assert_string_equal(l->key_why, "");
	assert_int_equal(l->cert, cert);
	assert_string_equal(l->cert_with, cert_with);
	assert_string_equal(l->cert_why, "");
}

/* Both parts unknown for a reason that says why. */
static void
assert_unknown(const struct loaders *l, const char *why)
{
	assert_int_equal(l->key, LOADERS_KEY_UNKNOWN);
	assert_int_equal(l->cert, LOADERS_CERT_UNKNOWN);
	assert_contains(l->key_why, why);
	assert_contains(l->cert_why, why);
	assert_string_equal(l->key_with, "");
	assert_string_equal(l->cert_with, "");
}

/* --- the real qmail and the stand-ins -------------------------------- */

static void
test_real_smtpd(void **state)
{
	struct loaders l;
	char path[PATH_MAX], line[1024], want[PATH_MAX + 128];

	(void)state;
	if (realqmail("qmail-smtpd", path, sizeof(path)) == -1)
		skip();
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_RSA_ONLY, "SSL_use_RSAPrivateKey_file",
	    LOADERS_CERT_CHAIN, "SSL_CTX_use_certificate_chain_file");
	/* qmail-tls 20231230 has DH parameters automatic, no temp RSA. */
	assert_int_equal(l.dh_params, 0);
	assert_int_equal(l.tmp_rsa, 0);
	snprintf(want, sizeof(want), "qmail-smtpd (%s) loads keys with "
	    "SSL_use_RSAPrivateKey_file: RSA only", path);
	assert_string_equal(loaders_describe_key(&l, "qmail-smtpd", path,
	    line, sizeof(line)), want);
	snprintf(want, sizeof(want), "qmail-smtpd (%s) loads certificates "
	    "with SSL_CTX_use_certificate_chain_file: the leaf and the "
	    "intermediates", path);
	assert_string_equal(loaders_describe_cert(&l, "qmail-smtpd", path,
	    line, sizeof(line)), want);
}

static void
test_real_remote(void **state)
{
	struct loaders l;
	char path[PATH_MAX];

	(void)state;
	if (realqmail("qmail-remote", path, sizeof(path)) == -1)
		skip();
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_RSA_ONLY,
	    "SSL_CTX_use_RSAPrivateKey_file", LOADERS_CERT_CHAIN,
	    "SSL_CTX_use_certificate_chain_file");
}

static void
test_standins(void **state)
{
	struct loaders l;
	char path[PATH_MAX], line[1024];

	(void)state;
	standin("anykey", path, sizeof(path));
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_ANY, "SSL_CTX_use_PrivateKey_file",
	    LOADERS_CERT_CHAIN, "SSL_CTX_use_certificate_chain_file");
	assert_contains(loaders_describe_key(&l, "qmail-smtpd", path, line,
	    sizeof(line)), "loads keys with SSL_CTX_use_PrivateKey_file: any "
	    "key type");

	standin("leafonly", path, sizeof(path));
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_ANY, "SSL_CTX_use_PrivateKey_file",
	    LOADERS_CERT_LEAF_ONLY, "SSL_CTX_use_certificate_file");
	assert_contains(loaders_describe_cert(&l, "qmail-smtpd", path, line,
	    sizeof(line)), "loads certificates with "
	    "SSL_CTX_use_certificate_file: the leaf only, intermediates are "
	    "never sent");

	standin("sni", path, sizeof(path));
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_ANY, "SSL_CTX_use_PrivateKey_file",
	    LOADERS_CERT_CHAIN, "SSL_CTX_use_certificate_chain_file");
}

/* A link is followed (/usr/sbin/qmail-smtpd -> ...): the target counts. */
static void
test_symlink(void **state)
{
	struct loaders l;
	char target[PATH_MAX], link[PATH_MAX];

	(void)state;
	standin("anykey", target, sizeof(target));
	tmp_path(link, sizeof(link), "linked-smtpd");
	assert_int_equal(symlink(target, link), 0);
	read_ok(link, &l);
	assert_int_equal(l.key, LOADERS_KEY_ANY);
}

/* --- the rules, on programs that import chosen functions -------------- */

static void
test_rules(void **state)
{
	struct loaders l;
	char path[PATH_MAX];

	(void)state;
	seed("rsa-chain-dh", path, sizeof(path));
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_RSA_ONLY, "SSL_use_RSAPrivateKey_file",
	    LOADERS_CERT_CHAIN, "SSL_CTX_use_certificate_chain_file");
	assert_int_equal(l.dh_params, 1);
	assert_string_equal(l.dh_with, "PEM_read_DHparams");
	assert_int_equal(l.tmp_rsa, 1);
	assert_string_equal(l.tmp_rsa_with, "PEM_read_bio_RSAPrivateKey");

	seed("any-leaf", path, sizeof(path));
	read_ok(path, &l);
	assert_known(&l, LOADERS_KEY_ANY, "SSL_CTX_use_PrivateKey_file",
	    LOADERS_CERT_LEAF_ONLY, "SSL_CTX_use_certificate_file");
	assert_int_equal(l.dh_params, 0);
	assert_int_equal(l.tmp_rsa, 0);

	/* An RSA-only loader beside one for any key: not RSA only. */
	seed("rsa-and-any", path, sizeof(path));
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	assert_contains(l.key_why, "an RSA-only key loader "
	    "(SSL_CTX_use_RSAPrivateKey_file) and another one "
	    "(SSL_use_PrivateKey_file)");
	assert_string_equal(l.key_with, "SSL_CTX_use_RSAPrivateKey_file, "
	    "SSL_use_PrivateKey_file");
	assert_int_equal(l.cert, LOADERS_CERT_CHAIN);

	/* A key object read with a reader for any type: any; a leaf loader
	 * beside its own certificate reading: unknown. */
	seed("object-reader", path, sizeof(path));
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_ANY);
	assert_string_equal(l.key_with, "SSL_CTX_use_PrivateKey, "
	    "PEM_read_bio_PrivateKey");
	assert_int_equal(l.cert, LOADERS_CERT_UNKNOWN);
	assert_contains(l.cert_why, "also handles certificates itself "
	    "(PEM_read_bio_X509)");

	seed("object-only", path, sizeof(path));
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	assert_contains(l.key_why, "installs a key it decodes itself "
	    "(SSL_use_PrivateKey)");
	assert_int_equal(l.cert, LOADERS_CERT_UNKNOWN);
	assert_contains(l.cert_why, "handles certificates itself "
	    "(SSL_use_certificate)");

	seed("no-loader", path, sizeof(path));
	read_ok(path, &l);
	assert_int_equal(l.imports_read, 1);
	assert_unknown(&l, "imports no ");
	assert_contains(l.key_why, "no private-key loader from libssl");

	seed("no-libssl", path, sizeof(path));
	read_ok(path, &l);
	assert_unknown(&l, "does not link libssl");

	/* A function it defines is not an import. */
	seed("defines-key-loader", path, sizeof(path));
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	assert_contains(l.key_why, "no private-key loader");
	assert_int_equal(l.cert, LOADERS_CERT_CHAIN);
}

/* --- what is not a program whose imports can be read ----------------- */

static void
test_script(void **state)
{
	struct loaders l;
	char path[PATH_MAX], line[1024];
	static const char script[] =
	    "#!/bin/sh\nexec /var/qmail/bin/qmail-smtpd.real \"$@\"\n";

	(void)state;
	tmp_path(path, sizeof(path), "qmail-smtpd-wrapper");
	write_file(path, script, sizeof(script) - 1, 0755);
	read_ok(path, &l);
	assert_unknown(&l, "a script (#!/bin/sh), not a program");
	assert_int_equal(l.imports_read, 0);
	assert_contains(loaders_describe_key(&l, "qmail-smtpd", path, line,
	    sizeof(line)), "): the key types it loads are unknown: a script "
	    "(#!/bin/sh)");
	assert_contains(loaders_describe_cert(&l, "qmail-smtpd", path, line,
	    sizeof(line)), "): which certificates it sends is unknown: a "
	    "script");
	/* A control character in the interpreter does not reach a message. */
	write_file(path, "#!/bin/\033[31msh\n", 15, 0755);
	read_ok(path, &l);
	assert_contains(l.key_why, "(#!/bin/?[31msh)");
}

/* Run gcc -static; 0 when it built out. */
static int
gcc_static(const char *src, const char *out)
{
	char *argv[] = { "gcc", "-static", "-o", (char *)out, (char *)src,
	    NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "gcc", &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static void
test_static(void **state)
{
	struct loaders l;
	char src[PATH_MAX], prog[PATH_MAX], anykey[PATH_MAX];
	static const char text[] = "int main(void) { return 0; }\n";

	(void)state;
	tmp_path(src, sizeof(src), "static.c");
	tmp_path(prog, sizeof(prog), "static-prog");
	write_file(src, text, sizeof(text) - 1, 0644);
	if (gcc_static(src, prog) == 0) {
		read_ok(prog, &l);
		assert_unknown(&l, "statically linked");
	} else {
		print_message("gcc -static cannot build here (no libc.a?): a "
		    "truncated program instead\n");
		standin("anykey", anykey, sizeof(anykey));
		copy_file(anykey, prog, 4096);
		read_ok(prog, &l);
		assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	}
	/* A static program with nothing at all in it (no libc either). */
	seed("static", prog, sizeof(prog));
	read_ok(prog, &l);
	assert_unknown(&l, "statically linked (no dynamic symbols)");
}

static void
test_not_programs(void **state)
{
	struct loaders l;
	char path[PATH_MAX];

	(void)state;
	tmp_path(path, sizeof(path), "text");
	write_file(path, "qmail-smtpd\n", 12, 0755);
	read_ok(path, &l);
	assert_unknown(&l, "not an ELF program");

	tmp_path(path, sizeof(path), "empty");
	write_file(path, "", 0, 0755);
	read_ok(path, &l);
	assert_unknown(&l, "an empty file");

	tmp_path(path, sizeof(path), "missing");
	read_ok(path, &l);
	assert_unknown(&l, "cannot open it: No such file or directory");

	read_ok(tmproot, &l);
	assert_unknown(&l, "a directory, not a program");

	read_ok("/dev/null", &l);
	assert_unknown(&l, "not a regular file");

	/* A FIFO with no writer: refused without blocking on the open. */
	tmp_path(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0644), 0);
	read_ok(path, &l);
	assert_unknown(&l, "not a regular file");

	/* An object file and an ar archive are ELF, but not programs. */
	seed("object", path, sizeof(path));
	read_ok(path, &l);
	assert_unknown(&l, "an ELF object file, not a linked program");
	seed("archive", path, sizeof(path));
	read_ok(path, &l);
	assert_unknown(&l, "an ar archive (a static library)");
}

/* Cut anywhere, a program gives unknown, never a crash: its section
 * headers are at its end. */
static void
test_truncated(void **state)
{
	static const size_t cuts[] = { 1, 4, 16, 63, 64, 65, 200, 1000, 4096 };
	struct loaders l;
	char src[PATH_MAX], path[PATH_MAX];
	size_t i, size;

	(void)state;
	standin("anykey", src, sizeof(src));
	tmp_path(path, sizeof(path), "truncated");
	size = copy_file(src, path, (size_t)-1);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		copy_file(src, path, cuts[i]);
		read_ok(path, &l);
		assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
		assert_int_equal(l.cert, LOADERS_CERT_UNKNOWN);
	}
	copy_file(src, path, size / 2);
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	copy_file(src, path, size - 1);
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);

	seed("truncated-header", path, sizeof(path));
	read_ok(path, &l);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	seed("truncated-end", path, sizeof(path));
	read_ok(path, &l);
	assert_unknown(&l, "without section headers");
}

/* --- the per-run cache ------------------------------------------------ */

static void
test_cache(void **state)
{
	struct loaders_cache cache;
	struct loaders l, first;
	struct timespec times[2];
	char src[PATH_MAX], copy[PATH_MAX], link[PATH_MAX];
	char names[LOADERS_CACHE_SIZE + 2][PATH_MAX];
	size_t i;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	standin("leafonly", src, sizeof(src));
	assert_int_equal(loaders_read(src, &cache, &first, &err), 0);
	assert_int_equal(cache.reads, 1);
	assert_int_equal(loaders_read(src, &cache, &l, &err), 0);
	assert_int_equal(cache.reads, 1);
	assert_memory_equal(&l, &first, sizeof(l));
	/* The same file through a link: read once. */
	tmp_path(link, sizeof(link), "cache-link");
	assert_int_equal(symlink(src, link), 0);
	assert_int_equal(loaders_read(link, &cache, &l, &err), 0);
	assert_int_equal(cache.reads, 1);
	assert_int_equal(l.cert, LOADERS_CERT_LEAF_ONLY);

	/* Another file with the same bytes is another entry; rewritten in
	 * place (a new mtime) it is read again. */
	tmp_path(copy, sizeof(copy), "cache-copy");
	copy_file(src, copy, (size_t)-1);
	assert_int_equal(loaders_read(copy, &cache, &l, &err), 0);
	assert_int_equal(cache.reads, 2);
	times[0].tv_sec = times[1].tv_sec = 1000000000;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, copy, times, 0), 0);
	assert_int_equal(loaders_read(copy, &cache, &l, &err), 0);
	assert_int_equal(cache.reads, 3);
	assert_int_equal(loaders_read(copy, &cache, &l, &err), 0);
	assert_int_equal(cache.reads, 3);

	/* Full: the oldest entry makes room, and the results stay right. */
	for (i = 0; i < LOADERS_CACHE_SIZE + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/cache-%zu", tmproot,
		    i);
		copy_file(src, names[i], (size_t)-1);
		assert_int_equal(loaders_read(names[i], &cache, &l, &err), 0);
		assert_int_equal(l.cert, LOADERS_CERT_LEAF_ONLY);
	}
	assert_int_equal(cache.reads, 3 + LOADERS_CACHE_SIZE + 2);
	assert_int_equal(cache.n, LOADERS_CACHE_SIZE);
	assert_int_equal(loaders_read(names[LOADERS_CACHE_SIZE + 1], &cache,
	    &l, &err), 0);
	assert_int_equal(cache.reads, 3 + LOADERS_CACHE_SIZE + 2);

	/* What could not be opened is not remembered. */
	tmp_path(copy, sizeof(copy), "cache-missing");
	assert_int_equal(loaders_read(copy, &cache, &l, &err), 0);
	assert_int_equal(l.key, LOADERS_KEY_UNKNOWN);
	copy_file(src, copy, (size_t)-1);
	assert_int_equal(loaders_read(copy, &cache, &l, &err), 0);
	assert_int_equal(l.key, LOADERS_KEY_ANY);
}

/* --- where the programs are ------------------------------------------ */

static void
assert_home(const char *control, const char *home, const char *smtpd,
    const char *remote)
{
	struct qmail_programs p;

	err_clear(&err);
	if (programs_defaults(control, &p, &err) != 0)
		fail_msg("programs_defaults %s: %s", control, err.text);
	assert_string_equal(p.home, home);
	assert_string_equal(p.smtpd, smtpd);
	assert_string_equal(p.remote, remote);
}

static void
test_defaults(void **state)
{
	struct qmail_programs p;

	(void)state;
	assert_home("/var/qmail/control", "/var/qmail",
	    "/var/qmail/bin/qmail-smtpd", "/var/qmail/bin/qmail-remote");
	assert_home("/var/qmail/control/", "/var/qmail",
	    "/var/qmail/bin/qmail-smtpd", "/var/qmail/bin/qmail-remote");
	assert_home("/var/qmail//control//", "/var/qmail",
	    "/var/qmail/bin/qmail-smtpd", "/var/qmail/bin/qmail-remote");
	assert_home("/control", "/", "/bin/qmail-smtpd", "/bin/qmail-remote");
	assert_home("control", ".", "./bin/qmail-smtpd",
	    "./bin/qmail-remote");
	assert_home("q/control", "q", "q/bin/qmail-smtpd",
	    "q/bin/qmail-remote");

	assert_int_equal(programs_defaults("/var/qmail/control/.", &p, &err),
	    -1);
	assert_contains(err.text, "cannot tell qmail's home");
	assert_int_equal(programs_defaults("/var/qmail/control/..", &p, &err),
	    -1);
	assert_int_equal(programs_defaults("..", &p, &err), -1);
	assert_int_equal(programs_defaults("", &p, &err), -1);
	assert_contains(err.text, "empty");
	err_clear(&err);
}

/* dir/name, an executable (or with mode, anything) under tmproot. */
static void
make_prog(const char *dir, const char *name, mode_t mode, char *buf,
    size_t size)
{
	char d[PATH_MAX];

	tmp_path(d, sizeof(d), dir);
	if (mkdir(d, 0755) == -1)
		assert_int_equal(errno, EEXIST);
	snprintf(buf, size, "%s/%s", d, name);
	write_file(buf, "#!/bin/sh\n", 10, mode);
}

static void
assert_where(const char *word, const struct program_context *ctx,
    enum program_how how, const char *path)
{
	struct program_where w;

	programs_resolve(word, ctx, &w);
	if (w.how != how)
		fail_msg("%s: how %d, expected %d (%s)", word, (int)w.how,
		    (int)how, w.why);
	assert_string_equal(w.path, path);
	if (how != PROGRAM_UNRESOLVED)
		assert_string_equal(w.why, "");
}

static void
assert_unresolved(const char *word, const struct program_context *ctx,
    const char *why)
{
	struct program_where w;

	programs_resolve(word, ctx, &w);
	if (w.how != PROGRAM_UNRESOLVED)
		fail_msg("%s: found (how %d) at %s", word, (int)w.how, w.path);
	assert_string_equal(w.path, "");
	assert_contains(w.why, why);
}

static void
test_resolve_paths(void **state)
{
	struct program_context ctx;
	char in_b[PATH_MAX], in_c[PATH_MAX], noexec[PATH_MAX], dir[PATH_MAX];
	char path[3 * PATH_MAX], a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];

	(void)state;
	/* a/qmail-smtpd is not executable, a/qmail-remote a directory;
	 * b and c hold programs. */
	make_prog("a", "qmail-smtpd", 0644, noexec, sizeof(noexec));
	tmp_path(dir, sizeof(dir), "a/qmail-remote");
	assert_int_equal(mkdir(dir, 0755), 0);
	make_prog("b", "qmail-smtpd", 0755, in_b, sizeof(in_b));
	make_prog("b", "qmail-remote", 0755, in_b, sizeof(in_b));
	snprintf(in_b, sizeof(in_b), "%s/b/qmail-smtpd", tmproot);
	make_prog("c", "qmail-smtpd", 0755, in_c, sizeof(in_c));
	tmp_path(a, sizeof(a), "a");
	tmp_path(b, sizeof(b), "b");
	tmp_path(c, sizeof(c), "c");

	memset(&ctx, 0, sizeof(ctx));
	/* As written, whether or not it exists (the read says so). */
	assert_where("/var/qmail/bin/qmail-smtpd", &ctx, PROGRAM_AS_WRITTEN,
	    "/var/qmail/bin/qmail-smtpd");
	/* The real default PATH: daemontools' order, /bin before /usr/bin. */
	assert_where("sh", &ctx, PROGRAM_DEFAULT_PATH, "/bin/sh");
	assert_unresolved("qmail-smtpd-nowhere", &ctx,
	    "is not in the PATH a run script inherits (PATH=/command:");

	/* The PATH the script sets: the first executable regular file. */
	snprintf(path, sizeof(path), "%s:%s:%s", a, b, c);
	ctx.path = path;
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_b);
	snprintf(in_b, sizeof(in_b), "%s/b/qmail-remote", tmproot);
	assert_where("qmail-remote", &ctx, PROGRAM_SCRIPT_PATH, in_b);
	snprintf(in_b, sizeof(in_b), "%s/b/qmail-smtpd", tmproot);
	snprintf(path, sizeof(path), "%s", a);
	assert_unresolved("qmail-smtpd", &ctx,
	    "qmail-smtpd is not in the PATH the run script sets");

	/* A default PATH of the caller's (runit's), without a script PATH. */
	ctx.path = NULL;
	ctx.default_path = c;
	assert_where("qmail-smtpd", &ctx, PROGRAM_DEFAULT_PATH, in_c);

	/* PATH=b-less:$PATH: $PATH is the default. */
	snprintf(path, sizeof(path), "%s:$PATH", a);
	ctx.path = path;
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_c);
	snprintf(path, sizeof(path), "${PATH}:%s", b);
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_c);
	snprintf(path, sizeof(path), "%s:${PATH}", b);
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_b);

	/* An element not known before the name: not found; after: found. */
	snprintf(path, sizeof(path), "$QMAIL/bin:%s", b);
	assert_unresolved("qmail-smtpd", &ctx,
	    "the PATH element '$QMAIL/bin' is not known");
	snprintf(path, sizeof(path), "%s:$QMAIL/bin", b);
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_b);

}

/* Relative PATH elements and names: the service directory. */
static void
test_resolve_relative(void **state)
{
	struct program_context ctx;
	char path[2 * PATH_MAX], b[PATH_MAX], in_b[PATH_MAX], in_c[PATH_MAX];
	char svc[PATH_MAX], in_svc[PATH_MAX];

	(void)state;
	make_prog("b", "qmail-smtpd", 0755, in_b, sizeof(in_b));
	make_prog("c", "qmail-smtpd", 0755, in_c, sizeof(in_c));
	tmp_path(b, sizeof(b), "b");
	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	make_prog("svc", "qmail-smtpd", 0755, in_svc, sizeof(in_svc));
	tmp_path(svc, sizeof(svc), "svc");
	snprintf(path, sizeof(path), ":%s", b);
	assert_unresolved("qmail-smtpd", &ctx, "the PATH element '' is not "
	    "known");
	ctx.service_dir = svc;
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_svc);
	snprintf(path, sizeof(path), "../c:%s", b);
	snprintf(in_c, sizeof(in_c), "%s/../c/qmail-smtpd", svc);
	assert_where("qmail-smtpd", &ctx, PROGRAM_SCRIPT_PATH, in_c);
	snprintf(in_svc, sizeof(in_svc), "%s/./qmail-smtpd", svc);
	assert_where("./qmail-smtpd", &ctx, PROGRAM_SERVICE_DIR, in_svc);
	ctx.service_dir = NULL;
	assert_unresolved("./qmail-smtpd", &ctx, "relative to the service "
	    "directory, which is not known");

	assert_unresolved("", &ctx, "empty");
	assert_unresolved("qmail-\033smtpd", &ctx, "control characters");
	assert_unresolved("`which qmail-smtpd`", &ctx, "not known");
	assert_unresolved("/opt/$X/qmail-smtpd", &ctx, "not known");
}

static void
test_resolve_vars(void **state)
{
	static const struct program_var vars[] = {
		{ "QMAIL", "/srv/old" },
		{ "QMAIL", "/srv/qmail" },	/* the last one wins */
		{ "GONE", NULL },
		{ "SMTPD", "qmail-smtpd" },
		{ "EMPTY", "" },
		{ "BAD", "/x/\n" },
	};
	struct program_context ctx;
	struct program_where w;
	char b[PATH_MAX], in_b[PATH_MAX];

	(void)state;
	make_prog("vb", "qmail-smtpd", 0755, in_b, sizeof(in_b));
	tmp_path(b, sizeof(b), "vb");
	memset(&ctx, 0, sizeof(ctx));
	ctx.vars = vars;
	ctx.nvars = sizeof(vars) / sizeof(vars[0]);
	ctx.path = b;

	programs_resolve("$QMAIL/bin/qmail-smtpd", &ctx, &w);
	assert_int_equal(w.how, PROGRAM_AS_WRITTEN);
	assert_int_equal(w.from_var, 1);
	assert_string_equal(w.path, "/srv/qmail/bin/qmail-smtpd");
	assert_where("${QMAIL}/bin/qmail-smtpd", &ctx, PROGRAM_AS_WRITTEN,
	    "/srv/qmail/bin/qmail-smtpd");
	/* A bare name in a variable is looked up like any bare name. */
	assert_where("$SMTPD", &ctx, PROGRAM_SCRIPT_PATH, in_b);
	assert_where("$EMPTY/bin/qmail-smtpd", &ctx, PROGRAM_AS_WRITTEN,
	    "/bin/qmail-smtpd");

	assert_unresolved("$GONE/bin/qmail-smtpd", &ctx, "$GONE is unset");
	assert_unresolved("$OTHER/bin/qmail-smtpd", &ctx,
	    "$OTHER is not known (not set in the run script or its envdir)");
	assert_unresolved("$QMAILX/bin/qmail-smtpd", &ctx, "not known");
	assert_unresolved("$QMAIL-x/bin/qmail-smtpd", &ctx, "not known");
	assert_unresolved("${QMAIL:-/var/qmail}/bin/qmail-smtpd", &ctx,
	    "not known");
	assert_unresolved("${QMAIL/bin/qmail-smtpd", &ctx, "not known");
	assert_unresolved("$1", &ctx, "not known");
	assert_unresolved("$", &ctx, "not known");
	assert_unresolved("$BAD", &ctx, "control characters");
	programs_resolve("$QMAIL/bin/$X", &ctx, &w);
	assert_int_equal(w.how, PROGRAM_UNRESOLVED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_smtpd),
		cmocka_unit_test(test_real_remote),
		cmocka_unit_test(test_standins),
		cmocka_unit_test(test_symlink),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_not_programs),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_resolve_paths),
		cmocka_unit_test(test_resolve_relative),
		cmocka_unit_test(test_resolve_vars),
	};
	int failed;

	msg_set_verbosity(MSG_QUIET);
	failed = cmocka_run_group_tests(tests, setup, teardown);
	if (failed == 0 && realqmail_absent) {
		printf("SKIP: %s is absent here: qmail-smtpd and qmail-remote "
		    "of the real qmail were not read (everything else "
		    "passed)\n", REALQMAIL_TARBALL);
		return 77;
	}
	return failed;
}
