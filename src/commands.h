/*
 * commands.h: the subcommands qmail-pem.c dispatches to.  Each takes its
 * own argv (argv[0] is the command name) and returns an exit status.
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

int cmd_install(int argc, char *argv[]);

#endif
