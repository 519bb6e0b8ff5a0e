/*
 * rsword.h: the words of a run script: quoting, expansions, redirections,
 * here-documents (rsword.c), for runscript.c.
 */
#ifndef QP_RSWORD_H
#define QP_RSWORD_H

#include <stddef.h>

#include "base/err.h"
#include "runscript/rsvars.h"
#include "runscript/rswbuf.h"

#define SUBST_DEPTH	4		/* nested $( ) followed */

extern const char *const rs_reserved[];
extern const char *const rs_declarations[];
int rs_in_list(const char *word, const char *const *list);

/*
 * The words of one simple command, up to an unquoted separator; *sep is
 * '\n', ';', '&' (& or &&), 'a' (&&), 'o' (||), '|', '(', ')', or 0 at the
 * end.  Redirections are dropped.
 */
int rs_read_words(struct runscript *rs, struct lexer *lx, struct wvec *out,
    int *sep, struct err *err);

#endif
