/* tlsnames.c: qmail's other TLS files by name, rsa*.pem by mode (see
 * tlsnames.h). */
#include <string.h>

#include "site/policy.h"
#include "site/tlsnames.h"

/* prefix, at least one more character, then ".pem". */
static int
prefix_pem(const char *name, const char *prefix)
{
	size_t n = strlen(name), p = strlen(prefix),
	    s = strlen(TLSFILE_SUFFIX);

	return n > p + s && strncmp(name, prefix, p) == 0 &&
	    strcmp(name + n - s, TLSFILE_SUFFIX) == 0;
}

int
tlsnames_is_tmprsa(const char *name)
{
	return prefix_pem(name, TMPRSA_PREFIX);
}

int
tlsnames_is_dh(const char *name)
{
	return prefix_pem(name, DHPARAMS_PREFIX);
}

int
tlsnames_is_host_file(const char *name)
{
	return prefix_pem(name, "");
}

int
tlsnames_tmprsa_too_open(const struct stat *st, gid_t reader_gid,
    mode_t *repair)
{
	mode_t m = st->st_mode & 07777;
	int reader_group = st->st_uid == 0 && st->st_gid == reader_gid;

	*repair = reader_group ? TMPRSA_GROUP_MODE : TMPRSA_MODE;
	/* the owner's bits are its own business; the group may read only
	 * what the repaired mode lets it */
	return (m & 0077 & ~(*repair & 0070)) != 0;
}
