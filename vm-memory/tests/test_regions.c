/* SPDX-License-Identifier: Apache-2.0 */
/* Regions (backings, flags, guard pages) and the memory map (add, remove, overlap,
   iteration, slots, lookup). */
#define _GNU_SOURCE
#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

Test(region, anonymous_private)
{
	struct vmem_region_options o = {.gpa = 0x100000, .size = 16 * PG};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	cr_assert_eq(vmem_region_gpa(r), 0x100000);
	cr_assert_eq(vmem_region_size(r), 16 * PG);
	cr_assert_eq(vmem_region_fd(r), -1);
	cr_assert_eq(vmem_region_slot(r), VMEM_NO_SLOT);
	uint8_t *h = vmem_region_host(r);
	cr_assert_eq((uintptr_t)h % PG, 0);
	cr_assert_eq(h[0], 0);
	cr_assert_eq(h[16 * PG - 1], 0);
	memset(h, 0xa5, 16 * PG);
	struct vmem_region_info ri;
	vmem_region_get_info(r, &ri);
	cr_assert_eq(ri.gpa, 0x100000);
	cr_assert_eq(ri.size, 16 * PG);
	cr_assert_eq(ri.host, h);
	cr_assert_eq(ri.fd, -1);
	cr_assert_geq(ri.guard_size, PG);
	vmem_region_destroy(r);
}

Test(region, anonymous_shared_is_seen_by_a_child)
{
	struct vmem_region_options o = {.size = PG, .flags = VMEM_REGION_SHARED};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	volatile uint8_t *h = vmem_region_host(r);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		h[7] = 42;
		_exit(0);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_eq(h[7], 42);
	vmem_region_destroy(r);
}

Test(region, memfd_backing)
{
	struct vmem_region_options o = {.size = 4 * PG,
	                                .backing = VMEM_BACKING_MEMFD,
	                                .flags = VMEM_REGION_SHARED,
	                                .name = "test-guest"};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	int fd = vmem_region_fd(r);
	cr_assert_geq(fd, 0);
	cr_assert_eq(lseek(fd, 0, SEEK_END), (off_t)(4 * PG));
	uint8_t *h = vmem_region_host(r);
	memcpy(h + PG, "hello", 5);
	char buf[5];
	cr_assert_eq(pread(fd, buf, 5, (off_t)PG), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	vmem_region_destroy(r);
}

static int temp_file(size_t size)
{
	char path[] = "/tmp/cvmm-vmem-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

Test(region, file_backed_shared_writes_through)
{
	int fd = temp_file(8 * PG);
	cr_assert_eq(pwrite(fd, "abc", 3, (off_t)(2 * PG)), 3);
	struct vmem_region_options o = {.gpa = 0x4000000,
	                                .size = 4 * PG,
	                                .backing = VMEM_BACKING_FD,
	                                .fd = fd,
	                                .fd_offset = 2 * PG,
	                                .flags = VMEM_REGION_SHARED};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	cr_assert_neq(vmem_region_fd(r), fd, "the region keeps its own descriptor");
	uint8_t *h = vmem_region_host(r);
	cr_assert_eq(memcmp(h, "abc", 3), 0);
	h[3] = 'd';
	char c;
	cr_assert_eq(pread(fd, &c, 1, (off_t)(2 * PG + 3)), 1);
	cr_assert_eq(c, 'd');
	struct vmem_region_info ri;
	vmem_region_get_info(r, &ri);
	cr_assert_eq(ri.fd_offset, 2 * PG);
	close(fd); /* the region's dup keeps the mapping's file */
	vmem_region_destroy(r);
}

Test(region, file_backed_private_is_copy_on_write)
{
	int fd = temp_file(PG);
	cr_assert_eq(pwrite(fd, "snap", 4, 0), 4);
	struct vmem_region_options o = {.size = PG, .backing = VMEM_BACKING_FD, .fd = fd};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	uint8_t *h = vmem_region_host(r);
	cr_assert_eq(memcmp(h, "snap", 4), 0);
	h[0] = 'S';
	char c;
	cr_assert_eq(pread(fd, &c, 1, 0), 1);
	cr_assert_eq(c, 's');
	vmem_region_destroy(r);
	close(fd);
}

Test(region, file_too_short_is_refused)
{
	int fd = temp_file(2 * PG);
	struct vmem_region *r = (void *)1;
	struct vmem_region_options o = {
	    .size = 2 * PG, .backing = VMEM_BACKING_FD, .fd = fd, .fd_offset = PG};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL);
	cr_assert_null(r);
	o.fd_offset = 0;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	vmem_region_destroy(r);
	o.fd = -1;
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL);
	close(fd);
}

Test(region, invalid_options)
{
	struct vmem_region *r;
	struct vmem_region_options o = {.gpa = 0, .size = 0};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "zero size");
	o = (struct vmem_region_options){.gpa = 1, .size = PG};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "unaligned gpa");
	o = (struct vmem_region_options){.gpa = 0, .size = PG + 1};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "unaligned size");
	o = (struct vmem_region_options){.gpa = UINT64_MAX - PG + 1, .size = 2 * PG};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "gpa + size past 2^64");
	o = (struct vmem_region_options){.size = PG, .flags = 1u << 20};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "unknown flag");
	o = (struct vmem_region_options){.size = PG, .backing = 42};
	cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "unknown backing");
	cr_assert_eq(vmem_region_create(NULL, &r), -EINVAL);
	cr_assert_eq(vmem_region_create(&o, NULL), -EINVAL);
	vmem_region_destroy(NULL);
}

Test(region, region_at_the_top_of_the_address_space)
{
	struct vmem_region_options o = {.gpa = 0 - 2 * PG, .size = 2 * PG};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	vmem_region_destroy(r);
}

Test(region, transparent_huge_pages_are_advisory)
{
	struct vmem_region_options o = {.size = 4u << 20, .flags = VMEM_REGION_THP};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	memset(vmem_region_host(r), 1, 4u << 20);
	vmem_region_destroy(r);
}

Test(region, large_regions_start_on_a_huge_page_boundary)
{
	/* KVM maps guest memory with block (huge) stage-2/EPT entries only where the host
	   address and the guest address agree modulo the huge page size. */
	size_t huge = vmem_huge_page_size();
	for (int i = 0; i < 4; i++) {
		struct vmem_region_options o = {.gpa = 0x80000000, .size = 3 * huge};
		struct vmem_region *r;
		cr_assert_eq(vmem_region_create(&o, &r), 0);
		cr_assert_eq((uintptr_t)vmem_region_host(r) % huge, 0, "host %p not aligned to %zu",
		             vmem_region_host(r), huge);
		struct vmem_region_info ri;
		vmem_region_get_info(r, &ri);
		uint8_t *h = ri.host;
		h[0] = 1;
		h[3 * huge - 1] = 2;
		vmem_region_destroy(r);
	}
	/* A small region keeps a page-aligned address and no slack. */
	struct vmem_region_options o = {.size = 4 * PG};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	cr_assert_eq((uintptr_t)vmem_region_host(r) % PG, 0);
	vmem_region_destroy(r);
}

Test(guard, large_region_keeps_its_guards, .signal = SIGSEGV)
{
	size_t huge = vmem_huge_page_size();
	struct vmem_region_options o = {.size = 2 * huge};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	volatile uint8_t *h = vmem_region_host(r);
	h[2 * huge] = 1; /* one past the end: the guard */
}

Test(region, readonly_region_maps_read_only)
{
	int fd = temp_file(PG);
	cr_assert_eq(pwrite(fd, "rom", 3, 0), 3);
	struct vmem_region_options o = {
	    .size = PG, .backing = VMEM_BACKING_FD, .fd = fd, .flags = VMEM_REGION_READONLY};
	struct vmem_map *m;
	cr_assert_eq(vmem_map_create(&m), 0);
	cr_assert_eq(vmem_map_add(m, &o, NULL), 0);
	char buf[3];
	cr_assert_eq(vmem_read(m, 0, buf, 3), 0);
	cr_assert_eq(memcmp(buf, "rom", 3), 0);
	cr_assert_eq(vmem_write(m, 0, "RAM", 3), -EACCES);
	cr_assert_eq(vmem_write_u8(m, 0, 1), -EACCES);
	cr_assert_eq(vmem_fill(m, 0, 0, 1), -EACCES);
	cr_assert_eq(vmem_atomic_store_u32(m, 0, 1, VMEM_RELAXED), -EACCES);
	struct vmem_slice s;
	cr_assert_eq(vmem_slice(m, 0, 3, VMEM_ACCESS_WRITE, &s), -EACCES);
	cr_assert_eq(vmem_slice(m, 0, 3, VMEM_ACCESS_READ, &s), 0);
	cr_assert_eq(vmem_slice_write(&s, 0, "x", 1), -EACCES);
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, 0, 1), -EACCES);
	cr_assert_eq(memcmp(vmem_translate(m, 0, 3), "rom", 3), 0);
	vmem_map_destroy(m);
	close(fd);
}

/* The guard pages: a host-side overrun of a region faults instead of reaching its
   neighbour, even when the next region is the next GPA range. */
static struct vmem_map *two_touching(void)
{
	const uint64_t regs[][2] = {{0, 4 * PG}, {4 * PG, 4 * PG}};
	return map_with(0, 2, regs);
}

Test(guard, write_past_the_end_faults, .signal = SIGSEGV)
{
	struct vmem_map *m = two_touching();
	struct vmem_slice s;
	cr_assert_eq(vmem_slice(m, 3 * PG, PG, VMEM_ACCESS_WRITE, &s), 0);
	volatile uint8_t *p = s.host;
	p[PG - 1] = 1; /* last byte: fine */
	p[PG] = 1;     /* first byte of the guard page */
	cr_assert_fail("the write past the end did not fault");
}

Test(guard, write_before_the_start_faults, .signal = SIGSEGV)
{
	struct vmem_map *m = two_touching();
	volatile uint8_t *p = vmem_translate(m, 4 * PG, 1);
	cr_assert_not_null(p);
	p[0] = 1;
	p[-1] = 1;
	cr_assert_fail("the write before the start did not fault");
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GUARD_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(GUARD_TEST_ASAN)
#define GUARD_TEST_ASAN 1
#endif

#ifdef GUARD_TEST_ASAN
/* Under AddressSanitizer, memcpy's interceptor checks the whole range first and may abort
   with its own report before the guard page is touched: an unchecked byte copy lets the
   guard page itself stop the overrun, as memcpy does in a normal build. */
__attribute__((no_sanitize("address"), noinline)) static void
bulk_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	volatile uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = src[i];
}
#else
#define bulk_copy memcpy
#endif

Test(guard, memcpy_overrun_faults, .signal = SIGSEGV)
{
	struct vmem_map *m = two_touching();
	uint8_t *p = vmem_translate(m, 0, 1);
	static uint8_t junk[8192];
	bulk_copy(p + 4 * PG - 100, junk, sizeof(junk));
	cr_assert_fail("the overrun did not fault");
}

Test(guard, read_past_the_end_faults, .signal = SIGSEGV)
{
	struct vmem_map *m = two_touching();
	volatile uint8_t *p = vmem_translate(m, 0, 1);
	cr_log_info("%d", p[4 * PG]);
	cr_assert_fail("the read past the end did not fault");
}

Test(guard, file_backed_region_has_guards_too, .signal = SIGSEGV)
{
	int fd = temp_file(PG);
	struct vmem_region_options o = {
	    .size = PG, .backing = VMEM_BACKING_FD, .fd = fd, .flags = VMEM_REGION_SHARED};
	struct vmem_region *r;
	cr_assert_eq(vmem_region_create(&o, &r), 0);
	volatile uint8_t *p = vmem_region_host(r);
	p[PG] = 1;
	cr_assert_fail("no fault");
}

Test(guard, guards_are_prot_none)
{
	struct vmem_map *m = two_touching();
	uint8_t *a = vmem_translate(m, 0, 1);
	uint8_t *b = vmem_translate(m, 4 * PG, 1);
	cr_assert_neq(a + 4 * PG, b, "touching GPA ranges are not touching host ranges");
	/* mincore/msync cannot tell PROT_NONE apart; ask the kernel to change nothing but
	   the protection would fault: check via /proc/self/maps instead. */
	FILE *f = fopen("/proc/self/maps", "r");
	cr_assert_not_null(f);
	char line[512];
	bool found_before = false, found_after = false;
	uintptr_t before = (uintptr_t)a - PG, after = (uintptr_t)a + 4 * PG;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
			continue;
		if (lo <= before && before < hi)
			found_before = !strcmp(perms, "---p");
		if (lo <= after && after < hi)
			found_after = !strcmp(perms, "---p");
	}
	fclose(f);
	cr_assert(found_before && found_after);
	vmem_map_destroy(m);
}

/* The map. */

Test(map, add_find_iterate_in_gpa_order)
{
	const uint64_t regs[][2] = {{0x100000, PG}, {0, 2 * PG}, {0x10000, 4 * PG}};
	struct vmem_map *m = map_with(0, 3, regs);
	cr_assert_eq(vmem_map_region_count(m), 3);
	cr_assert_eq(vmem_region_gpa(vmem_map_region_at(m, 0)), 0);
	cr_assert_eq(vmem_region_gpa(vmem_map_region_at(m, 1)), 0x10000);
	cr_assert_eq(vmem_region_gpa(vmem_map_region_at(m, 2)), 0x100000);
	cr_assert_null(vmem_map_region_at(m, 3));
	/* slots in insertion order */
	cr_assert_eq(vmem_region_slot(vmem_map_region_at(m, 2)), 0);
	cr_assert_eq(vmem_region_slot(vmem_map_region_at(m, 0)), 1);
	cr_assert_eq(vmem_region_slot(vmem_map_region_at(m, 1)), 2);

	cr_assert_eq(vmem_map_find(m, 0), vmem_map_region_at(m, 0));
	cr_assert_eq(vmem_map_find(m, 2 * PG - 1), vmem_map_region_at(m, 0));
	cr_assert_null(vmem_map_find(m, 2 * PG));
	cr_assert_null(vmem_map_find(m, 0x10000 - 1));
	cr_assert_eq(vmem_map_find(m, 0x10000), vmem_map_region_at(m, 1));
	cr_assert_eq(vmem_map_find(m, 0x100000 + PG - 1), vmem_map_region_at(m, 2));
	cr_assert_null(vmem_map_find(m, 0x100000 + PG));
	cr_assert_null(vmem_map_find(m, UINT64_MAX));
	cr_assert_eq(vmem_map_end(m), 0x100000 + PG);
	vmem_map_destroy(m);
}

static int collect(struct vmem_region *r, void *opaque)
{
	uint64_t **p = opaque;
	*(*p)++ = vmem_region_gpa(r);
	return vmem_region_gpa(r) == 0x5000000 ? 7 : 0;
}

Test(map, for_each_stops_on_non_zero)
{
	const uint64_t regs[][2] = {
	    {0x3000000, PG}, {0x1000000, PG}, {0x5000000, PG}, {0x7000000, PG}};
	struct vmem_map *m = map_with(0, 4, regs);
	uint64_t seen[4] = {0}, *p = seen;
	cr_assert_eq(vmem_map_for_each(m, collect, &p), 7);
	cr_assert_eq(p - seen, 3);
	cr_assert_eq(seen[0], 0x1000000);
	cr_assert_eq(seen[1], 0x3000000);
	cr_assert_eq(seen[2], 0x5000000);
	vmem_map_destroy(m);
}

Test(map, overlap_is_rejected)
{
	const uint64_t regs[][2] = {{0x10 * PG, 0x10 * PG}};
	struct vmem_map *m = map_with(0, 1, regs);
	cr_assert_eq(vmem_map_add_anon(m, 0x10 * PG, PG, 0), -EEXIST, "same start");
	cr_assert_eq(vmem_map_add_anon(m, 0x1f * PG, PG, 0), -EEXIST, "last page");
	cr_assert_eq(vmem_map_add_anon(m, 0x8 * PG, 0x9 * PG, 0), -EEXIST, "covers first page");
	cr_assert_eq(vmem_map_add_anon(m, 0x8 * PG, 0x20 * PG, 0), -EEXIST, "covers all");
	cr_assert_eq(vmem_map_add_anon(m, 0x14 * PG, PG, 0), -EEXIST, "inside");
	cr_assert_eq(vmem_map_add_anon(m, 0x8 * PG, 0x8 * PG, 0), 0, "touching below");
	cr_assert_eq(vmem_map_add_anon(m, 0x20 * PG, PG, 0), 0, "touching above");
	cr_assert_eq(vmem_map_region_count(m), 3);
	vmem_map_destroy(m);
}

Test(map, remove_and_reinsert_and_slot_reuse)
{
	const uint64_t regs[][2] = {{0, PG}, {PG, PG}, {2 * PG, PG}};
	struct vmem_map *m = map_with(0, 3, regs);
	struct vmem_region *r;
	cr_assert_eq(vmem_map_remove(m, PG + 1, &r), -ENOENT, "not a region start");
	cr_assert_eq(vmem_map_remove(m, 5 * PG, &r), -ENOENT);
	cr_assert_eq(vmem_map_remove(m, PG, &r), 0);
	cr_assert_eq(vmem_region_gpa(r), PG);
	cr_assert_eq(vmem_region_slot(r), VMEM_NO_SLOT);
	cr_assert_eq(vmem_map_region_count(m), 2);
	cr_assert_null(vmem_map_find(m, PG));
	cr_assert_eq(vmem_read_u8(m, PG, &(uint8_t){0}), -EFAULT);

	cr_assert_eq(vmem_map_add_anon(m, 8 * PG, PG, 0), 0);
	cr_assert_eq(vmem_region_slot(vmem_map_find(m, 8 * PG)), 1, "freed slot reused");
	cr_assert_eq(vmem_map_insert(m, r), 0);
	cr_assert_eq(vmem_region_slot(r), 3);
	cr_assert_eq(vmem_map_insert(m, r), -EBUSY);
	struct vmem_map *m2;
	cr_assert_eq(vmem_map_create(&m2), 0);
	cr_assert_eq(vmem_map_insert(m2, r), -EBUSY, "already in a map");
	vmem_map_destroy(m2);
	cr_assert_eq(vmem_map_remove(m, 0, NULL), 0, "destroyed by the map");
	cr_assert_eq(vmem_map_region_count(m), 3);
	vmem_map_destroy(m);
}

Test(map, many_regions_binary_search)
{
	struct vmem_map *m;
	cr_assert_eq(vmem_map_create(&m), 0);
	/* 300 regions of one page with one-page gaps, inserted in a scrambled order. */
	for (unsigned k = 0; k < 300; k++) {
		unsigned i = (k * 7919u) % 300;
		cr_assert_eq(vmem_map_add_anon(m, (uint64_t)i * 2 * PG, PG, 0), 0);
	}
	cr_assert_eq(vmem_map_region_count(m), 300);
	for (unsigned i = 0; i < 300; i++) {
		uint64_t g = (uint64_t)i * 2 * PG;
		cr_assert_eq(vmem_region_gpa(vmem_map_region_at(m, i)), g);
		cr_assert_eq(vmem_map_find(m, g + PG / 2), vmem_map_region_at(m, i));
		cr_assert_null(vmem_map_find(m, g + PG));
		cr_assert_eq(vmem_write_u32_le(m, g + 8, i), 0);
	}
	for (unsigned i = 0; i < 300; i++) {
		uint32_t v;
		cr_assert_eq(vmem_read_u32_le(m, (uint64_t)i * 2 * PG + 8, &v), 0);
		cr_assert_eq(v, i);
	}
	vmem_map_destroy(m);
}

Test(map, empty_map_and_null_arguments)
{
	struct vmem_map *m;
	cr_assert_eq(vmem_map_create(NULL), -EINVAL);
	cr_assert_eq(vmem_map_create(&m), 0);
	cr_assert_eq(vmem_map_region_count(m), 0);
	cr_assert_eq(vmem_map_end(m), 0);
	cr_assert_null(vmem_map_find(m, 0));
	cr_assert_null(vmem_translate(m, 0, 1));
	cr_assert_eq(vmem_read(m, 0, &(char){0}, 1), -EFAULT);
	cr_assert_eq(vmem_map_insert(m, NULL), -EINVAL);
	cr_assert_eq(vmem_map_remove(m, 0, NULL), -ENOENT);
	vmem_map_destroy(m);
	vmem_map_destroy(NULL);
}
