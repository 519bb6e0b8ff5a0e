/*
 * heap.c: the first part of the heap made present at start, in one step.
 *
 * A command's heap is a few hundred kilobytes: OpenSSL's provider
 * stores and decoders, the SSL_CTX of the read test, the reports.  Each
 * page of it is a page fault when first touched, and on a virtual
 * machine a fault costs several microseconds (9 us on the CI machine's
 * VM, against 1 us for a system call): verify's faults on the heap were
 * about a tenth of its time (issue 26).  heap_prepare() has malloc keep
 * HEAP_FIRST free at the top of the heap (M_TOP_PAD: it grows by that
 * much more, and gives back only what is above it), makes it grow once
 * now, and makes the pages it added present with one
 * madvise(MADV_POPULATE_WRITE): the same memory, allocated and zeroed by
 * the kernel in one call instead of one fault per page.  Peak RSS grows
 * by what the command does not use of it (bench/ measures both).
 *
 * Setting M_TOP_PAD also ends glibc's moving mmap threshold: a block of
 * 128 KB or more is mapped and unmapped each time, as before any such
 * block was freed (the commands allocate none that often).
 *
 * Only glibc's own heap, grown by brk, and only the part added here:
 * under another allocator (ASan, valgrind), where brk does not move, or
 * on a kernel without MADV_POPULATE_WRITE (before Linux 5.14), no page is
 * made present and malloc works as it always does.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/heap.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define HEAP_FIRST	(640 * 1024)
#define STEP		(64 * 1024)	/* under malloc's mmap threshold */
#define STEPS		8

void
heap_prepare(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), from;
	uintptr_t before, grown, after;
	void *p[STEPS];
	int n;

	if (mallopt(M_TOP_PAD, HEAP_FIRST) != 1 ||
	    (before = (uintptr_t)sbrk(0)) == (uintptr_t)-1)
		return;
	/* what is free at the top now is used first; then it grows */
	for (n = 0; n < STEPS && (uintptr_t)sbrk(0) == before; n++)
		if ((p[n] = malloc(STEP)) == NULL)
			break;
	grown = (uintptr_t)sbrk(0);
	while (n > 0)
		free(p[--n]);
	/* the frees may give back what is above the pad */
	after = (uintptr_t)sbrk(0);
	if (grown < after)
		after = grown;
	if (after == (uintptr_t)-1 || after <= before ||
	    after - before > HEAP_FIRST + STEPS * STEP + page)
		return;
	from = (before + page - 1) & ~(page - 1);
	if (from < after)
		(void)madvise((void *)from, (size_t)(after - from),
		    MADV_POPULATE_WRITE);
}
