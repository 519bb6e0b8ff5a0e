/*
 * commands.h: every command qmail-pem.c dispatches to, one file each in
 * cmd/.  Each takes its own argv (argv[0] is the command name), says its
 * errors, and returns the exit status.
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

int cmd_install(int argc, char *argv[]);
int cmd_verify(int argc, char *argv[]);
int cmd_rotate(int argc, char *argv[]);
int cmd_rollback(int argc, char *argv[]);
int cmd_tlsa(int argc, char *argv[]);
int cmd_csr(int argc, char *argv[]);
int cmd_readers(int argc, char *argv[]);

#endif
