/* SPDX-License-Identifier: Apache-2.0 */
/* Guest RAM to a sparse file and back: what is written, what is left as holes, what is
   never read, and a private mapping of the file that gives the same RAM back. */
#define _GNU_SOURCE
#include "helpers.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define P PG
#define HEADER (64 * 1024) /* a snapshot file's header before the RAM */

static int temp_file(void)
{
	char path[] = "/var/tmp/cvmm-save-XXXXXX";
	int f = mkstemp(path);
	cr_assert_geq(f, 0);
	unlink(path);
	return f;
}

/* /proc/self/pagemap, opened once: which pages were ever touched. */
static int pagemap(void)
{
	static int fd = -1;
	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "cannot open /proc/self/pagemap");
	return fd;
}

/* Two regions, 64 pages and 32 pages, with a gap between them. */
static struct vmem_map *two_regions(void)
{
	const uint64_t regs[][2] = {{0x100000, 64 * P}, {0x400000, 32 * P}};
	return map_with(0, 2, regs);
}

/* Page i of region r gets a pattern; a few pages get zeros written (resident, zero). */
static void fill(struct vmem_map *m)
{
	static const unsigned data_pages[] = {0, 1, 2, 10, 63};
	static const unsigned zero_pages[] = {5, 6};
	uint8_t *buf = malloc(P);
	for (size_t k = 0; k < sizeof(data_pages) / sizeof(*data_pages); k++) {
		memset(buf, 0xa0 + (int)k, P);
		cr_assert_eq(vmem_write(m, 0x100000 + data_pages[k] * P, buf, P), 0);
	}
	memset(buf, 0, P);
	for (size_t k = 0; k < 2; k++)
		cr_assert_eq(vmem_write(m, 0x100000 + zero_pages[k] * P, buf, P), 0);
	/* One byte in the second region's last page. */
	cr_assert_eq(vmem_write_u8(m, 0x400000 + 32 * P - 1, 0x5a), 0);
	free(buf);
}

/* Compares the file's RAM part with the map, page by page. */
static void assert_file_matches(int fd, off_t offset, const struct vmem_map *m)
{
	uint8_t *a = malloc(P), *b = malloc(P);
	off_t pos = offset;
	for (size_t i = 0; i < vmem_map_region_count(m); i++) {
		const struct vmem_region *r = vmem_map_region_at(m, i);
		for (uint64_t o = 0; o < vmem_region_size(r); o += P, pos += (off_t)P) {
			cr_assert_eq(pread(fd, a, P, pos), (ssize_t)P);
			cr_assert_eq(vmem_read(m, vmem_region_gpa(r) + o, b, P), 0);
			cr_assert_eq(memcmp(a, b, P), 0, "page at %#llx differs",
			             (unsigned long long)(vmem_region_gpa(r) + o));
		}
	}
	free(a);
	free(b);
}

Test(vm_memory_save, writes_data_pages_and_leaves_the_rest_as_holes)
{
	struct vmem_map *m = two_regions();
	fill(m);
	int fd = temp_file();
	struct vmem_save_stats st;

	cr_assert_eq(ftruncate(fd, HEADER), 0);
	cr_assert_eq(vmem_map_save(m, fd, HEADER, pagemap(), &st), 0);
	cr_assert_eq(st.ram_bytes, 96 * P);
	cr_assert_eq(vmem_map_save_size(m), 96 * P);
	cr_assert_eq(st.written_bytes, 6 * P, "data pages: 5 in the first region, 1 in the second");
	cr_assert_eq(st.zero_pages, 2, "the two pages written with zeros are read and skipped");
	cr_assert_eq(st.absent_pages, 96 - 8, "pages never touched are not read");

	struct stat sb;
	cr_assert_eq(fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_size, (off_t)(HEADER + 96 * P));
	/* Holes: the file's allocation is the data pages (file systems may round up). */
	cr_assert_leq((uint64_t)sb.st_blocks * 512, 6 * P + 64 * 1024, "allocated %lld bytes",
	              (long long)sb.st_blocks * 512);
	assert_file_matches(fd, HEADER, m);
	close(fd);
	vmem_map_destroy(m);
}

/* Restore by mapping the file privately: the same bytes, reads do not fault in what was
   never written, and the guest's writes stay out of the file. */
static struct vmem_map *map_file(int fd, off_t offset)
{
	struct vmem_map *m = NULL;
	const uint64_t regs[][2] = {{0x100000, 64 * P}, {0x400000, 32 * P}};
	cr_assert_eq(vmem_map_create(&m), 0);
	for (size_t i = 0; i < 2; i++) {
		struct vmem_region_options o = {.gpa = regs[i][0],
		                                .size = regs[i][1],
		                                .backing = VMEM_BACKING_FD,
		                                .fd = fd,
		                                .fd_offset = (uint64_t)offset};
		cr_assert_eq(vmem_map_add(m, &o, NULL), 0);
		offset += (off_t)regs[i][1];
	}
	return m;
}

Test(vm_memory_save, a_private_mapping_of_the_file_restores_ram)
{
	struct vmem_map *m = two_regions();
	fill(m);
	int fd = temp_file();
	cr_assert_eq(ftruncate(fd, HEADER), 0);
	cr_assert_eq(vmem_map_save(m, fd, HEADER, pagemap(), NULL), 0);

	struct vmem_map *back = map_file(fd, HEADER);

	/* Saved again before the restored guest touched anything: only the file's data pages
	   are read; its holes are skipped unread. */
	int fd2 = temp_file();
	struct vmem_save_stats st;
	cr_assert_eq(vmem_map_save(back, fd2, 0, pagemap(), &st), 0);
	cr_assert_eq(st.written_bytes, 6 * P);
	cr_assert_eq(st.absent_pages, 96 - 6, "holes of the backing file are not read (%llu, %llu)",
	             (unsigned long long)st.absent_pages, (unsigned long long)st.zero_pages);
	assert_file_matches(fd2, 0, back);

	uint8_t a[64], b[64];
	for (uint64_t gpa = 0x100000; gpa < 0x100000 + 64 * P; gpa += P) {
		cr_assert_eq(vmem_read(m, gpa, a, sizeof(a)), 0);
		cr_assert_eq(vmem_read(back, gpa, b, sizeof(b)), 0);
		cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
	}
	uint8_t v;
	cr_assert_eq(vmem_read_u8(back, 0x400000 + 32 * P - 1, &v), 0);
	cr_assert_eq(v, 0x5a);

	/* The restored guest writes: the file keeps the snapshot, a new save has the byte. */
	cr_assert_eq(vmem_write_u8(back, 0x100000, 0x11), 0);
	cr_assert_eq(pread(fd, &v, 1, HEADER), 1);
	cr_assert_eq(v, 0xa0);
	cr_assert_eq(ftruncate(fd2, 0), 0);
	cr_assert_eq(vmem_map_save(back, fd2, 0, pagemap(), &st), 0);
	assert_file_matches(fd2, 0, back);
	cr_assert_eq(pread(fd2, &v, 1, 0), 1);
	cr_assert_eq(v, 0x11);
	cr_assert_eq(st.written_bytes, 6 * P);

	close(fd2);
	vmem_map_destroy(back);
	close(fd);
	vmem_map_destroy(m);
}

/* Without the pagemap every page is read: the same file, nothing skipped unread; and a
   page swapped out (or otherwise not resident) is never taken for one never touched. */
Test(vm_memory_save, without_the_pagemap_every_page_is_read)
{
	struct vmem_map *m = two_regions();
	fill(m);
	int fd = temp_file();
	struct vmem_save_stats st;

	cr_assert_eq(vmem_map_save(m, fd, 0, -1, &st), 0);
	cr_assert_eq(st.absent_pages, 0);
	cr_assert_eq(st.written_bytes, 6 * P);
	cr_assert_eq(st.zero_pages, 96 - 6);
	assert_file_matches(fd, 0, m);
	close(fd);
	vmem_map_destroy(m);
}

/* A snapshot of a guest larger than the host's memory still maps: the private mapping is
   not charged up front (a 2 GiB snapshot was refused on a 1.5 GiB host before), and only
   the pages touched cost memory. The file is sparse: 64 GiB of holes and one page. */
Test(vm_memory_save, a_snapshot_larger_than_host_memory_maps)
{
	const uint64_t size = 64ull << 30;
	int fd = temp_file();
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	cr_assert_eq(pwrite(fd, "x", 1, (off_t)(size - P)), 1);
	struct vmem_map *m = NULL;
	struct vmem_region_options o = {
	    .gpa = 0x80000000ull, .size = size, .backing = VMEM_BACKING_FD, .fd = fd};
	cr_assert_eq(vmem_map_create(&m), 0);
	int r = vmem_map_add(m, &o, NULL);
	cr_assert_eq(r, 0, "mapping a 64 GiB snapshot privately: %s", strerror(-r));
	uint8_t v = 0;
	cr_assert_eq(vmem_read_u8(m, 0x80000000ull + size - P, &v), 0);
	cr_assert_eq(v, 'x');
	cr_assert_eq(vmem_write_u8(m, 0x80000000ull, 7), 0, "copy-on-write of one page");
	vmem_map_destroy(m);
	close(fd);
}

Test(vm_memory_save, refuses_bad_arguments_and_reports_write_errors)
{
	struct vmem_map *m = two_regions();
	fill(m);
	int fd = temp_file();

	cr_assert_eq(vmem_map_save(NULL, fd, 0, -1, NULL), -EINVAL);
	cr_assert_eq(vmem_map_save(m, fd, -4096, -1, NULL), -EINVAL);
	cr_assert_eq(vmem_map_save(m, fd, 100, -1, NULL), -EINVAL, "offset not page-aligned");

	/* A descriptor open for reading only: the first write fails and says so. */
	char path[] = "/var/tmp/cvmm-save-ro-XXXXXX";
	int w = mkstemp(path);
	cr_assert_geq(w, 0);
	int ro = open(path, O_RDONLY);
	unlink(path);
	cr_assert_eq(vmem_map_save(m, ro, 0, -1, NULL), -EBADF);
	close(ro);
	close(w);

	/* An empty map saves an empty file. */
	struct vmem_map *empty = NULL;
	struct vmem_save_stats st;
	cr_assert_eq(vmem_map_create(&empty), 0);
	cr_assert_eq(vmem_map_save(empty, fd, 0, -1, &st), 0);
	cr_assert_eq(st.ram_bytes, 0);
	vmem_map_destroy(empty);
	close(fd);
	vmem_map_destroy(m);
}
