/*
 * qmail-pem: safe TLS key and certificate files for qmail.
 *
 * This file only parses the command name and dispatches; every command
 * lives in its own module.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/heap.h"
#include "base/msg.h"
#include "base/privs.h"
#include "cmd/commands.h"

static const struct command {
	const char		*name;
	const struct cmdline	*line;
	const char		*summary;
} commands[] = {
	{ "status", &status_line,
	    "show the files, their readers and verify's verdict; changes "
	    "nothing" },
	{ "install", &install_line,
	    "write servercert.pem and clientcert.pem safely (new or repaired)" },
	{ "verify", &verify_line,
	    "check the files for Nagios, JSON or Prometheus; changes nothing" },
	{ "rotate", &rotate_line,
	    "replace both files with new keys and certificates (cron, DANE)" },
	{ "rollback", &rollback_line,
	    "put back the files the last rotation replaced" },
	{ "tlsa", &tlsa_line,
	    "print the DANE TLSA records of the server key" },
	{ "csr", &csr_line,
	    "make a certificate request for this server's (or a new) key" },
	{ "readers", &readers_line,
	    "say who reads each file (from the run scripts) and if it can" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fputs("usage: qmail-pem COMMAND [OPTIONS]\n"
	    "       qmail-pem help COMMAND | --help | --version\n\n"
	    "Keeps qmail's TLS files (servercert.pem for qmail-smtpd, "
	    "clientcert.pem for\nqmail-remote) as two root-owned files, each "
	    "readable only by its reader's group.\n\ncommands:\n", fp);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fputs("\nSee qmail-pem(8) for the exit statuses and the details.\n", fp);
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct command *cmd;
	char *help_argv[] = { NULL, "--help", NULL };

	heap_prepare();
	privs_harden_process();
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("qmail-pem %s\n", QMAIL_PEM_VERSION);
		return EX_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return EX_OK;
		}
		if ((cmd = find_command(argv[2])) == NULL) {
			msg_say(stderr, "qmail-pem: ", "no command '%s'; try "
			    "qmail-pem --help", argv[2]);
			return EX_USAGE;
		}
		help_argv[0] = argv[2];
		return opts_main(cmd->line, 2, help_argv);
	}
	if ((cmd = find_command(argv[1])) == NULL) {
		msg_say(stderr, "qmail-pem: ", "no command '%s'; try "
		    "qmail-pem --help", argv[1]);
		return EX_USAGE;
	}
	return opts_main(cmd->line, argc - 1, argv + 1);
}
