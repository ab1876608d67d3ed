/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: range checks and byte-range and typed little-endian access. See
 * include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

/* ------------------------------------------------------------------------------------- */
/* Range checks and the generic walker                                                    */
/* ------------------------------------------------------------------------------------- */

/* Checks [gpa, gpa + len) (len > 0); on success *first is the index of its first region. */
int vmem_check_range_first(const struct vmem_map *m, uint64_t gpa, size_t len, bool write,
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
	return vmem_check_range_first(m, gpa, len, write, &first);
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
	int rc = vmem_check_range_first(m, gpa, len, write, &i);
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
			vmem_mark_dirty(e->r, off, chunk);
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
			vmem_mark_dirty(e->r, off, len);
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
	int rc = vmem_check_range_first(m, gpa, len, false, &i);
	if (rc)
		return rc;
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		vmem_mark_dirty(e->r, gpa - e->start, chunk);
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
			vmem_mark_dirty(e->r, off, sizeof(v));                                     \
			return 0;                                                                  \
		}                                                                                  \
		return walk(m, gpa, sizeof(v), OP_WRITE, &v, 0);                                   \
	}

TYPED(8, vmem_read_u8, vmem_write_u8)
TYPED(16, vmem_read_u16_le, vmem_write_u16_le)
TYPED(32, vmem_read_u32_le, vmem_write_u32_le)
TYPED(64, vmem_read_u64_le, vmem_write_u64_le)
