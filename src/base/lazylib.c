/*
 * lazylib.c: a library loaded when a command first needs it; see
 * lazylib.h.
 */
#include <dlfcn.h>
#include <sysexits.h>

#include "base/lazylib.h"

int
lazylib_load(struct lazylib *lib, struct err *err)
{
	void *handle, *fn;
	const char *why;
	size_t i;

	if (lib->loaded)
		return 0;
	(void)dlerror();
	if ((handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return err_set(err, EX_OSFILE, "cannot load %s (%s): "
		    "reinstall it: apt-get install --reinstall %s", lib->soname,
		    why != NULL ? why : "not found", lib->package);
	}
	for (i = 0; i < lib->nfns; i++) {
		(void)dlerror();
		if ((fn = dlsym(handle, lib->fns[i].name)) == NULL) {
			why = dlerror();
			dlclose(handle);
			return err_set(err, EX_OSFILE, "cannot load %s: it has "
			    "no %s (%s): reinstall it: apt-get install "
			    "--reinstall %s", lib->soname, lib->fns[i].name,
			    why != NULL ? why : "not found", lib->package);
		}
		*lib->fns[i].fn = fn;
	}
	lib->loaded = 1;
	return 0;
}
