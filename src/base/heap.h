/*
 * heap.h: the first part of the heap made present at start, in one step.
 */
#ifndef QP_BASE_HEAP_H
#define QP_BASE_HEAP_H

/* Before anything else of the command; does nothing where it cannot. */
void heap_prepare(void);

#endif
