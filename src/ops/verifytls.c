/*
 * verifytls.c: verify's part for qmail's other TLS files (issue 23): their
 * reports, after those of the key files and the live server.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "check/tlsfiles.h"
#include "ops/verifytls.h"

/* Issue 23: qmail's other TLS files (check/tlsfiles.h), after the key
 * files and the live server, in one array for the report (*all). */
int
verify_other_tls_files(const char *dir_arg, gid_t smtpd_gid,
    const struct perms_dir *dir,
    const struct reader_list *readers, struct verify_summary *s,
    struct tlsfiles_result *tls, struct file_report **all, struct err *err)
{
	const struct file_report *srv = &s->files[0];
	struct tlsfiles_opts to;
	size_t i;

	memset(&to, 0, sizeof(to));
	to.dir = dir;
	to.dir_arg = dir_arg;
	to.readers = readers;
	to.smtpd_group = smtpd_gid;
	if (srv->have_cert && srv->key_type[0]) {
		to.server_key.type = srv->key_type;
		to.server_key.bits = srv->key_bits;
	}
	to.now = s->now;
	if (tlsfiles_check(&to, tls, err) == -1)
		return -1;
	/* not zeroed: each is copied as far as it is set */
	if ((*all = reallocarray(NULL, s->nfiles + tls->nfiles, sizeof(**all)))
	    == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	for (i = 0; i < s->nfiles; i++)
		verify_report_copy(&(*all)[i], &s->files[i]);
	for (i = 0; i < tls->nfiles; i++)
		verify_report_copy(&(*all)[s->nfiles + i], &tls->files[i]);
	s->files = *all;
	s->nfiles += tls->nfiles;
	return 0;
}

