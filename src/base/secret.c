/* secret.c: buffers that hold key material or a password (secret.h). */
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "base/secret.h"

char *
secret_alloc(size_t len, struct err *err)
{
	char *p = OPENSSL_secure_malloc(len + 1);

	if (p == NULL)
		err_set(err, EX_OSERR, "out of memory");
	return p;
}

char *
secret_copy(const void *data, size_t len, struct err *err)
{
	char *p = secret_alloc(len, err);

	if (p == NULL)
		return NULL;
	memcpy(p, data, len);
	p[len] = '\0';
	return p;
}

void
secret_free(char *data, size_t len)
{
	if (data != NULL)
		OPENSSL_secure_clear_free(data, len + 1);
}
