/* vmarea.c — tables that grow in place, and big blocks (vmarea.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmarea.h"

/* A mapping of len bytes starting at a multiple of align (0: anywhere):
 * mapped with align bytes to spare, then trimmed of the unaligned head and
 * of the tail, so that it is exactly [p, p + len). NULL when refused. */
static char *map_aligned(size_t len, size_t align, int prot, int flags)
{
	char *m = mmap(NULL, len + align, prot, flags, -1, 0), *p;

	if (m == MAP_FAILED)
		return NULL;
	if (align == 0)
		return m;
	p = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
	if (p > m)
		munmap(m, (size_t)(p - m));
	if (p + len < m + len + align)
		munmap(p + len, (size_t)(m + len + align - (p + len)));
	return p;
}

bool rasflow_vm_reserve(struct rasflow_vmarea *a, size_t want, size_t step, bool huge)
{
	a->step = step;
	a->huge = huge;
	a->committed = 0;
	want = (want + step - 1) / step * step;
	for (;;) {
		a->base = map_aligned(want, huge ? RASFLOW_VM_CHUNK : 0, PROT_NONE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
		if (a->base != NULL) {
			a->reserved = want;
			return true;
		}
		if (want == step)
			return false;
		want = (want / 2 + step - 1) / step * step;
	}
}

bool rasflow_vm_grow(struct rasflow_vmarea *a)
{
	char *p = a->base + a->committed;

	if (a->committed == a->reserved || mprotect(p, a->step, PROT_READ | PROT_WRITE) != 0)
		return false;
#ifdef MADV_HUGEPAGE
	if (a->huge)
		madvise(p, a->step, MADV_HUGEPAGE);	/* a hint: failure changes nothing */
#endif
	a->committed += a->step;
	return true;
}

void rasflow_vm_free(struct rasflow_vmarea *a)
{
	if (a->base)
		munmap(a->base, a->reserved);
	a->base = NULL;
	a->reserved = a->committed = 0;
}

/* bytes rounded up to whole CHUNKs: what a big block takes. */
static size_t whole_chunks(size_t bytes)
{
	return (bytes + RASFLOW_VM_CHUNK - 1) / RASFLOW_VM_CHUNK * RASFLOW_VM_CHUNK;
}

void *rasflow_vm_alloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > (SIZE_MAX - 2 * RASFLOW_VM_CHUNK) / size)
		return NULL;			/* also no room to round up */
	size *= n;
	if (size < RASFLOW_VM_BIG)
		return malloc(size ? size : 1);
	size = whole_chunks(size);
	if (posix_memalign(&p, RASFLOW_VM_CHUNK, size) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);	/* a hint: failure changes nothing */
#endif
	return p;
}

/* From RASFLOW_VM_BIG up, a mapping of its own: fresh pages read as zero, so
 * nothing is written before use (a memset would zero every page a second
 * time after the kernel). */
void *rasflow_vm_zalloc(size_t n, size_t size)
{
	size_t bytes, len;
	char *p;

	if (size != 0 && n > (SIZE_MAX - 2 * RASFLOW_VM_CHUNK) / size)
		return NULL;			/* also no room to round up */
	bytes = n * size;
	if (bytes < RASFLOW_VM_BIG)
		return calloc(1, bytes ? bytes : 1);
	len = whole_chunks(bytes);
	p = map_aligned(len, RASFLOW_VM_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
#ifdef MADV_HUGEPAGE
	if (p != NULL)
		madvise(p, len, MADV_HUGEPAGE);	/* a hint: failure changes nothing */
#endif
	return p;
}

void rasflow_vm_zfree(void *p, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (p == NULL)
		return;
	if (bytes < RASFLOW_VM_BIG)
		free(p);
	else
		munmap(p, whole_chunks(bytes));
}
