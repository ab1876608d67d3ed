/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: page sizes and regions with guard pages. See include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

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
	/* A region of at least a huge page starts on a huge-page boundary of the host too, so
	   that transparent huge pages and KVM's block mappings of guest memory can line up
	   with the guest's own (a misaligned host address forces 4 KiB stage-2 pages). */
	uint64_t host_align = align;
	if (!huge && o->size >= vmem_huge_page_size())
		host_align = vmem_huge_page_size();
	/* The reservation must fit in the address space. */
	if (o->size > (uint64_t)SIZE_MAX - 2 * align - host_align)
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
		if (o->fd < 0 || (o->fd_offset & (align - 1)) ||
		    o->fd_offset > (uint64_t)INT64_MAX ||
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

	/* Reserve [guard | region | guard] (plus slack to align the region), then map the
	   region over the middle; the guards stay PROT_NONE. */
	r->reservation_len = o->size + 2 * align + (host_align > vmem_page_size() ? host_align : 0);
	r->reservation = mmap(NULL, r->reservation_len, PROT_NONE,
	                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->reservation == MAP_FAILED) {
		r->reservation = NULL;
		rc = -errno;
		goto fail;
	}
	r->host = (uint8_t *)(((uintptr_t)r->reservation + align + host_align - 1) &
	                      ~(uintptr_t)(host_align - 1));

	int prot = (o->flags & VMEM_REGION_READONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	int mflags = MAP_FIXED | ((o->flags & VMEM_REGION_SHARED) ? MAP_SHARED : MAP_PRIVATE);
	void *p;
	if (r->fd < 0) {
		/* Huge pages are reserved at mmap time (so a shortage fails here, not as a
		   SIGBUS later): no MAP_NORESERVE for them. */
		mflags |= MAP_ANONYMOUS | (huge ? MAP_HUGETLB : MAP_NORESERVE);
		p = mmap(r->host, o->size, prot, mflags, -1, 0);
	} else {
		/* A private file mapping is copy-on-write: like anonymous guest RAM it is not
		   charged up front (a restored guest touches a fraction of it; charging all of
		   it refused a 2 GiB snapshot on a 1.5 GiB host). */
		if (!(o->flags & VMEM_REGION_SHARED))
			mflags |= MAP_NORESERVE;
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
