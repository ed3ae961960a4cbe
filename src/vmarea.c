/* vmarea.c — tables that grow in place, and big blocks (vmarea.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmarea.h"

bool rasflow_vm_reserve(struct rasflow_vmarea *a, size_t want, size_t step, bool huge)
{
	size_t align = huge ? RASFLOW_VM_CHUNK : 0;

	a->step = step;
	a->huge = huge;
	a->committed = 0;
	want = (want + step - 1) / step * step;
	for (;;) {
		void *m = mmap(NULL, want + align, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (m != MAP_FAILED) {
			uintptr_t p = (uintptr_t)m;

			if (align)
				p = (p + align - 1) & ~(uintptr_t)(align - 1);
			a->map = m;
			a->map_bytes = want + align;
			a->base = (char *)p;
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
	if (a->map)
		munmap(a->map, a->map_bytes);
	a->map = NULL;
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
	if (size < RASFLOW_VM_CHUNK)
		return malloc(size ? size : 1);
	size = whole_chunks(size);
	if (posix_memalign(&p, RASFLOW_VM_CHUNK, size) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);	/* a hint: failure changes nothing */
#endif
	return p;
}

/* From a CHUNK up, a mapping of its own, trimmed to CHUNK alignment: fresh
 * pages read as zero, so nothing is written before use (a memset would
 * zero every page a second time after the kernel). */
void *rasflow_vm_zalloc(size_t n, size_t size)
{
	size_t bytes, len;
	char *m, *p;

	if (size != 0 && n > (SIZE_MAX - 2 * RASFLOW_VM_CHUNK) / size)
		return NULL;			/* also no room to round up */
	bytes = n * size;
	if (bytes < RASFLOW_VM_CHUNK)
		return calloc(1, bytes ? bytes : 1);
	len = whole_chunks(bytes);
	m = mmap(NULL, len + RASFLOW_VM_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)m + RASFLOW_VM_CHUNK - 1) & ~(uintptr_t)(RASFLOW_VM_CHUNK - 1));
	if (p > m)
		munmap(m, (size_t)(p - m));
	if (p + len < m + len + RASFLOW_VM_CHUNK)
		munmap(p + len, (size_t)(m + len + RASFLOW_VM_CHUNK - (p + len)));
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE);		/* a hint: failure changes nothing */
#endif
	return p;
}

void rasflow_vm_zfree(void *p, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (p == NULL)
		return;
	if (bytes < RASFLOW_VM_CHUNK)
		free(p);
	else
		munmap(p, whole_chunks(bytes));
}
