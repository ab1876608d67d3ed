/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: translation and zero-copy slices. See include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

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
	*out = (struct vmem_slice){
	    .host = (uint8_t *)s->host + off, .len = len, .gpa = s->gpa + off, .region = s->region};
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
	vmem_mark_dirty(s->region, s->gpa + off - s->region->gpa, len);
	return 0;
}

int vmem_slice_mark_dirty(const struct vmem_slice *s, size_t off, size_t len)
{
	if (!s)
		return -EINVAL;
	int rc = slice_check(s, off, len);
	if (rc || !len)
		return rc;
	vmem_mark_dirty(s->region, s->gpa + off - s->region->gpa, len);
	return 0;
}
