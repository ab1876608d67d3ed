/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM to a sparse file (vm_memory.h, snapshots): each page that holds data is
 * written at its place, a page of zeros is left as a hole, and a page the process never
 * touched is not even read: /proc/self/pagemap says it is neither present nor swapped
 * (for a private file mapping, its file must also have a hole there).
 */
#define _GNU_SOURCE
#include "internal.h"

/* Pages written with one pwrite at most: long runs of data go out in 1 MiB writes. */
#define SAVE_RUN_MAX (1024u * 1024u)
/* pagemap entries read at a time (8 bytes each). */
#define PAGEMAP_CHUNK 4096u
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

/* Writes len bytes at buf to fd at off, retrying short writes and EINTR. */
static int write_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;

	for (size_t i = 0; i < len / sizeof(*w); i += 4)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
			return false;
	return true;
}

/*
 * Whether the backing file of a private file mapping has data at off: a hole reads as
 * zeros. The walk remembers the run (of data or of hole) it last found, so that it asks
 * lseek() once per run, not once per page.
 */
struct file_walk {
	int fd;
	off_t run_start, run_end; /* [run_start, run_end) is all data or all hole */
	bool run_is_data;
};

static bool file_has_data(struct file_walk *fw, off_t off)
{
	if (off >= fw->run_start && off < fw->run_end)
		return fw->run_is_data;
	off_t data = lseek(fw->fd, off, SEEK_DATA);
	if (data < 0) {
		/* ENXIO: no data from off to the end; anything else: assume data (read it). */
		fw->run_is_data = errno != ENXIO;
		fw->run_start = off;
		fw->run_end = fw->run_is_data ? off + 1 : INT64_MAX;
		return fw->run_is_data;
	}
	if (data > off) {
		fw->run_is_data = false;
		fw->run_start = off;
		fw->run_end = data;
		return false;
	}
	off_t hole = lseek(fw->fd, off, SEEK_HOLE);
	fw->run_is_data = true;
	fw->run_start = off;
	fw->run_end = hole > off ? hole : off + 1;
	return true;
}

/* The pagemap entries of count pages from host address addr, into out; false when they
   cannot be read (then every page counts as touched). */
static bool read_pagemap(int pagemap_fd, const uint8_t *addr, size_t count, uint64_t *out)
{
	const size_t pg = vmem_page_size();
	size_t len = count * sizeof(*out), got = 0;
	off_t off = (off_t)((uintptr_t)addr / pg * sizeof(*out));

	while (pagemap_fd >= 0 && got < len) {
		ssize_t n = pread(pagemap_fd, (uint8_t *)out + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return pagemap_fd >= 0;
}

static int save_region(const struct vmem_region *r, int fd, off_t base, int pagemap_fd,
                       struct vmem_save_stats *st)
{
	const size_t pg = vmem_page_size();
	const size_t npages = (size_t)(r->size / pg);
	struct file_walk fw = {.fd = r->fd, .run_start = 0, .run_end = 0};
	uint64_t *pm = malloc(PAGEMAP_CHUNK * sizeof(*pm));
	bool pm_ok = false;
	size_t run = 0; /* pages of data pending at [i - run, i) */
	int ret = 0;

	if (!pm)
		return -ENOMEM;
	/* Hugetlb and shared mappings: every page counts as touched (read them all). */
	bool use_pagemap = !(r->flags & (VMEM_REGION_HUGETLB | VMEM_REGION_SHARED));

	for (size_t i = 0; i <= npages && ret == 0; i++) {
		bool data = false;
		if (i < npages) {
			if (i % PAGEMAP_CHUNK == 0)
				pm_ok = use_pagemap &&
				        read_pagemap(pagemap_fd, r->host + i * pg,
				                     npages - i < PAGEMAP_CHUNK ? npages - i
				                                                : PAGEMAP_CHUNK,
				                     pm);
			bool touched =
			    !pm_ok || (pm[i % PAGEMAP_CHUNK] & (PM_PRESENT | PM_SWAPPED));
			bool absent =
			    !touched &&
			    (r->fd < 0 || !file_has_data(&fw, (off_t)(r->fd_offset + i * pg)));
			if (absent)
				st->absent_pages++;
			else if (page_is_zero(r->host + i * pg, pg))
				st->zero_pages++;
			else
				data = true;
		}
		if (data && (run + 1) * pg <= SAVE_RUN_MAX) {
			run++;
			continue;
		}
		if (run) {
			size_t first = i - run;
			ret = write_all(fd, r->host + first * pg, run * pg,
			                base + (off_t)(first * pg));
			st->written_bytes += ret == 0 ? run * pg : 0;
		}
		run = data ? 1 : 0;
	}
	free(pm);
	return ret;
}

uint64_t vmem_map_save_size(const struct vmem_map *m)
{
	uint64_t total = 0;

	for (size_t i = 0; m && i < vmem_map_region_count(m); i++)
		total += vmem_region_size(vmem_map_region_at(m, i));
	return total;
}

int vmem_map_save(const struct vmem_map *m, int fd, off_t offset, int pagemap_fd,
                  struct vmem_save_stats *stats)
{
	struct vmem_save_stats st = {0};
	off_t pos = offset;
	int ret = 0;

	if (!m || offset < 0 || (uint64_t)offset % vmem_page_size())
		return -EINVAL;
	for (size_t i = 0; ret == 0 && i < vmem_map_region_count(m); i++) {
		const struct vmem_region *r = vmem_map_region_at(m, i);
		ret = save_region(r, fd, pos, pagemap_fd, &st);
		pos += (off_t)r->size;
	}
	if (ret == 0 && ftruncate(fd, pos) < 0)
		ret = -errno;
	st.ram_bytes = (uint64_t)(pos - offset);
	if (stats)
		*stats = st;
	return ret;
}
