/*
 * rslex.h: the characters of a run script, for rsword.c.
 */
#ifndef QP_RSLEX_H
#define QP_RSLEX_H

#include <stddef.h>

#include "runscript/rsvars.h"

int rs_is_blank(int c);
/* Is c one of set?  (strchr() alone would also find the NUL.) */
int rs_in_set(const char *set, char c);
int rs_is_operator(char c);
int rs_is_name_start(int c);
int rs_is_name_char(int c);
/* Does s start with NAME= ? */
int rs_is_assignment_start(const char *s, size_t n);

/* Move the lexer to pos, counting the newlines passed. */
void rs_advance(struct lexer *lx, size_t pos);
/* For messages: s[0..n) on one line, shortened. */
void rs_excerpt(char *buf, size_t size, const char *s, size_t n);
/* Index of the character that closes an opening at from-1 ("(" or "{"),
 * skipping quotes and nested pairs; len if there is none. */
size_t rs_find_close(const char *s, size_t from, size_t len, char open,
    char close);
/* After the newline that ends a line with <<WORD: skip the document. */
void rs_skip_heredoc(struct lexer *lx);

#endif
