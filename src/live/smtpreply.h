/*
 * smtpreply.h: SMTP replies from a server we do not trust.
 *
 * A reply is one or more lines "250-text" ... "250 text" (RFC 5321 4.2).
 * Lines are taken one at a time, so the reader can stop at the bounds
 * below; text kept for messages is printable ASCII only and capped.
 */
#ifndef QP_SMTPREPLY_H
#define QP_SMTPREPLY_H

#include <stddef.h>

#define SMTP_MAX_LINE	1000	/* RFC 5321 allows 512, with slack */
#define SMTP_MAX_LINES	100	/* per reply */
#define SMTP_TEXT	320	/* server text kept for messages */

/* One reply: its code, its lines joined with " / ", and for EHLO the
 * extensions that matter here. */
struct smtp_reply {
	int	code;		/* 0: none */
	int	nlines;
	int	starttls;	/* the STARTTLS keyword */
	int	auth;		/* AUTH, or the old "AUTH=" form */
	char	auth_mechs[128];	/* "PLAIN LOGIN" */
	char	text[SMTP_TEXT];
};

/*
 * Take one reply line (without CR LF) into r: 1 when it was the last line
 * of the reply, 0 when more follow, -1 with error set when it is not an
 * SMTP reply line, its code differs from the earlier lines' or the reply
 * has more than SMTP_MAX_LINES lines.
 */
int smtpreply_line(struct smtp_reply *r, const char *line, size_t len,
    char *error, size_t errsize);

/*
 * Append len bytes of server text to the string dst as printable ASCII:
 * '?' for anything else, '|' included (it would start Nagios perfdata);
 * "..." marks a cut.
 */
void smtpreply_sanitize(char *dst, size_t size, const char *src, size_t len);

#endif
