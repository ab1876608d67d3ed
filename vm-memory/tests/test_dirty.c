/* SPDX-License-Identifier: Apache-2.0 */
/* Dirty-page tracking: every write path sets the bits of exactly the pages it wrote,
   reads set none, get-and-reset, merging a KVM bitmap, and marking from many threads. */
#define _GNU_SOURCE
#include "helpers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define P PG
/* Tracked [0, 130P) and [130P, 260P) touch (130 pages: bitmaps of 3 words, the last
   partial); untracked [1024P, 1028P). */
static struct vmem_map *m;
static struct vmem_region *r0, *r1, *ru;

static void setup(void)
{
	cr_assert_eq(vmem_map_create(&m), 0);
	struct vmem_region_options o = {
	    .gpa = 0, .size = 130 * P, .flags = VMEM_REGION_TRACK_DIRTY};
	cr_assert_eq(vmem_map_add(m, &o, &r0), 0);
	o.gpa = 130 * P;
	cr_assert_eq(vmem_map_add(m, &o, &r1), 0);
	o = (struct vmem_region_options){.gpa = 1024 * P, .size = 4 * P};
	cr_assert_eq(vmem_map_add(m, &o, &ru), 0);
}

static void teardown(void)
{
	vmem_map_destroy(m);
}

TestSuite(dirty, .init = setup, .fini = teardown);

/* Asserts that exactly the pages [first, last] (map-wide page numbers) are dirty, then
   resets everything. first > last: none. */
static void expect_dirty(uint64_t first, uint64_t last, const char *what)
{
	for (uint64_t p = 0; p < 260; p++) {
		bool want = p >= first && p <= last;
		cr_assert_eq(vmem_dirty_test(m, p * P), want, "%s: page %llu", what,
		             (unsigned long long)p);
	}
	size_t want_n = first > last ? 0 : (size_t)(last - first + 1);
	cr_assert_eq(vmem_dirty_count(r0) + vmem_dirty_count(r1), want_n, "%s: count", what);
	vmem_dirty_reset_all(m);
	cr_assert_eq(vmem_dirty_count(r0) + vmem_dirty_count(r1), 0);
}
#define NONE 1, 0

Test(dirty, bitmap_shape)
{
	cr_assert_eq(vmem_dirty_bitmap_words(r0), 3);
	cr_assert_eq(vmem_dirty_bitmap_words(ru), 0);
	cr_assert(vmem_region_flags(r0) & VMEM_REGION_TRACK_DIRTY);
	expect_dirty(NONE, "fresh");
}

Test(dirty, reads_set_nothing)
{
	char buf[64];
	uint32_t v;
	struct vmem_slice s;
	cr_assert_eq(vmem_read(m, 5 * P, buf, 64), 0);
	cr_assert_eq(vmem_read_volatile(m, 5 * P, buf, 64), 0);
	cr_assert_eq(vmem_read_u32_le(m, 5 * P, &v), 0);
	cr_assert_eq(vmem_atomic_load_u32(m, 5 * P, &v, VMEM_ACQUIRE), 0);
	uint32_t e = 1;
	cr_assert_eq(vmem_atomic_cmpxchg_u32(m, 5 * P, &e, 2, VMEM_SEQ_CST), 0, "fails: no write");
	cr_assert_eq(vmem_slice(m, 5 * P, 64, VMEM_ACCESS_WRITE, &s), 0);
	cr_assert_eq(vmem_slice_read(&s, 0, buf, 64), 0);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(vmem_write_to_fd(m, 5 * P, fds[1], VMEM_FD_CUR, 64), 64);
	close(fds[0]);
	close(fds[1]);
	expect_dirty(NONE, "reads");
}

Test(dirty, write_and_spanning_write)
{
	char buf[3 * 4096 + 64] = {1};
	cr_assert_eq(vmem_write(m, 7 * P + 3, buf, 1), 0);
	expect_dirty(7, 7, "one byte");
	cr_assert_eq(vmem_write(m, 7 * P - 1, buf, 2), 0);
	expect_dirty(6, 7, "two bytes across a page line");
	cr_assert_eq(vmem_write(m, 63 * P, buf, 2 * P), 0);
	expect_dirty(63, 64, "across a bitmap word");
	cr_assert_eq(vmem_write(m, 129 * P + 10, buf, P), 0);
	expect_dirty(129, 130, "across the regions");
	cr_assert_eq(vmem_write(m, 259 * P, buf, P), 0);
	expect_dirty(259, 259, "last page of the last partial word");
	cr_assert_eq(vmem_write(m, 259 * P, buf, P + 1), -EFAULT);
	expect_dirty(NONE, "failed write");
}

Test(dirty, typed_volatile_fill)
{
	cr_assert_eq(vmem_write_u8(m, 3 * P, 1), 0);
	expect_dirty(3, 3, "u8");
	cr_assert_eq(vmem_write_u16_le(m, 4 * P - 1, 1), 0);
	expect_dirty(3, 4, "u16 across pages");
	cr_assert_eq(vmem_write_u32_le(m, 130 * P - 2, 1), 0);
	expect_dirty(129, 130, "u32 across regions");
	cr_assert_eq(vmem_write_u64_le(m, 200 * P, 1), 0);
	expect_dirty(200, 200, "u64");
	char buf[300];
	cr_assert_eq(vmem_write_volatile(m, 100 * P - 100, buf, 300), 0);
	expect_dirty(99, 100, "volatile");
	cr_assert_eq(vmem_fill(m, 10 * P, 0, 10 * P), 0);
	expect_dirty(10, 19, "fill");
}

Test(dirty, atomics)
{
	cr_assert_eq(vmem_atomic_store_u8(m, 1 * P + 1, 1, VMEM_RELAXED), 0);
	expect_dirty(1, 1, "store u8");
	cr_assert_eq(vmem_atomic_store_u16(m, 2 * P, 1, VMEM_RELEASE), 0);
	expect_dirty(2, 2, "store u16");
	cr_assert_eq(vmem_atomic_store_u32(m, 3 * P, 1, VMEM_SEQ_CST), 0);
	expect_dirty(3, 3, "store u32");
	cr_assert_eq(vmem_atomic_store_u64(m, 4 * P, 1, VMEM_RELEASE), 0);
	expect_dirty(4, 4, "store u64");
	uint64_t e = 1;
	cr_assert_eq(vmem_atomic_cmpxchg_u64(m, 4 * P, &e, 5, VMEM_ACQ_REL), 1);
	expect_dirty(4, 4, "cmpxchg u64");
	uint8_t e8 = 0;
	cr_assert_eq(vmem_atomic_cmpxchg_u8(m, 5 * P, &e8, 5, VMEM_ACQ_REL), 1);
	expect_dirty(5, 5, "cmpxchg u8");
	cr_assert_eq(vmem_atomic_fetch_add_u16(m, 6 * P, 1, NULL, VMEM_RELAXED), 0);
	expect_dirty(6, 6, "fetch_add u16");
	cr_assert_eq(vmem_atomic_fetch_add_u32(m, 7 * P, 1, NULL, VMEM_RELAXED), 0);
	expect_dirty(7, 7, "fetch_add u32");
	cr_assert_eq(vmem_atomic_fetch_add_u64(m, 8 * P, 1, NULL, VMEM_RELAXED), 0);
	expect_dirty(8, 8, "fetch_add u64");
}

Test(dirty, slices_and_explicit_marks)
{
	struct vmem_slice s, t;
	cr_assert_eq(vmem_slice(m, 140 * P, 10 * P, VMEM_ACCESS_WRITE, &s), 0);
	memset(s.host, 1, 10 * P);
	expect_dirty(NONE, "plain stores through a slice are not tracked");
	cr_assert_eq(vmem_slice_mark_dirty(&s, 0, 10 * P), 0);
	expect_dirty(140, 149, "slice_mark_dirty");
	cr_assert_eq(vmem_slice_write(&s, 3 * P + 1, "x", 1), 0);
	expect_dirty(143, 143, "slice_write");
	cr_assert_eq(vmem_slice_sub(&s, 5 * P, 2 * P, &t), 0);
	cr_assert_eq(vmem_slice_write(&t, P, "x", 1), 0);
	expect_dirty(146, 146, "sub-slice write");
	cr_assert_eq(vmem_slice_mark_dirty(&s, 10 * P, 1), -EFAULT);
	cr_assert_eq(vmem_dirty_mark(m, 120 * P, 20 * P), 0);
	expect_dirty(120, 139, "dirty_mark across regions");
	cr_assert_eq(vmem_dirty_mark(m, 255 * P, 10 * P), -EFAULT);
	expect_dirty(NONE, "failed mark");
}

Test(dirty, fd_reads_mark_what_they_read)
{
	char path[] = "/tmp/cvmm-dirty-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	static char data[8 * 4096];
	memset(data, 7, sizeof(data));
	cr_assert_eq(write(fd, data, 3 * P), (ssize_t)(3 * P));
	cr_assert_eq(vmem_read_from_fd(m, 20 * P, fd, 0, 2 * P), (ssize_t)(2 * P));
	expect_dirty(20, 21, "pread");
	/* Short read at end of file: only the bytes read are marked. */
	cr_assert_eq(vmem_read_from_fd(m, 30 * P, fd, (off_t)(2 * P + 10), 5 * P),
	             (ssize_t)(P - 10));
	expect_dirty(30, 30, "short pread");
	struct vmem_range rs[] = {{40 * P, 10}, {129 * P + 5, P}, {250 * P, 100}};
	cr_assert_eq(vmem_readv_from_fd(m, rs, 3, fd, 0), (ssize_t)(P + 110));
	cr_assert(vmem_dirty_test(m, 40 * P));
	cr_assert(vmem_dirty_test(m, 129 * P));
	cr_assert(vmem_dirty_test(m, 130 * P));
	cr_assert(vmem_dirty_test(m, 250 * P));
	cr_assert_eq(vmem_dirty_count(r0) + vmem_dirty_count(r1), 4);
	vmem_dirty_reset_all(m);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(vmem_read_from_fd(m, 60 * P, fd, VMEM_FD_CUR, P), (ssize_t)P);
	expect_dirty(60, 60, "read at the file position");
	close(fd);
}

Test(dirty, untracked_region_does_nothing)
{
	cr_assert_eq(vmem_write_u32_le(m, 1024 * P, 1), 0);
	cr_assert_not(vmem_dirty_test(m, 1024 * P));
	cr_assert_eq(vmem_dirty_count(ru), 0);
	cr_assert_eq(vmem_dirty_get_and_reset(ru, NULL, 0), 0);
	uint64_t k = ~0ull;
	cr_assert_eq(vmem_dirty_merge(ru, &k, 1), 0);
	cr_assert_not(vmem_dirty_test(m, 1024 * P));
	cr_assert_not(vmem_dirty_test(m, 2000 * P), "unmapped");
}

Test(dirty, get_and_reset)
{
	cr_assert_eq(vmem_write_u8(m, 0, 1), 0);
	cr_assert_eq(vmem_write_u8(m, 65 * P, 1), 0);
	cr_assert_eq(vmem_write_u8(m, 129 * P, 1), 0);
	uint64_t bm[4];
	memset(bm, 0xff, sizeof(bm));
	cr_assert_eq(vmem_dirty_get_and_reset(r0, bm, 2), -EINVAL, "too small");
	cr_assert_eq(vmem_dirty_get_and_reset(r0, bm, 4), 0);
	cr_assert_eq(bm[0], 1);
	cr_assert_eq(bm[1], 2);
	cr_assert_eq(bm[2], 1ull << 1);
	cr_assert_eq(bm[3], 0, "words past the bitmap are zeroed");
	cr_assert_eq(vmem_dirty_count(r0), 0);
	cr_assert_eq(vmem_dirty_get_and_reset(r0, bm, 3), 0);
	cr_assert_eq(bm[0] | bm[1] | bm[2], 0);
}

Test(dirty, merge_kvm_bitmap)
{
	cr_assert_eq(vmem_write_u8(m, 2 * P, 1), 0);                  /* the VMM dirtied page 2 */
	uint64_t kvm[3] = {1ull << 9 | 1ull << 2, 1ull << 63, ~0ull}; /* the guest: 2, 9, 127,
	                                                                   128..129 (+ junk) */
	cr_assert_eq(vmem_dirty_merge(r0, kvm, 2), -EINVAL);
	cr_assert_eq(vmem_dirty_merge(r0, kvm, 3), 0);
	cr_assert_eq(vmem_dirty_count(r0), 5, "bits past the last page are dropped");
	uint64_t bm[3];
	cr_assert_eq(vmem_dirty_get_and_reset(r0, bm, 3), 0);
	cr_assert_eq(bm[0], 1ull << 9 | 1ull << 2);
	cr_assert_eq(bm[1], 1ull << 63);
	cr_assert_eq(bm[2], 3);
	cr_assert_eq(vmem_dirty_merge(r0, NULL, 3), -EINVAL);
}

struct marker {
	int id;
	unsigned rounds;
	unsigned errors;
};

static void *mark_pages(void *arg)
{
	struct marker *k = arg;
	/* Thread id writes every page whose number % 4 == id, many times. */
	for (unsigned r = 0; r < k->rounds; r++)
		for (uint64_t p = (uint64_t)k->id; p < 260; p += 4)
			k->errors += vmem_write_u8(m, p * P + r % P, (uint8_t)r) != 0;
	return NULL;
}

Test(dirty, concurrent_marks_and_harvests_lose_nothing)
{
	pthread_t t[4];
	struct marker k[4];
	for (int i = 0; i < 4; i++) {
		k[i] = (struct marker){.id = i, .rounds = 200};
		cr_assert_eq(pthread_create(&t[i], NULL, mark_pages, &k[i]), 0);
	}
	/* Harvest while they write; the union of all harvests must be every page. */
	uint64_t seen0[3] = {0}, seen1[3] = {0}, bm[3];
	for (int h = 0; h < 200; h++) {
		cr_assert_eq(vmem_dirty_get_and_reset(r0, bm, 3), 0);
		for (int w = 0; w < 3; w++)
			seen0[w] |= bm[w];
		cr_assert_eq(vmem_dirty_get_and_reset(r1, bm, 3), 0);
		for (int w = 0; w < 3; w++)
			seen1[w] |= bm[w];
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(k[i].errors, 0);
	}
	cr_assert_eq(vmem_dirty_get_and_reset(r0, bm, 3), 0);
	for (int w = 0; w < 3; w++)
		seen0[w] |= bm[w];
	cr_assert_eq(vmem_dirty_get_and_reset(r1, bm, 3), 0);
	for (int w = 0; w < 3; w++)
		seen1[w] |= bm[w];
	cr_assert_eq(seen0[0], ~0ull);
	cr_assert_eq(seen0[1], ~0ull);
	cr_assert_eq(seen0[2], 3);
	cr_assert_eq(seen1[0], ~0ull);
	cr_assert_eq(seen1[1], ~0ull);
	cr_assert_eq(seen1[2], 3);
}
