/*
 * lazylib.h: a library loaded when a command first needs it.
 *
 * Each shared library the binary names is mapped at every start, and on
 * a virtual machine mapping one costs about a tenth of a millisecond:
 * verify, which a monitoring check runs every few minutes on every host,
 * paid it for libraries most runs never call (issue 26).  libelf (with
 * its libz) and libseccomp are therefore opened with dlopen(3)
 * by their soname at the first call that needs them, the way glibc opens
 * its NSS modules: the same file from the same directories as the
 * dynamic linker would have mapped at start.  The Debian package names
 * them in Depends, since dpkg-shlibdeps cannot see them.
 *
 * A module that uses one keeps a table of the functions it calls and
 * calls lazylib_load() on the way in, where it can still fail cleanly:
 * when the library cannot be opened, or lacks a function, the command
 * stops with EX_OSFILE and a message that names the library and the
 * package to reinstall, before it has changed anything.
 */
#ifndef QP_LAZYLIB_H
#define QP_LAZYLIB_H

#include <stddef.h>

#include "base/err.h"

struct lazylib_fn {
	const char	*name;
	void		**fn;		/* where its address goes */
};

struct lazylib {
	const char	*soname;	/* "libelf.so.1" */
	const char	*package;	/* the Debian package: "libelf1" */
	const struct lazylib_fn *fns;
	size_t		 nfns;
	int		 loaded;
};

/* Open lib and fill in every function of its table, once; 0, or -1 with
 * err (EX_OSFILE).  What was loaded stays loaded. */
int lazylib_load(struct lazylib *lib, struct err *err);

#define LAZYLIB_FN(var, name)	{ #name, (void **)&(var) }

#endif
