/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: atomic access to guest memory. See include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

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

#define ATOMIC_OPS(S, T)                                                                           \
	int vmem_atomic_load_##S(const struct vmem_map *m, uint64_t gpa, T *out,                   \
	                         enum vmem_order o)                                                \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		if (unlikely(!out))                                                                \
			return -EINVAL;                                                            \
		int rc = atomic_target(m, gpa, sizeof(T), false, &h, &e);                          \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h;                                                                          \
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
	int vmem_atomic_store_##S(const struct vmem_map *m, uint64_t gpa, T v, enum vmem_order o)  \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		if (o != VMEM_RELAXED && o != VMEM_RELEASE && o != VMEM_SEQ_CST)                   \
			return -EINVAL;                                                            \
		int rc = atomic_target(m, gpa, sizeof(T), true, &h, &e);                           \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h;                                                                          \
		if (o == VMEM_RELAXED)                                                             \
			__atomic_store_n(p, v, __ATOMIC_RELAXED);                                  \
		else if (o == VMEM_RELEASE)                                                        \
			__atomic_store_n(p, v, __ATOMIC_RELEASE);                                  \
		else                                                                               \
			__atomic_store_n(p, v, __ATOMIC_SEQ_CST);                                  \
		vmem_mark_dirty(e->r, gpa - e->start, sizeof(T));                                  \
		return 0;                                                                          \
	}                                                                                          \
	int vmem_atomic_cmpxchg_##S(const struct vmem_map *m, uint64_t gpa, T *expected,           \
	                            T desired, enum vmem_order o)                                  \
	{                                                                                          \
		void *h;                                                                           \
		const struct vmem_entry *e;                                                        \
		if (unlikely(!expected))                                                           \
			return -EINVAL;                                                            \
		int rc = atomic_target(m, gpa, sizeof(T), true, &h, &e);                           \
		if (rc)                                                                            \
			return rc;                                                                 \
		T *p = h;                                                                          \
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
			vmem_mark_dirty(e->r, gpa - e->start, sizeof(T));                          \
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
		vmem_mark_dirty(e->r, gpa - e->start, sizeof(T));                                  \
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
