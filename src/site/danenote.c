/* danenote.c: the keys that rotate --commit replaced (danenote.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/secret.h"
#include "fs/readfile.h"
#include "site/danenote.h"
#include "site/policy.h"

int
dane_spki_sha256(const EVP_PKEY *key, char hex[65], struct err *err)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	int len, rc = -1;

	if ((len = i2d_PUBKEY((EVP_PKEY *)key, &der)) <= 0)
		return err_set_ssl(err, EX_SOFTWARE, "cannot encode the "
		    "public key");
	if (EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) != 1)
		err_set_ssl(err, EX_SOFTWARE, "cannot hash the public key");
	else {
		for (i = 0; i < mdlen && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		rc = 0;
	}
	OPENSSL_free(der);
	return rc;
}

/* "commit TIME HEX" */
static int
parse_line(const char *line, struct dane_replaced *r)
{
	long long when;
	char hex[65];
	size_t i;

	if (sscanf(line, "commit %lld %64s", &when, hex) != 2 ||
	    strlen(hex) != 64)
		return -1;
	for (i = 0; i < 64; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	r->when = (time_t)when;
	memcpy(r->spki, hex, sizeof(r->spki));
	return 0;
}

static void
note_push(struct dane_note *note, const struct dane_replaced *r)
{
	if (note->n == DANE_NOTE_MAX) {
		memmove(&note->v[0], &note->v[1],
		    sizeof(note->v[0]) * (DANE_NOTE_MAX - 1));
		note->n--;
	}
	note->v[note->n++] = *r;
}

int
dane_note_read(const struct perms_dir *dir, struct dane_note *note,
    struct err *err)
{
	struct dane_replaced r;
	struct stat st;
	char *data = NULL, *line, *save = NULL;
	size_t len = 0;
	int rc;

	memset(note, 0, sizeof(*note));
	if ((rc = perms_stat(dir, DANE_NOTE, &st, err)) != 1)
		return rc;
	if (readfile_dir(dir, DANE_NOTE, &data, &len, &st, err) == -1)
		return -1;
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (parse_line(line, &r) == 0)
			note_push(note, &r);
	secret_free(data, len);
	return 0;
}

int
dane_note_add(const struct perms_dir *dir, const struct dane_note *note,
    const char *spki, time_t when, uid_t owner, struct err *err)
{
	struct perms_target t = { owner, 0, PRIVATE_FILE_MODE };
	struct dane_note next = *note;
	struct dane_replaced r;
	char text[DANE_NOTE_MAX * 100];
	size_t i, used = 0;

	memset(&r, 0, sizeof(r));
	r.when = when;
	snprintf(r.spki, sizeof(r.spki), "%s", spki);
	note_push(&next, &r);
	text[0] = '\0';
	for (i = 0; i < next.n; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		    "commit %lld %s\n", (long long)next.v[i].when,
		    next.v[i].spki);
	return perms_write_atomic(dir, DANE_NOTE, text, used, &t, err);
}

const struct dane_replaced *
dane_note_find(const struct dane_note *note, const char *spki)
{
	size_t i;

	for (i = note->n; i > 0; i--)
		if (strcmp(note->v[i - 1].spki, spki) == 0)
			return &note->v[i - 1];
	return NULL;
}
