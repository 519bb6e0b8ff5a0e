/*
 * verifyreport.h: verify's report (check/report.h) written out: on
 * stdout or in --output, and the report that says why nothing could be
 * checked.
 */
#ifndef QP_OPS_VERIFYREPORT_H
#define QP_OPS_VERIFYREPORT_H

#include "check/report.h"
#include "fs/output.h"
#include "ops/common.h"
#include "perms.h"

/* s's overall status set, the report in format to stdout, or to
 * c->output (out, opened). */
int verify_emit(const struct common_opts *c, enum report_format format,
    const struct output *out, struct verify_summary *s, struct err *err);

/* Nothing could be checked (why, printed on stderr): the report says so
 * with UNKNOWN or, an unsafe directory, CRITICAL; never into the control
 * directory.  Returns the Nagios status. */
int verify_report_failure(const struct common_opts *c,
    enum report_format format, const struct perms_dir *dir,
    struct verify_summary *s, const struct err *why);

#endif
