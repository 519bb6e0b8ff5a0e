/*
 * cmd_readers.h: qmail-pem readers, who reads servercert.pem and
 * clientcert.pem, and whether they can read them today.  argv[0] is the
 * command name; returns the exit status (see cmd_readers.c) after
 * printing any error.
 */
#ifndef QP_CMD_READERS_H
#define QP_CMD_READERS_H

int cmd_readers(int argc, char *argv[]);

#endif
