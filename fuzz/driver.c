/*
 * driver.c: replay inputs through a fuzz target without libFuzzer.
 *
 *	fuzz_replay_<name> FILE-OR-DIR...
 *
 * Runs LLVMFuzzerTestOneInput() once on every file named and every file in
 * every directory named (not recursively, hidden files skipped), so that
 * the seed corpus and fuzz/regressions/ run as a CTest test in every build,
 * including the sanitizer one.  A crash is the failure; exits 66 when an
 * input cannot be read.
 */
#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_MAX	(1024 * 1024)

static void
run_file(int dfd, const char *name, const char *shown, size_t *count)
{
	struct stat st;
	unsigned char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		err(EX_NOINPUT, "%s", shown);
	if (fstat(fd, &st) == -1)
		err(EX_NOINPUT, "%s", shown);
	if (!S_ISREG(st.st_mode) || st.st_size > REPLAY_MAX)
		errx(EX_NOINPUT, "%s: not a regular file of at most %d bytes",
		    shown, REPLAY_MAX);
	/* A copy of exactly the input's size, so that ASan sees any read
	 * past its end. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		err(EX_OSERR, "malloc");
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, st.st_size - len)) > 0)
		len += n;
	close(fd);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
}

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char *argv[])
{
	struct dirent **names;
	struct stat st;
	char shown[4096];
	size_t count = 0;
	int i, j, n, dfd;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1)
			err(EX_NOINPUT, "%s", argv[i]);
		if (!S_ISDIR(st.st_mode)) {
			run_file(AT_FDCWD, argv[i], argv[i], &count);
			continue;
		}
		if ((dfd = open(argv[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			err(EX_NOINPUT, "%s", argv[i]);
		if ((n = scandir(argv[i], &names, visible, alphasort)) == -1)
			err(EX_NOINPUT, "%s", argv[i]);
		for (j = 0; j < n; j++) {
			snprintf(shown, sizeof(shown), "%s/%s", argv[i],
			    names[j]->d_name);
			run_file(dfd, names[j]->d_name, shown, &count);
			free(names[j]);
		}
		free(names);
		close(dfd);
	}
	printf("%zu inputs replayed without a crash\n", count);
	return 0;
}
