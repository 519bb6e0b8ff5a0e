/*
 * statusprint.h: qmail-pem status on stdout, from the one JSON object
 * status.c builds: as it is (--format json), or as text for a person.
 */
#ifndef QP_OPS_STATUSPRINT_H
#define QP_OPS_STATUSPRINT_H

#include <jansson.h>

#include "base/err.h"

int statusprint_json(json_t *root, struct err *err);
int statusprint_text(json_t *root, struct err *err);

#endif
