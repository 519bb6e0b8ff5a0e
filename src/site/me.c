/* me.c: reading qmail's control/me. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "base/secret.h"
#include "fs/readfile.h"
#include "site/me.h"
#include "site/policy.h"
#include "x509gen.h"

int
me_parse(const char *data, size_t len, char *name, size_t size,
    struct err *err)
{
	const char *eol = memchr(data, '\n', len);
	size_t n = eol ? (size_t)(eol - data) : len, i;
	int rc;

	while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t' ||
	    data[n - 1] == '\r'))
		n--;
	while (n > 0 && (*data == ' ' || *data == '\t')) {
		data++;
		n--;
	}
	if (n == 0)
		return err_set(err, EX_CONFIG, "control/me is empty: put the "
		    "host name in it or pass --hostname");
	if (n >= size || memchr(data, '\0', n) != NULL)
		return err_set(err, EX_CONFIG, "control/me does not hold a "
		    "host name: fix it or pass --hostname");
	memcpy(name, data, n);
	name[n] = '\0';
	if (!x509gen_valid_dns_name(name)) {
		/* Shown, not trusted: no control characters to the terminal. */
		for (i = 0; i < n; i++)
			if ((unsigned char)name[i] < 0x20 ||
			    (unsigned char)name[i] >= 0x7f)
				name[i] = '?';
		rc = err_set(err, EX_CONFIG, "control/me holds '%.*s', which "
		    "is not a valid host name: fix it or pass --hostname",
		    (int)(n > 80 ? 80 : n), name);
		name[0] = '\0';
		return rc;
	}
	return 0;
}

int
me_read(const struct perms_dir *dir, char *name, size_t size,
    struct err *err)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = perms_stat(dir, ME_FILE, &st, err)) <= 0)
		return rc;
	if (readfile_dir(dir, ME_FILE, &data, &len, &st, err) == -1)
		return -1;
	rc = me_parse(data, len, name, size, err);
	secret_free(data, len);
	return rc == 0 ? 1 : -1;
}
