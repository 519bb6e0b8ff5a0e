/*
 * fuzz_runscript.c: a daemontools/runit run script, read as `qmail-pem
 * readers' and install's reader check read it: runscript_open() and
 * runscript_next() for every command, and startchain_follow() on each (without
 * a service directory, so relative envdirs stay unknown).
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "fuzz.h"
#include "runscript/runscript.h"
#include "runscript/startchain.h"

/* What the last call that failed recorded (not looked at). */
static struct err err;

static volatile unsigned sum;

static unsigned
touch(const char *s, size_t len)
{
	unsigned h = 0;

	while (len-- > 0)
		h = h * 31 + (unsigned char)*s++;
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runscript *rs = NULL;
	struct rs_command cmd;
	struct startchain l;
	size_t i;

	fuzz_begin();
	if (size > RUNSCRIPT_MAX)
		return 0;
	if (runscript_open((const char *)data, size, &rs, &err) == 0) {
		while (runscript_next(rs, &cmd, &err) == 1) {
			/* Every word and variable must be readable to its
			 * end (ASan sees a read past it). */
			for (i = 0; i < cmd.nwords; i++) {
				sum += touch(cmd.words[i].text,
				    cmd.words[i].len);
				if (cmd.words[i].known_from >
				    cmd.words[i].len)
					abort();
			}
			for (i = 0; i < cmd.nenv; i++)
				if (cmd.env[i].value != NULL)
					sum += touch(cmd.env[i].name,
					    strlen(cmd.env[i].name)) +
					    touch(cmd.env[i].value,
					    strlen(cmd.env[i].value));
			startchain_follow(&cmd, NULL, &l);
		}
	}
	runscript_free(rs);
	fuzz_end();
	return 0;
}
