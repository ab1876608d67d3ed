/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: dirty page tracking. See include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

/* ------------------------------------------------------------------------------------- */
/* Dirty bitmap primitives                                                                */
/* ------------------------------------------------------------------------------------- */

/* Marks the pages of [off, off + len) of region r (len > 0, inside the region). */
void vmem_mark_dirty(const struct vmem_region *r, uint64_t off, uint64_t len)
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
