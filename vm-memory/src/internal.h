/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vm-memory's private header: the region and map structures and the helpers the
 * library's files share. Not installed.
 */
#ifndef CVMM_VM_MEMORY_INTERNAL_H
#define CVMM_VM_MEMORY_INTERNAL_H

#include <cvmm/vm_memory.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

#define VMEM_ALL_FLAGS                                                                             \
	(VMEM_REGION_SHARED | VMEM_REGION_HUGETLB | VMEM_REGION_THP | VMEM_REGION_READONLY |       \
	 VMEM_REGION_TRACK_DIRTY)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct vmem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t last; /* gpa + size - 1: never overflows */
	uint8_t *host;
	void *reservation; /* the whole PROT_NONE reservation, guards included */
	size_t reservation_len;
	size_t guard;
	uint32_t flags;
	uint32_t slot;
	int fd;
	uint64_t fd_offset;
	uint64_t *dirty; /* NULL without VMEM_REGION_TRACK_DIRTY */
	size_t dirty_words;
	uint64_t pages;
	struct vmem_map *owner;
};

/* What a translation needs, packed apart from the search keys. */
struct vmem_entry {
	uint64_t start;
	uint64_t last;
	uint8_t *host;
	struct vmem_region *r;
};

struct vmem_map {
	size_t n;
	size_t cap;
	uint64_t *starts; /* sorted search keys: starts[i] == ents[i].start */
	struct vmem_entry *ents;
};

static inline unsigned page_shift(void)
{
	return (unsigned)__builtin_ctzl(vmem_page_size());
}

/* Index of the region holding gpa, or -1. Branch-free binary search over the keys. */
static inline long find_idx(const struct vmem_map *m, uint64_t gpa)
{
	size_t n = m->n;
	if (unlikely(!n))
		return -1;
	const uint64_t *base = m->starts;
	while (n > 1) {
		size_t half = n / 2;
		base = (base[half] <= gpa) ? base + half : base;
		n -= half;
	}
	if (*base > gpa)
		return -1;
	long i = base - m->starts;
	return gpa <= m->ents[i].last ? i : -1;
}

/* Whether [gpa, gpa + len) (gpa inside e, len > 0) ends inside e. */
static inline bool fits(const struct vmem_entry *e, uint64_t gpa, uint64_t len)
{
	return len - 1 <= e->last - gpa;
}

static inline const struct vmem_entry *lookup(const struct vmem_map *m, uint64_t gpa)
{
	long i = find_idx(m, gpa);
	return i < 0 ? NULL : &m->ents[i];
}

/* Marks the pages of [off, off + len) of region r (len > 0, inside the region) dirty. */
void vmem_mark_dirty(const struct vmem_region *r, uint64_t off, uint64_t len);

/* Checks [gpa, gpa + len) (len > 0) for an access (write: a write); on success *first is
   the index of its first region. -EOVERFLOW, -EFAULT or -EACCES otherwise. */
int vmem_check_range_first(const struct vmem_map *m, uint64_t gpa, size_t len, bool write,
                           size_t *first);

#endif
