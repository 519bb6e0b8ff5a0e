/*
 * fuzz_me.c: qmail's control/me, whose first line is the host name of a
 * new certificate, through me_parse().
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "fuzz.h"
#include "site/me.h"
#include "x509gen.h"

/* What the last call that failed recorded (not looked at). */
static struct err err;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256];
	int r;

	fuzz_begin();
	r = me_parse((const char *)data, size, name, sizeof(name),
	    &err);
	/* A name it accepts must be one a certificate can carry. */
	if (r == 0 && (memchr(name, '\0', sizeof(name)) == NULL ||
	    !x509gen_valid_dns_name(name)))
		abort();
	fuzz_end();
	return 0;
}
