/* test_vmarea.c — vmarea.c's allocations for big arrays: rasflow_vm_alloc
 * and rasflow_vm_zalloc/zfree (hash indexes, sort keys, string blocks).
 * Their big-block paths (2 MiB and up) only run on large captures, so they
 * are checked here directly. The growing area itself is exercised by the
 * flow table and analysis tests (test_flow.c, test_analyze.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/vmarea.h"

#define MiB ((size_t)1 << 20)

/* Is any page of [p, p + len) mapped? mincore fails with ENOMEM on a
 * range with unmapped pages. */
static bool all_unmapped(const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char vec[1];

	for (size_t o = 0; o < len; o += page)
		if (mincore((void *)((uintptr_t)p + o), page, vec) == 0 || errno != ENOMEM)
			return false;
	return true;
}

Test(vmarea, big_zeroed_block_is_aligned_zero_and_unmapped_when_freed)
{
	size_t n = 3 * MiB / 8 + 1;	/* just over 3 MiB: rounded up to 4 */
	uint64_t *p = rasflow_vm_zalloc(n, sizeof(*p));

	cr_assert_not_null(p);
	/* (kernels since 6.7 align big anonymous mappings by themselves, so on
	 * those this holds even without vmarea.c's trimming) */
	cr_expect_eq((uintptr_t)p % RASFLOW_VM_CHUNK, 0, "2 MiB aligned for huge pages");
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			cr_assert_fail("word %zu is not zero", i);
	memset(p, 0xa5, n * sizeof(*p));	/* all of it is writable */
	rasflow_vm_zfree(p, n, sizeof(*p));
	cr_expect(all_unmapped(p, 4 * MiB), "the whole rounded block is unmapped");
}

Test(vmarea, blocks_are_new_each_time)
{
	size_t n = 2 * MiB;		/* exactly a chunk of bytes */
	unsigned char *a = rasflow_vm_zalloc(n, 1), *b;

	cr_assert_not_null(a);
	memset(a, 1, n);
	b = rasflow_vm_zalloc(n, 1);
	cr_assert_not_null(b);
	cr_expect_neq(a, b);
	cr_expect_eq(b[0], 0);
	cr_expect_eq(b[n - 1], 0);
	cr_expect_eq(a[n - 1], 1, "a is untouched by b");
	rasflow_vm_zfree(a, n, 1);
	rasflow_vm_zfree(b, n, 1);
}

Test(vmarea, small_blocks_come_from_the_heap_zeroed)
{
	/* freed with free() inside zfree: a mismatch would show under ASan */
	for (size_t n = 1; n < RASFLOW_VM_BIG; n *= 7) {
		unsigned char *p = rasflow_vm_zalloc(n, 1);

		cr_assert_not_null(p);
		cr_expect_eq(p[0], 0);
		cr_expect_eq(p[n - 1], 0);
		rasflow_vm_zfree(p, n, 1);
	}
	rasflow_vm_zfree(NULL, 5 * MiB, 1);	/* NULL is fine at any size */
	free(rasflow_vm_alloc(0, 8));		/* an empty block is still a block */
}

Test(vmarea, big_unzeroed_block_is_aligned_and_freed_by_free)
{
	char *p = rasflow_vm_alloc(5, MiB);

	cr_assert_not_null(p);
	cr_expect_eq((uintptr_t)p % RASFLOW_VM_CHUNK, 0);
	memset(p, 0x5a, 5 * MiB);
	free(p);
}

Test(vmarea, sizes_that_overflow_are_refused)
{
	cr_expect_null(rasflow_vm_alloc(SIZE_MAX / 2, 4));
	cr_expect_null(rasflow_vm_zalloc(SIZE_MAX / 2, 4));
	cr_expect_null(rasflow_vm_zalloc((size_t)1 << 62, 1), "no address space that big");
	/* the product fits, rounding it up to 2 MiB would not */
	cr_expect_null(rasflow_vm_alloc(1, SIZE_MAX - 5));
	cr_expect_null(rasflow_vm_zalloc(1, SIZE_MAX - 5));
}
