/* vmarea.h — big memory for rasflow-core's tables.
 *
 * A table that grows in place: address space reserved for its cap at once
 * (PROT_NONE: no memory, no commit charge) and made usable from its start a
 * step at a time. The table never moves and is never copied; pages the
 * table has not reached cost nothing, and fresh pages read as zero. Used by
 * flow.c's flow array and queue blocks and analyze.c's host and edge
 * tables. It does not shrink, does not give memory back (callers may
 * madvise what they no longer use) and does not lock.
 *
 * And blocks made whole at once (hash indexes, sort keys, string blocks),
 * from 256 KiB up in huge pages: rasflow_vm_alloc, rasflow_vm_zalloc.
 *
 * Internal to rasflow-core.
 */
#ifndef RASFLOW_VMAREA_H
#define RASFLOW_VMAREA_H

#include <stdbool.h>
#include <stddef.h>

#define RASFLOW_VM_CHUNK ((size_t)2 << 20)	/* huge page size: the step of huge areas */

/* Whole blocks from this size up are whole huge pages: on a VM one fault and
 * 2 MiB zeroed cost less than 64 faults of 4 KiB (docs/performance.md). */
#define RASFLOW_VM_BIG (RASFLOW_VM_CHUNK / 8)

struct rasflow_vmarea {
	char *base;				/* the mapping, CHUNK-aligned when huge; NULL: none */
	size_t reserved, committed;		/* bytes from base */
	size_t step;
	bool huge;				/* steps are CHUNKs: ask for huge pages */
};

/* Reserve want bytes (rounded up to step), or as much as can be had,
 * halving, when the address space is limited; false when not one step. */
bool rasflow_vm_reserve(struct rasflow_vmarea *a, size_t want, size_t step, bool huge);

/* Make the next step usable; false when the reservation is used up or the
 * kernel refuses. Its memory is touched only when used. */
bool rasflow_vm_grow(struct rasflow_vmarea *a);

/* Unmap it all; a zeroed or freed area is fine. */
void rasflow_vm_free(struct rasflow_vmarea *a);

/* n entries of size bytes for a big array that is made whole, not grown
 * (sort keys, a string block; free() it). From RASFLOW_VM_BIG up, whole
 * CHUNKs, CHUNK-aligned with huge pages asked for: 4 MiB in 4 KiB pages is
 * 1,024 page faults, each dear on a VM (docs/performance.md). NULL when out
 * of memory. */
void *rasflow_vm_alloc(size_t n, size_t size);

/* The same, zeroed (a hash index), and freed with rasflow_vm_zfree and the
 * same n and size (NULL is fine). */
void *rasflow_vm_zalloc(size_t n, size_t size);
void rasflow_vm_zfree(void *p, size_t n, size_t size);

#endif
