/*
 * readerload.h: what the programs that read the two key files can load
 * (site/readerbin.h), for install, rotate and rotate --commit, which
 * refuse a key those programs cannot load before they change anything,
 * and for verify.
 */
#ifndef QP_READERLOAD_H
#define QP_READERLOAD_H

#include <stddef.h>

#include "base/err.h"
#include "fs/plan.h"
#include "ops/common.h"
#include "site/readerbin.h"

/* files[0]: servercert.pem, files[1]: clientcert.pem, from the run
 * scripts of c's service directories and the control directory c->dir
 * (each binary read once). */
int readerload_scan(const struct common_opts *c,
    struct readerbin_file files[2], struct err *err);

/*
 * Before plans are applied: -1 (EX_CONFIG, nothing changed) for the
 * first plan that writes a new non-RSA key into a file (or its staged
 * .next) whose readers load RSA keys only; a key the file already holds
 * is warned about, not refused.  With --allow-non-rsa (c->allow_non_rsa)
 * a warning in either case.
 */
int readerload_refuse(const struct common_opts *c,
    const struct file_plan *plans, size_t n, struct err *err);

#endif
