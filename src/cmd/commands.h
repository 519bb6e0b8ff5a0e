/*
 * commands.h: every command qmail-pem.c dispatches to, one file each in
 * cmd/: its command line (cmd/opts.h), run by opts_main().
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

#include "cmd/opts.h"

extern const struct cmdline install_line;
extern const struct cmdline verify_line;
extern const struct cmdline rotate_line;
extern const struct cmdline rollback_line;
extern const struct cmdline tlsa_line;
extern const struct cmdline csr_line;
extern const struct cmdline readers_line;
extern const struct cmdline status_line;

#endif
