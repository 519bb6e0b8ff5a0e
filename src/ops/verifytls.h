/*
 * verifytls.h: qmail's other TLS files in verify's report (issue 23).
 */
#ifndef QP_OPS_VERIFYTLS_H
#define QP_OPS_VERIFYTLS_H

#include <sys/types.h>

#include "check/report.h"
#include "check/tlsfiles.h"
#include "perms.h"
#include "site/readers.h"

/* Check them (check/tlsfiles.h; dir_arg: -d as given, smtpd_gid:
 * servercert.pem's group) and append their reports to s's files,
 * in one new array *all (free() it, and tlsfiles_free(tls), after). */
int verify_other_tls_files(const char *dir_arg, gid_t smtpd_gid,
    const struct perms_dir *dir, const struct reader_list *readers,
    struct verify_summary *s, struct tlsfiles_result *tls,
    struct file_report **all, struct err *err);

#endif
