// SPDX-License-Identifier: Apache-2.0
/*
 * cvmm vm-memory: regions with guard pages, the guest memory map, checked access,
 * atomics, slices, fd transfers and dirty tracking. See include/cvmm/vm_memory.h.
 */
#define _GNU_SOURCE
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
	(VMEM_REGION_SHARED | VMEM_REGION_HUGETLB | VMEM_REGION_THP | VMEM_REGION_READONLY |        \
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
	uint64_t *starts;          /* sorted search keys: starts[i] == ents[i].start */
	struct vmem_entry *ents;
};

/* ------------------------------------------------------------------------------------- */
/* Page sizes                                                                             */
/* ------------------------------------------------------------------------------------- */

static size_t page_size_cache;
static size_t huge_size_cache;

size_t vmem_page_size(void)
{
	size_t p = __atomic_load_n(&page_size_cache, __ATOMIC_RELAXED);
	if (likely(p))
		return p;
	long v = sysconf(_SC_PAGESIZE);
	p = v > 0 ? (size_t)v : 4096;
	__atomic_store_n(&page_size_cache, p, __ATOMIC_RELAXED);
	return p;
}

static inline unsigned page_shift(void)
{
	return (unsigned)__builtin_ctzl(vmem_page_size());
}

size_t vmem_huge_page_size(void)
{
	size_t h = __atomic_load_n(&huge_size_cache, __ATOMIC_RELAXED);
	if (h)
		return h;
	h = 2u << 20;
	FILE *f = fopen("/proc/meminfo", "re");
	if (f) {
		char line[128];
		unsigned long kb;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1 && kb &&
			    !(kb & (kb - 1))) {
				h = (size_t)kb << 10;
				break;
			}
		}
		fclose(f);
	}
	__atomic_store_n(&huge_size_cache, h, __ATOMIC_RELAXED);
	return h;
}

/* ------------------------------------------------------------------------------------- */
/* Dirty bitmap primitives                                                                */
/* ------------------------------------------------------------------------------------- */

/* Marks the pages of [off, off + len) of region r (len > 0, inside the region). */
static void mark_dirty(const struct vmem_region *r, uint64_t off, uint64_t len)
{
	uint64_t *bm = r->dirty;
	if (!bm)
		return;
	unsigned sh = page_shift();
	uint64_t first = off >> sh;
	uint64_t lastp = (off + len - 1) >> sh;
	uint64_t w = first >> 6, wl = lastp >> 6;
	for (; w <= wl; w++) {
		uint64_t lo = (w == first >> 6) ? (first & 63) : 0;
		uint64_t hi = (w == wl) ? (lastp & 63) : 63;
		uint64_t mask = (hi == 63 ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
		/* Unconditional RMW: a check-then-set could lose a mark against a concurrent
		   get-and-reset (the data store may become visible after the check). */
		__atomic_fetch_or(&bm[w], mask, __ATOMIC_RELEASE);
	}
}

/* ------------------------------------------------------------------------------------- */
/* Regions                                                                                */
/* ------------------------------------------------------------------------------------- */

int vmem_region_create(const struct vmem_region_options *o, struct vmem_region **out)
{
	if (!o || !out)
		return -EINVAL;
	*out = NULL;
	if (o->flags & ~(uint32_t)VMEM_ALL_FLAGS)
		return -EINVAL;
	if (o->backing != VMEM_BACKING_ANON && o->backing != VMEM_BACKING_MEMFD &&
	    o->backing != VMEM_BACKING_FD)
		return -EINVAL;

	bool huge = o->flags & VMEM_REGION_HUGETLB;
	uint64_t align = huge ? vmem_huge_page_size() : vmem_page_size();
	if (!o->size || (o->gpa & (align - 1)) || (o->size & (align - 1)))
		return -EINVAL;
	uint64_t last;
	if (__builtin_add_overflow(o->gpa, o->size - 1, &last))
		return -EINVAL;
	/* The reservation must fit in the address space. */
	if (o->size > (uint64_t)SIZE_MAX - 3 * align)
		return -ENOMEM;

	struct vmem_region *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->gpa = o->gpa;
	r->size = o->size;
	r->last = last;
	r->flags = o->flags;
	r->slot = VMEM_NO_SLOT;
	r->fd = -1;
	r->guard = align;
	int rc;

	switch (o->backing) {
	case VMEM_BACKING_FD: {
		if (o->fd < 0 || (o->fd_offset & (align - 1)) || o->fd_offset > (uint64_t)INT64_MAX ||
		    o->size > (uint64_t)INT64_MAX - o->fd_offset) {
			rc = -EINVAL;
			goto fail;
		}
		struct stat st;
		if (fstat(o->fd, &st) < 0) {
			rc = -errno;
			goto fail;
		}
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < o->fd_offset + o->size) {
			rc = -EINVAL;
			goto fail;
		}
		r->fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 0);
		if (r->fd < 0) {
			rc = -errno;
			goto fail;
		}
		r->fd_offset = o->fd_offset;
		break;
	}
	case VMEM_BACKING_MEMFD:
		r->fd = memfd_create(o->name ? o->name : "cvmm-guest-mem",
				     MFD_CLOEXEC | (huge ? MFD_HUGETLB : 0));
		if (r->fd < 0) {
			rc = -errno;
			goto fail;
		}
		if (ftruncate(r->fd, (off_t)o->size) < 0) {
			rc = -errno;
			goto fail;
		}
		break;
	case VMEM_BACKING_ANON:
		break;
	}

	/* Reserve [guard | region | guard] (plus slack to align for huge pages), then map
	   the region over the middle; the guards stay PROT_NONE. */
	r->reservation_len = o->size + 2 * align + (huge ? align : 0);
	r->reservation = mmap(NULL, r->reservation_len, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->reservation == MAP_FAILED) {
		r->reservation = NULL;
		rc = -errno;
		goto fail;
	}
	uintptr_t base = ((uintptr_t)r->reservation + align - 1) & ~(uintptr_t)(align - 1);
	r->host = (uint8_t *)(base + align);

	int prot = (o->flags & VMEM_REGION_READONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	int mflags = MAP_FIXED | ((o->flags & VMEM_REGION_SHARED) ? MAP_SHARED : MAP_PRIVATE);
	void *p;
	if (r->fd < 0) {
		/* Huge pages are reserved at mmap time (so a shortage fails here, not as a
		   SIGBUS later): no MAP_NORESERVE for them. */
		mflags |= MAP_ANONYMOUS | (huge ? MAP_HUGETLB : MAP_NORESERVE);
		p = mmap(r->host, o->size, prot, mflags, -1, 0);
	} else {
		p = mmap(r->host, o->size, prot, mflags, r->fd, (off_t)r->fd_offset);
	}
	if (p == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	if (o->flags & VMEM_REGION_THP)
		(void)madvise(r->host, o->size, MADV_HUGEPAGE);

	r->pages = o->size >> page_shift();
	if (o->flags & VMEM_REGION_TRACK_DIRTY) {
		r->dirty_words = (r->pages + 63) / 64;
		r->dirty = calloc(r->dirty_words, sizeof(uint64_t));
		if (!r->dirty) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	*out = r;
	return 0;

fail:
	vmem_region_destroy(r);
	return rc;
}

void vmem_region_destroy(struct vmem_region *r)
{
	if (!r)
		return;
	if (r->reservation)
		munmap(r->reservation, r->reservation_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->dirty);
	free(r);
}

uint64_t vmem_region_gpa(const struct vmem_region *r)
{
	return r->gpa;
}

uint64_t vmem_region_size(const struct vmem_region *r)
{
	return r->size;
}

void *vmem_region_host(const struct vmem_region *r)
{
	return r->host;
}

uint32_t vmem_region_flags(const struct vmem_region *r)
{
	return r->flags;
}

uint32_t vmem_region_slot(const struct vmem_region *r)
{
	return r->slot;
}

int vmem_region_fd(const struct vmem_region *r)
{
	return r->fd;
}

void vmem_region_get_info(const struct vmem_region *r, struct vmem_region_info *out)
{
	out->gpa = r->gpa;
	out->size = r->size;
	out->host = r->host;
	out->flags = r->flags;
	out->slot = r->slot;
	out->fd = r->fd;
	out->fd_offset = r->fd_offset;
	out->guard_size = r->guard;
}

/* ------------------------------------------------------------------------------------- */
/* The map                                                                                */
/* ------------------------------------------------------------------------------------- */

int vmem_map_create(struct vmem_map **out)
{
	if (!out)
		return -EINVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void vmem_map_destroy(struct vmem_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		vmem_region_destroy(m->ents[i].r);
	free(m->starts);
	free(m->ents);
	free(m);
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

/* Number of regions starting below gpa. */
static size_t lower_bound(const struct vmem_map *m, uint64_t gpa)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->starts[mid] < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vmem_map_insert(struct vmem_map *m, struct vmem_region *r)
{
	if (!m || !r)
		return -EINVAL;
	if (r->owner)
		return -EBUSY;
	size_t i = lower_bound(m, r->gpa);
	if (i > 0 && m->ents[i - 1].last >= r->gpa)
		return -EEXIST;
	if (i < m->n && m->starts[i] <= r->last)
		return -EEXIST;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		uint64_t *s = realloc(m->starts, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		m->starts = s;
		struct vmem_entry *e = realloc(m->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		m->ents = e;
		m->cap = cap;
	}
	/* Smallest slot number no region of the map uses. */
	bool *used = calloc(m->n + 1, sizeof(bool));
	if (!used)
		return -ENOMEM;
	for (size_t k = 0; k < m->n; k++)
		if (m->ents[k].r->slot <= m->n)
			used[m->ents[k].r->slot] = true;
	uint32_t slot = 0;
	while (used[slot])
		slot++;
	free(used);

	memmove(&m->starts[i + 1], &m->starts[i], (m->n - i) * sizeof(*m->starts));
	memmove(&m->ents[i + 1], &m->ents[i], (m->n - i) * sizeof(*m->ents));
	m->starts[i] = r->gpa;
	m->ents[i] = (struct vmem_entry){.start = r->gpa, .last = r->last, .host = r->host, .r = r};
	m->n++;
	r->slot = slot;
	r->owner = m;
	return 0;
}

int vmem_map_remove(struct vmem_map *m, uint64_t gpa, struct vmem_region **out)
{
	if (!m)
		return -EINVAL;
	long i = find_idx(m, gpa);
	if (i < 0 || m->starts[i] != gpa)
		return -ENOENT;
	struct vmem_region *r = m->ents[i].r;
	memmove(&m->starts[i], &m->starts[i + 1], (m->n - i - 1) * sizeof(*m->starts));
	memmove(&m->ents[i], &m->ents[i + 1], (m->n - i - 1) * sizeof(*m->ents));
	m->n--;
	r->owner = NULL;
	r->slot = VMEM_NO_SLOT;
	if (out)
		*out = r;
	else
		vmem_region_destroy(r);
	return 0;
}

int vmem_map_add(struct vmem_map *m, const struct vmem_region_options *opts,
		 struct vmem_region **out)
{
	if (!m)
		return -EINVAL;
	struct vmem_region *r;
	int rc = vmem_region_create(opts, &r);
	if (rc)
		return rc;
	rc = vmem_map_insert(m, r);
	if (rc) {
		vmem_region_destroy(r);
		return rc;
	}
	if (out)
		*out = r;
	return 0;
}

int vmem_map_add_anon(struct vmem_map *m, uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct vmem_region_options o = {.gpa = gpa, .size = size, .flags = flags};
	return vmem_map_add(m, &o, NULL);
}

size_t vmem_map_region_count(const struct vmem_map *m)
{
	return m ? m->n : 0;
}

struct vmem_region *vmem_map_region_at(const struct vmem_map *m, size_t i)
{
	return (m && i < m->n) ? m->ents[i].r : NULL;
}

int vmem_map_for_each(const struct vmem_map *m, int (*fn)(struct vmem_region *r, void *opaque),
		      void *opaque)
{
	if (!m || !fn)
		return -EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		int rc = fn(m->ents[i].r, opaque);
		if (rc)
			return rc;
	}
	return 0;
}

struct vmem_region *vmem_map_find(const struct vmem_map *m, uint64_t gpa)
{
	if (!m)
		return NULL;
	const struct vmem_entry *e = lookup(m, gpa);
	return e ? e->r : NULL;
}

uint64_t vmem_map_end(const struct vmem_map *m)
{
	if (!m || !m->n)
		return 0;
	return m->ents[m->n - 1].last + 1;
}

/* ------------------------------------------------------------------------------------- */
/* Range checks and the generic walker                                                    */
/* ------------------------------------------------------------------------------------- */

/* Checks [gpa, gpa + len) (len > 0); on success *first is the index of its first region. */
static int check_range_idx(const struct vmem_map *m, uint64_t gpa, size_t len, bool write,
			   size_t *first)
{
	uint64_t last;
	if (__builtin_add_overflow(gpa, (uint64_t)len - 1, &last))
		return -EOVERFLOW;
	long i = find_idx(m, gpa);
	if (i < 0)
		return -EFAULT;
	*first = (size_t)i;
	for (;;) {
		const struct vmem_entry *e = &m->ents[i];
		if (write && (e->r->flags & VMEM_REGION_READONLY))
			return -EACCES;
		if (last <= e->last)
			return 0;
		/* last > e->last, so e->last + 1 does not wrap. */
		if ((size_t)i + 1 >= m->n || m->starts[i + 1] != e->last + 1)
			return -EFAULT;
		i++;
	}
}

int vmem_check_range(const struct vmem_map *m, uint64_t gpa, size_t len, bool write)
{
	if (!m)
		return -EINVAL;
	if (!len)
		return 0;
	size_t first;
	return check_range_idx(m, gpa, len, write, &first);
}

enum walk_op { OP_READ, OP_WRITE, OP_READ_VOL, OP_WRITE_VOL, OP_FILL };

/* Copies from volatile guest memory, one access per naturally aligned unit. */
static void vol_read(uint8_t *dst, const volatile uint8_t *src, size_t len)
{
	while (len) {
		uintptr_t a = (uintptr_t)src;
		if (!(a & 7) && len >= 8) {
			uint64_t v = *(const volatile uint64_t *)src;
			memcpy(dst, &v, 8);
			src += 8, dst += 8, len -= 8;
		} else if (!(a & 3) && len >= 4) {
			uint32_t v = *(const volatile uint32_t *)src;
			memcpy(dst, &v, 4);
			src += 4, dst += 4, len -= 4;
		} else if (!(a & 1) && len >= 2) {
			uint16_t v = *(const volatile uint16_t *)src;
			memcpy(dst, &v, 2);
			src += 2, dst += 2, len -= 2;
		} else {
			*dst++ = *src++;
			len--;
		}
	}
}

static void vol_write(volatile uint8_t *dst, const uint8_t *src, size_t len)
{
	while (len) {
		uintptr_t a = (uintptr_t)dst;
		if (!(a & 7) && len >= 8) {
			uint64_t v;
			memcpy(&v, src, 8);
			*(volatile uint64_t *)dst = v;
			src += 8, dst += 8, len -= 8;
		} else if (!(a & 3) && len >= 4) {
			uint32_t v;
			memcpy(&v, src, 4);
			*(volatile uint32_t *)dst = v;
			src += 4, dst += 4, len -= 4;
		} else if (!(a & 1) && len >= 2) {
			uint16_t v;
			memcpy(&v, src, 2);
			*(volatile uint16_t *)dst = v;
			src += 2, dst += 2, len -= 2;
		} else {
			*dst++ = *src++;
			len--;
		}
	}
}

static int walk(const struct vmem_map *m, uint64_t gpa, size_t len, enum walk_op op, void *buf,
		int c)
{
	if (!m)
		return -EINVAL;
	if (!len)
		return 0;
	bool write = op == OP_WRITE || op == OP_WRITE_VOL || op == OP_FILL;
	size_t i;
	int rc = check_range_idx(m, gpa, len, write, &i);
	if (rc)
		return rc;
	uint8_t *b = buf;
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t off = gpa - e->start;
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		uint8_t *h = e->host + off;
		switch (op) {
		case OP_READ:
			memcpy(b, h, chunk);
			break;
		case OP_WRITE:
			memcpy(h, b, chunk);
			break;
		case OP_READ_VOL:
			vol_read(b, h, chunk);
			break;
		case OP_WRITE_VOL:
			vol_write(h, b, chunk);
			break;
		case OP_FILL:
			memset(h, c, chunk);
			break;
		}
		if (op != OP_READ && op != OP_READ_VOL)
			mark_dirty(e->r, off, chunk);
		if (b)
			b += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------- */
/* Byte ranges                                                                            */
/* ------------------------------------------------------------------------------------- */

int vmem_read(const struct vmem_map *m, uint64_t gpa, void *buf, size_t len)
{
	if (likely(m && len)) {
		const struct vmem_entry *e = lookup(m, gpa);
		if (likely(e && (uint64_t)len - 1 <= e->last - gpa)) {
			memcpy(buf, e->host + (gpa - e->start), len);
			return 0;
		}
	}
	return walk(m, gpa, len, OP_READ, buf, 0);
}

int vmem_write(const struct vmem_map *m, uint64_t gpa, const void *buf, size_t len)
{
	if (likely(m && len)) {
		const struct vmem_entry *e = lookup(m, gpa);
		if (likely(e && (uint64_t)len - 1 <= e->last - gpa &&
			   !(e->r->flags & VMEM_REGION_READONLY))) {
			uint64_t off = gpa - e->start;
			memcpy(e->host + off, buf, len);
			mark_dirty(e->r, off, len);
			return 0;
		}
	}
	return walk(m, gpa, len, OP_WRITE, (void *)buf, 0);
}

int vmem_read_volatile(const struct vmem_map *m, uint64_t gpa, void *buf, size_t len)
{
	return walk(m, gpa, len, OP_READ_VOL, buf, 0);
}

int vmem_write_volatile(const struct vmem_map *m, uint64_t gpa, const void *buf, size_t len)
{
	return walk(m, gpa, len, OP_WRITE_VOL, (void *)buf, 0);
}

int vmem_fill(const struct vmem_map *m, uint64_t gpa, int c, size_t len)
{
	return walk(m, gpa, len, OP_FILL, NULL, c);
}

int vmem_dirty_mark(const struct vmem_map *m, uint64_t gpa, size_t len)
{
	if (!m)
		return -EINVAL;
	if (!len)
		return 0;
	size_t i;
	int rc = check_range_idx(m, gpa, len, false, &i);
	if (rc)
		return rc;
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		mark_dirty(e->r, gpa - e->start, chunk);
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------- */
/* Typed little-endian access                                                             */
/* ------------------------------------------------------------------------------------- */

#define TYPED(bits, rname, wname)                                                                  \
	int rname(const struct vmem_map *m, uint64_t gpa, uint##bits##_t *out)                     \
	{                                                                                          \
		if (unlikely(!out))                                                                \
			return -EINVAL;                                                            \
		const struct vmem_entry *e = m ? lookup(m, gpa) : NULL;                            \
		if (likely(e && fits(e, gpa, sizeof(*out)))) {                                     \
			memcpy(out, e->host + (gpa - e->start), sizeof(*out));                     \
			return 0;                                                                  \
		}                                                                                  \
		return walk(m, gpa, sizeof(*out), OP_READ, out, 0);                                \
	}                                                                                          \
	int wname(const struct vmem_map *m, uint64_t gpa, uint##bits##_t v)                        \
	{                                                                                          \
		const struct vmem_entry *e = m ? lookup(m, gpa) : NULL;                            \
		if (likely(e && fits(e, gpa, sizeof(v)) &&                                         \
			   !(e->r->flags & VMEM_REGION_READONLY))) {                               \
			uint64_t off = gpa - e->start;                                             \
			memcpy(e->host + off, &v, sizeof(v));                                      \
			mark_dirty(e->r, off, sizeof(v));                                          \
			return 0;                                                                  \
		}                                                                                  \
		return walk(m, gpa, sizeof(v), OP_WRITE, &v, 0);                                   \
	}

TYPED(8, vmem_read_u8, vmem_write_u8)
TYPED(16, vmem_read_u16_le, vmem_write_u16_le)
TYPED(32, vmem_read_u32_le, vmem_write_u32_le)
TYPED(64, vmem_read_u64_le, vmem_write_u64_le)

/* ------------------------------------------------------------------------------------- */
/* Atomics                                                                                */
/* ------------------------------------------------------------------------------------- */

/* Host address of an aligned object of size sz at gpa, or an error. */
static inline int atomic_target(const struct vmem_map *m, uint64_t gpa, size_t sz, bool write,
				void **host, const struct vmem_entry **ent)
{
	if (unlikely(!m))
		return -EINVAL;
	if (unlikely(gpa & (sz - 1)))
		return -EINVAL;
	const struct vmem_entry *e = lookup(m, gpa);
	/* Regions are page-aligned, so an aligned object never spans two of them. */
	if (unlikely(!e || sz - 1 > e->last - gpa))
		return -EFAULT;
	if (write && unlikely(e->r->flags & VMEM_REGION_READONLY))
		return -EACCES;
	*host = e->host + (gpa - e->start);
	*ent = e;
	return 0;
}

#define ATOMIC_OPS(S, T)                                                                              \
	int vmem_atomic_load_##S(const struct vmem_map *m, uint64_t gpa, T *out,               \
				 enum vmem_order o)                                                \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		if (unlikely(!out))                                                                \
			return -EINVAL;                                                            \
		int rc = atomic_target(m, gpa, sizeof(T), false, &h, &e);                      \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h;                                                                      \
		switch (o) {                                                                       \
		case VMEM_RELAXED:                                                                 \
			*out = __atomic_load_n(p, __ATOMIC_RELAXED);                               \
			return 0;                                                                  \
		case VMEM_ACQUIRE:                                                                 \
			*out = __atomic_load_n(p, __ATOMIC_ACQUIRE);                               \
			return 0;                                                                  \
		case VMEM_SEQ_CST:                                                                 \
			*out = __atomic_load_n(p, __ATOMIC_SEQ_CST);                               \
			return 0;                                                                  \
		default:                                                                           \
			return -EINVAL;                                                            \
		}                                                                                  \
	}                                                                                          \
	int vmem_atomic_store_##S(const struct vmem_map *m, uint64_t gpa, T v,                 \
				  enum vmem_order o)                                               \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		if (o != VMEM_RELAXED && o != VMEM_RELEASE && o != VMEM_SEQ_CST)                   \
			return -EINVAL;                                                            \
		int rc = atomic_target(m, gpa, sizeof(T), true, &h, &e);                       \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h;                                                                      \
		if (o == VMEM_RELAXED)                                                             \
			__atomic_store_n(p, v, __ATOMIC_RELAXED);                                  \
		else if (o == VMEM_RELEASE)                                                        \
			__atomic_store_n(p, v, __ATOMIC_RELEASE);                                  \
		else                                                                               \
			__atomic_store_n(p, v, __ATOMIC_SEQ_CST);                                  \
		mark_dirty(e->r, gpa - e->start, sizeof(T));                                   \
		return 0;                                                                          \
	}                                                                                          \
	int vmem_atomic_cmpxchg_##S(const struct vmem_map *m, uint64_t gpa, T *expected,       \
				    T desired, enum vmem_order o)                              \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		if (unlikely(!expected))                                                           \
			return -EINVAL;                                                            \
		int rc = atomic_target(m, gpa, sizeof(T), true, &h, &e);                       \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h;                                                                      \
		bool ok;                                                                           \
		switch (o) {                                                                       \
		case VMEM_RELAXED:                                                                 \
			ok = __atomic_compare_exchange_n(p, expected, desired, false,              \
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED);      \
			break;                                                                     \
		case VMEM_ACQUIRE:                                                                 \
			ok = __atomic_compare_exchange_n(p, expected, desired, false,              \
							 __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);      \
			break;                                                                     \
		case VMEM_RELEASE:                                                                 \
			ok = __atomic_compare_exchange_n(p, expected, desired, false,              \
							 __ATOMIC_RELEASE, __ATOMIC_RELAXED);      \
			break;                                                                     \
		case VMEM_ACQ_REL:                                                                 \
			ok = __atomic_compare_exchange_n(p, expected, desired, false,              \
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);      \
			break;                                                                     \
		case VMEM_SEQ_CST:                                                                 \
			ok = __atomic_compare_exchange_n(p, expected, desired, false,              \
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);      \
			break;                                                                     \
		default:                                                                           \
			return -EINVAL;                                                            \
		}                                                                                  \
		if (ok)                                                                            \
			mark_dirty(e->r, gpa - e->start, sizeof(T));                           \
		return ok;                                                                         \
	}

ATOMIC_OPS(u8, uint8_t)
ATOMIC_OPS(u16, uint16_t)
ATOMIC_OPS(u32, uint32_t)
ATOMIC_OPS(u64, uint64_t)

#define FETCH_ADD(S, T)                                                                            \
	int vmem_atomic_fetch_add_##S(const struct vmem_map *m, uint64_t gpa, T v, T *old,         \
				      enum vmem_order o)                                           \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		int rc = atomic_target(m, gpa, sizeof(T), true, &h, &e);                           \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h, prev;                                                                    \
		switch (o) {                                                                       \
		case VMEM_RELAXED:                                                                 \
			prev = __atomic_fetch_add(p, v, __ATOMIC_RELAXED);                         \
			break;                                                                     \
		case VMEM_ACQUIRE:                                                                 \
			prev = __atomic_fetch_add(p, v, __ATOMIC_ACQUIRE);                         \
			break;                                                                     \
		case VMEM_RELEASE:                                                                 \
			prev = __atomic_fetch_add(p, v, __ATOMIC_RELEASE);                         \
			break;                                                                     \
		case VMEM_ACQ_REL:                                                                 \
			prev = __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL);                         \
			break;                                                                     \
		case VMEM_SEQ_CST:                                                                 \
			prev = __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                         \
			break;                                                                     \
		default:                                                                           \
			return -EINVAL;                                                            \
		}                                                                                  \
		mark_dirty(e->r, gpa - e->start, sizeof(T));                                       \
		if (old)                                                                           \
			*old = prev;                                                               \
		return 0;                                                                          \
	}

FETCH_ADD(u16, uint16_t)
FETCH_ADD(u32, uint32_t)
FETCH_ADD(u64, uint64_t)

void vmem_fence(enum vmem_order o)
{
	switch (o) {
	case VMEM_RELAXED:
		break;
	case VMEM_ACQUIRE:
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		break;
	case VMEM_RELEASE:
		__atomic_thread_fence(__ATOMIC_RELEASE);
		break;
	case VMEM_ACQ_REL:
		__atomic_thread_fence(__ATOMIC_ACQ_REL);
		break;
	default:
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		break;
	}
}

/* ------------------------------------------------------------------------------------- */
/* Translation and slices                                                                 */
/* ------------------------------------------------------------------------------------- */

void *vmem_translate(const struct vmem_map *m, uint64_t gpa, size_t len)
{
	if (unlikely(!m))
		return NULL;
	const struct vmem_entry *e = lookup(m, gpa);
	uint64_t lm1 = len ? (uint64_t)len - 1 : 0;
	if (likely(e && lm1 <= e->last - gpa))
		return e->host + (gpa - e->start);
	return NULL;
}

int vmem_slice(const struct vmem_map *m, uint64_t gpa, size_t len, unsigned access,
	       struct vmem_slice *out)
{
	if (unlikely(!m || !out || (access & ~(unsigned)(VMEM_ACCESS_READ | VMEM_ACCESS_WRITE))))
		return -EINVAL;
	if (!len) {
		*out = (struct vmem_slice){.gpa = gpa};
		return 0;
	}
	uint64_t last;
	if (__builtin_add_overflow(gpa, (uint64_t)len - 1, &last))
		return -EOVERFLOW;
	const struct vmem_entry *e = lookup(m, gpa);
	if (unlikely(!e || last > e->last))
		return -EFAULT;
	if ((access & VMEM_ACCESS_WRITE) && (e->r->flags & VMEM_REGION_READONLY))
		return -EACCES;
	out->host = e->host + (gpa - e->start);
	out->len = len;
	out->gpa = gpa;
	out->region = e->r;
	return 0;
}

/* Checks [off, off + len) against slice s (len > 0). */
static int slice_check(const struct vmem_slice *s, size_t off, size_t len)
{
	size_t end;
	if (__builtin_add_overflow(off, len, &end))
		return -EOVERFLOW;
	if (end > s->len)
		return -EFAULT;
	return 0;
}

int vmem_slice_sub(const struct vmem_slice *s, size_t off, size_t len, struct vmem_slice *out)
{
	if (!s || !out)
		return -EINVAL;
	int rc = slice_check(s, off, len);
	if (rc)
		return rc;
	if (!len) {
		*out = (struct vmem_slice){.gpa = s->gpa + off};
		return 0;
	}
	*out = (struct vmem_slice){.host = (uint8_t *)s->host + off,
				   .len = len,
				   .gpa = s->gpa + off,
				   .region = s->region};
	return 0;
}

int vmem_slice_read(const struct vmem_slice *s, size_t off, void *buf, size_t len)
{
	if (!s)
		return -EINVAL;
	int rc = slice_check(s, off, len);
	if (rc || !len)
		return rc;
	memcpy(buf, (const uint8_t *)s->host + off, len);
	return 0;
}

int vmem_slice_write(const struct vmem_slice *s, size_t off, const void *buf, size_t len)
{
	if (!s)
		return -EINVAL;
	int rc = slice_check(s, off, len);
	if (rc || !len)
		return rc;
	if (s->region->flags & VMEM_REGION_READONLY)
		return -EACCES;
	memcpy((uint8_t *)s->host + off, buf, len);
	mark_dirty(s->region, s->gpa + off - s->region->gpa, len);
	return 0;
}

int vmem_slice_mark_dirty(const struct vmem_slice *s, size_t off, size_t len)
{
	if (!s)
		return -EINVAL;
	int rc = slice_check(s, off, len);
	if (rc || !len)
		return rc;
	mark_dirty(s->region, s->gpa + off - s->region->gpa, len);
	return 0;
}

/* ------------------------------------------------------------------------------------- */
/* File descriptor transfers                                                              */
/* ------------------------------------------------------------------------------------- */

/* Guest position of each iovec, to mark what a read brought in. */
struct seg {
	uint64_t off; /* offset in the region */
	const struct vmem_region *r;
};

/* Counts the iovecs [gpa, gpa + len) needs, after checking it. */
static int count_segs(const struct vmem_map *m, uint64_t gpa, size_t len, bool write,
		      size_t *count)
{
	if (!len)
		return 0;
	size_t i;
	int rc = check_range_idx(m, gpa, len, write, &i);
	if (rc)
		return rc;
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		(*count)++;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* Fills iovecs for a checked range; returns the number filled. */
static size_t fill_segs(const struct vmem_map *m, uint64_t gpa, size_t len, struct iovec *iov,
			struct seg *seg)
{
	size_t n = 0;
	if (!len)
		return 0;
	size_t i = (size_t)find_idx(m, gpa);
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		iov[n].iov_base = e->host + (gpa - e->start);
		iov[n].iov_len = chunk;
		seg[n].off = gpa - e->start;
		seg[n].r = e->r;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return n;
}

/* Moves all of iov (n entries, total bytes) between guest memory and fd. */
static ssize_t transfer(struct iovec *iov, struct seg *seg, size_t n, size_t total, int fd,
			off_t offset, bool to_guest)
{
	size_t done = 0;
	size_t k = 0; /* first iovec not fully moved */
	while (done < total) {
		int cnt = (int)((n - k) > IOV_MAX ? IOV_MAX : (n - k));
		ssize_t rc;
		if (to_guest) {
			if (offset == VMEM_FD_CUR)
				rc = readv(fd, &iov[k], cnt);
			else
				rc = preadv(fd, &iov[k], cnt, offset + (off_t)done);
		} else {
			if (offset == VMEM_FD_CUR)
				rc = writev(fd, &iov[k], cnt);
			else
				rc = pwritev(fd, &iov[k], cnt, offset + (off_t)done);
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			if (done)
				break;
			return -errno;
		}
		if (rc == 0)
			break;
		done += (size_t)rc;
		size_t left = (size_t)rc;
		while (left) {
			size_t take = left < iov[k].iov_len ? left : iov[k].iov_len;
			if (to_guest)
				mark_dirty(seg[k].r, seg[k].off, take);
			iov[k].iov_base = (uint8_t *)iov[k].iov_base + take;
			iov[k].iov_len -= take;
			seg[k].off += take;
			left -= take;
			if (!iov[k].iov_len)
				k++;
		}
		while (k < n && !iov[k].iov_len)
			k++;
	}
	return (ssize_t)done;
}

static ssize_t fd_xfer(const struct vmem_map *m, const struct vmem_range *ranges, size_t nranges,
		       int fd, off_t offset, bool to_guest)
{
	if (!m || (nranges && !ranges) || fd < 0 || (offset < 0 && offset != VMEM_FD_CUR))
		return -EINVAL;
	size_t count = 0, total = 0;
	for (size_t i = 0; i < nranges; i++) {
		if (__builtin_add_overflow(total, ranges[i].len, &total))
			return -EOVERFLOW;
		int rc = count_segs(m, ranges[i].gpa, ranges[i].len, to_guest, &count);
		if (rc)
			return rc;
	}
	if (total > (size_t)SSIZE_MAX)
		return -EINVAL;
	if (offset != VMEM_FD_CUR && (uint64_t)offset + total > (uint64_t)INT64_MAX)
		return -EINVAL; /* the file offsets would pass 2^63 */
	if (!total)
		return 0;
	struct iovec iov_small[8];
	struct seg seg_small[8];
	struct iovec *iov = iov_small;
	struct seg *seg = seg_small;
	if (count > 8) {
		iov = malloc(count * sizeof(*iov));
		seg = malloc(count * sizeof(*seg));
		if (!iov || !seg) {
			free(iov);
			free(seg);
			return -ENOMEM;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < nranges; i++)
		n += fill_segs(m, ranges[i].gpa, ranges[i].len, &iov[n], &seg[n]);
	ssize_t rc = transfer(iov, seg, n, total, fd, offset, to_guest);
	if (iov != iov_small) {
		free(iov);
		free(seg);
	}
	return rc;
}

ssize_t vmem_read_from_fd(const struct vmem_map *m, uint64_t gpa, int fd, off_t offset,
			  size_t len)
{
	struct vmem_range r = {.gpa = gpa, .len = len};
	return fd_xfer(m, &r, 1, fd, offset, true);
}

ssize_t vmem_write_to_fd(const struct vmem_map *m, uint64_t gpa, int fd, off_t offset,
			 size_t len)
{
	struct vmem_range r = {.gpa = gpa, .len = len};
	return fd_xfer(m, &r, 1, fd, offset, false);
}

ssize_t vmem_readv_from_fd(const struct vmem_map *m, const struct vmem_range *ranges,
			   size_t nranges, int fd, off_t offset)
{
	return fd_xfer(m, ranges, nranges, fd, offset, true);
}

ssize_t vmem_writev_to_fd(const struct vmem_map *m, const struct vmem_range *ranges,
			  size_t nranges, int fd, off_t offset)
{
	return fd_xfer(m, ranges, nranges, fd, offset, false);
}

/* ------------------------------------------------------------------------------------- */
/* Dirty tracking                                                                         */
/* ------------------------------------------------------------------------------------- */

size_t vmem_dirty_bitmap_words(const struct vmem_region *r)
{
	return r ? r->dirty_words : 0;
}

bool vmem_dirty_test(const struct vmem_map *m, uint64_t gpa)
{
	const struct vmem_entry *e = m ? lookup(m, gpa) : NULL;
	if (!e || !e->r->dirty)
		return false;
	uint64_t page = (gpa - e->start) >> page_shift();
	return (__atomic_load_n(&e->r->dirty[page >> 6], __ATOMIC_RELAXED) >> (page & 63)) & 1;
}

int vmem_dirty_get_and_reset(struct vmem_region *r, uint64_t *out, size_t nwords)
{
	if (!r)
		return -EINVAL;
	if (!r->dirty)
		return 0;
	if (out && nwords < r->dirty_words)
		return -EINVAL;
	for (size_t i = 0; i < r->dirty_words; i++) {
		uint64_t v = __atomic_load_n(&r->dirty[i], __ATOMIC_RELAXED)
				     ? __atomic_exchange_n(&r->dirty[i], 0, __ATOMIC_ACQ_REL)
				     : 0;
		if (out)
			out[i] = v;
	}
	if (out)
		memset(out + r->dirty_words, 0, (nwords - r->dirty_words) * sizeof(*out));
	return 0;
}

int vmem_dirty_merge(struct vmem_region *r, const uint64_t *kvm_bitmap, size_t nwords)
{
	if (!r || !kvm_bitmap)
		return -EINVAL;
	if (!r->dirty)
		return 0;
	if (nwords < r->dirty_words)
		return -EINVAL;
	for (size_t i = 0; i < r->dirty_words; i++) {
		uint64_t v = kvm_bitmap[i];
		if (i == r->dirty_words - 1 && (r->pages & 63))
			v &= (1ull << (r->pages & 63)) - 1;
		if (v)
			__atomic_fetch_or(&r->dirty[i], v, __ATOMIC_RELEASE);
	}
	return 0;
}

size_t vmem_dirty_count(const struct vmem_region *r)
{
	size_t n = 0;
	if (!r || !r->dirty)
		return 0;
	for (size_t i = 0; i < r->dirty_words; i++)
		n += (size_t)__builtin_popcountll(__atomic_load_n(&r->dirty[i], __ATOMIC_RELAXED));
	return n;
}

void vmem_dirty_reset_all(const struct vmem_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		vmem_dirty_get_and_reset(m->ents[i].r, NULL, 0);
}
