/*
 * fuzz_elfimports.c: a program's bytes, as qmail-pem reads qmail-smtpd
 * and qmail-remote to see which OpenSSL loaders they import, through
 * loaders_read_image() (libelf's elf_memory()).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "fuzz.h"
#include "site/loaders.h"

/* What the last call that failed recorded (not looked at). */
static struct err err;

/* Text for messages: terminated, and printable (names and reasons come
 * from qmail-pem's tables, never raw from the input). */
static void
check_text(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);

	if (end == NULL)
		abort();
	for (; s < end; s++)
		if (!isprint((unsigned char)*s))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loaders l;
	char *image, line[1024];

	fuzz_begin();
	/* A copy of exactly the input's size (elf_memory takes a char *):
	 * ASan sees any read past its end. */
	if ((image = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(image, data, size);
	if (loaders_read_image(image, size, &l, &err) == 0) {
		/* The verdicts and what backs them must agree. */
		int key = l.key != LOADERS_KEY_UNKNOWN;
		int cert = l.cert != LOADERS_CERT_UNKNOWN;

		if (key == (l.key_why[0] != '\0') ||
		    cert == (l.cert_why[0] != '\0') ||
		    (key && l.key_with[0] == '\0') ||
		    (cert && l.cert_with[0] == '\0') ||
		    ((key || cert) && !l.imports_read) ||
		    l.dh_params != (l.dh_with[0] != '\0') ||
		    l.tmp_rsa != (l.tmp_rsa_with[0] != '\0'))
			abort();
		check_text(l.key_with, sizeof(l.key_with));
		check_text(l.cert_with, sizeof(l.cert_with));
		check_text(l.dh_with, sizeof(l.dh_with));
		check_text(l.tmp_rsa_with, sizeof(l.tmp_rsa_with));
		check_text(l.key_why, sizeof(l.key_why));
		check_text(l.cert_why, sizeof(l.cert_why));
		loaders_describe_key(&l, "qmail-smtpd", "/x", line,
		    sizeof(line));
		loaders_describe_cert(&l, "qmail-smtpd", "/x", line,
		    sizeof(line));
	}
	free(image);
	fuzz_end();
	return 0;
}
