/* SPDX-License-Identifier: Apache-2.0 */
/* Aligned atomics on guest memory: semantics, alignment and order checks, and several
   threads hammering the same words (counters, compare-exchange, message passing with
   release/acquire as a virtqueue does with its ring indexes). */
#include "helpers.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

#define P PG
static struct vmem_map *m;

static void setup(void)
{
	const uint64_t regs[][2] = {{0, 4 * P}, {4 * P, 4 * P}};
	m = map_with(VMEM_REGION_TRACK_DIRTY, 2, regs);
}

static void teardown(void)
{
	vmem_map_destroy(m);
}

TestSuite(atomic, .init = setup, .fini = teardown);

Test(atomic, load_store_cmpxchg_each_width)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	cr_assert_eq(vmem_atomic_store_u8(m, 0x11, 0xa1, VMEM_RELEASE), 0);
	cr_assert_eq(vmem_atomic_store_u16(m, 0x12, 0xb2b2, VMEM_RELEASE), 0);
	cr_assert_eq(vmem_atomic_store_u32(m, 0x14, 0xc3c3c3c3, VMEM_RELEASE), 0);
	cr_assert_eq(vmem_atomic_store_u64(m, 0x18, 0xd4d4d4d4d4d4d4d4ull, VMEM_RELEASE), 0);
	cr_assert_eq(vmem_atomic_load_u8(m, 0x11, &v8, VMEM_ACQUIRE), 0);
	cr_assert_eq(vmem_atomic_load_u16(m, 0x12, &v16, VMEM_ACQUIRE), 0);
	cr_assert_eq(vmem_atomic_load_u32(m, 0x14, &v32, VMEM_RELAXED), 0);
	cr_assert_eq(vmem_atomic_load_u64(m, 0x18, &v64, VMEM_SEQ_CST), 0);
	cr_assert_eq(v8, 0xa1);
	cr_assert_eq(v16, 0xb2b2);
	cr_assert_eq(v32, 0xc3c3c3c3);
	cr_assert_eq(v64, 0xd4d4d4d4d4d4d4d4ull);
	/* the same bytes through the plain typed path: little-endian */
	uint16_t le;
	cr_assert_eq(vmem_atomic_store_u16(m, 0x20, 0x1234, VMEM_SEQ_CST), 0);
	cr_assert_eq(vmem_read_u16_le(m, 0x20, &le), 0);
	cr_assert_eq(le, 0x1234);

	uint32_t e = 1;
	cr_assert_eq(vmem_atomic_cmpxchg_u32(m, 0x14, &e, 5, VMEM_ACQ_REL), 0);
	cr_assert_eq(e, 0xc3c3c3c3, "expected gets the current value");
	cr_assert_eq(vmem_atomic_cmpxchg_u32(m, 0x14, &e, 5, VMEM_ACQ_REL), 1);
	cr_assert_eq(vmem_read_u32_le(m, 0x14, &v32), 0);
	cr_assert_eq(v32, 5);
	uint16_t e16 = 0xb2b2;
	cr_assert_eq(vmem_atomic_cmpxchg_u16(m, 0x12, &e16, 7, VMEM_RELAXED), 1);
	uint8_t e8 = 0xa1;
	cr_assert_eq(vmem_atomic_cmpxchg_u8(m, 0x11, &e8, 7, VMEM_RELEASE), 1);
	uint64_t e64 = 0xd4d4d4d4d4d4d4d4ull;
	cr_assert_eq(vmem_atomic_cmpxchg_u64(m, 0x18, &e64, 7, VMEM_ACQUIRE), 1);
	cr_assert_eq(vmem_atomic_load_u64(m, 0x18, &v64, VMEM_ACQUIRE), 0);
	cr_assert_eq(v64, 7);

	uint16_t old16;
	cr_assert_eq(vmem_atomic_store_u16(m, 0x30, 0xffff, VMEM_RELAXED), 0);
	cr_assert_eq(vmem_atomic_fetch_add_u16(m, 0x30, 2, &old16, VMEM_ACQ_REL), 0);
	cr_assert_eq(old16, 0xffff);
	cr_assert_eq(vmem_atomic_load_u16(m, 0x30, &v16, VMEM_RELAXED), 0);
	cr_assert_eq(v16, 1, "wraps like a virtqueue index");
	vmem_fence(VMEM_SEQ_CST);
	vmem_fence(VMEM_ACQUIRE);
	vmem_fence(VMEM_RELEASE);
	vmem_fence(VMEM_ACQ_REL);
	vmem_fence(VMEM_RELAXED);
}

Test(atomic, alignment_bounds_and_orders)
{
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	cr_assert_eq(vmem_atomic_load_u16(m, 1, &v16, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_load_u32(m, 2, &v32, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_load_u64(m, 4, &v64, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_store_u64(m, 4 * P - 4, 1, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_load_u64(m, 8 * P - 8, &v64, VMEM_RELAXED), 0, "last word");
	cr_assert_eq(vmem_atomic_load_u64(m, 8 * P, &v64, VMEM_RELAXED), -EFAULT, "one past");
	cr_assert_eq(vmem_atomic_store_u32(m, 8 * P, 1, VMEM_RELAXED), -EFAULT);
	cr_assert_eq(vmem_atomic_load_u64(m, UINT64_MAX - 7, &v64, VMEM_RELAXED), -EFAULT);
	cr_assert_eq(vmem_atomic_load_u32(m, 0, &v32, VMEM_RELEASE), -EINVAL, "release load");
	cr_assert_eq(vmem_atomic_load_u32(m, 0, &v32, VMEM_ACQ_REL), -EINVAL);
	cr_assert_eq(vmem_atomic_store_u32(m, 0, 1, VMEM_ACQUIRE), -EINVAL, "acquire store");
	cr_assert_eq(vmem_atomic_store_u32(m, 0, 1, (enum vmem_order)99), -EINVAL);
	uint32_t e = 0;
	cr_assert_eq(vmem_atomic_cmpxchg_u32(m, 0, &e, 1, (enum vmem_order)99), -EINVAL);
	cr_assert_eq(vmem_atomic_cmpxchg_u32(m, 0, NULL, 1, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_load_u32(m, 0, NULL, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_load_u32(NULL, 0, &v32, VMEM_RELAXED), -EINVAL);
	cr_assert_eq(vmem_atomic_fetch_add_u32(m, 0, 1, NULL, (enum vmem_order)99), -EINVAL);
	cr_assert_eq(vmem_read_u32_le(m, 0, &v32), 0);
	cr_assert_eq(v32, 0, "nothing was written by the refused calls");
}

#define THREADS 4
#define ITERS 50000

struct worker {
	int id;
	unsigned errors;
};

static void *add_and_cas(void *arg)
{
	struct worker *w = arg;
	for (unsigned i = 0; i < ITERS; i++) {
		w->errors += vmem_atomic_fetch_add_u64(m, 0x100, 1, NULL, VMEM_RELAXED) != 0;
		w->errors += vmem_atomic_fetch_add_u16(m, 0x108, 1, NULL, VMEM_ACQ_REL) != 0;
		/* a compare-exchange loop incrementing a u32 and a u8 */
		uint32_t cur;
		w->errors += vmem_atomic_load_u32(m, 0x110, &cur, VMEM_RELAXED) != 0;
		int rc;
		while ((rc = vmem_atomic_cmpxchg_u32(m, 0x110, &cur, cur + 1, VMEM_ACQ_REL)) == 0)
			;
		w->errors += rc != 1;
		uint8_t c8;
		w->errors += vmem_atomic_load_u8(m, 0x118, &c8, VMEM_RELAXED) != 0;
		while ((rc = vmem_atomic_cmpxchg_u8(m, 0x118, &c8, (uint8_t)(c8 + 1),
		                                    VMEM_SEQ_CST)) == 0)
			;
		w->errors += rc != 1;
		/* Each thread owns one u16 lane in a shared u64 and flips it with cmpxchg; the
		   other lanes must never be disturbed. */
		uint64_t word;
		w->errors += vmem_atomic_load_u64(m, 0x120, &word, VMEM_RELAXED) != 0;
		for (;;) {
			uint64_t lane = (word >> (16 * w->id)) & 0xffff;
			uint64_t next = (word & ~(0xffffull << (16 * w->id))) |
			                (((lane + 1) & 0xffff) << (16 * w->id));
			rc = vmem_atomic_cmpxchg_u64(m, 0x120, &word, next, VMEM_ACQ_REL);
			if (rc != 0)
				break;
		}
		w->errors += rc != 1;
	}
	return NULL;
}

Test(atomic, counters_hammered_from_threads)
{
	pthread_t t[THREADS];
	struct worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.id = i};
		cr_assert_eq(pthread_create(&t[i], NULL, add_and_cas, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(w[i].errors, 0);
	}
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;
	cr_assert_eq(vmem_atomic_load_u64(m, 0x100, &v64, VMEM_SEQ_CST), 0);
	cr_assert_eq(v64, (uint64_t)THREADS * ITERS);
	cr_assert_eq(vmem_atomic_load_u16(m, 0x108, &v16, VMEM_SEQ_CST), 0);
	cr_assert_eq(v16, (uint16_t)(THREADS * ITERS));
	cr_assert_eq(vmem_atomic_load_u32(m, 0x110, &v32, VMEM_SEQ_CST), 0);
	cr_assert_eq(v32, THREADS * ITERS);
	cr_assert_eq(vmem_atomic_load_u8(m, 0x118, &v8, VMEM_SEQ_CST), 0);
	cr_assert_eq(v8, (uint8_t)(THREADS * ITERS));
	cr_assert_eq(vmem_atomic_load_u64(m, 0x120, &v64, VMEM_SEQ_CST), 0);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq((v64 >> (16 * i)) & 0xffff, (uint64_t)(ITERS & 0xffff));
	cr_assert(vmem_dirty_test(m, 0x100));
}

/* A producer fills ring entries with plain writes then publishes the index with a
   release store (like a driver's avail->idx); consumers read the index with acquire
   loads and must then see the entries. The ring straddles the two regions. */
#define RING 64
#define MSGS 50000
#define ring_gpa (4 * P - RING * 4)
#define idx_gpa (4 * P + 64)

static void *producer(void *arg)
{
	struct worker *w = arg;
	for (uint32_t i = 1; i <= MSGS; i++) {
		/* wait until both consumers have consumed up to i - RING */
		uint32_t done_a, done_b;
		do {
			w->errors +=
			    vmem_atomic_load_u32(m, idx_gpa + 8, &done_a, VMEM_ACQUIRE) != 0;
			w->errors +=
			    vmem_atomic_load_u32(m, idx_gpa + 12, &done_b, VMEM_ACQUIRE) != 0;
			if (i - done_a > RING - 1 || i - done_b > RING - 1)
				sched_yield(); /* 2 cores, 3 threads: let the consumers run */
			else
				break;
		} while (1);
		w->errors += vmem_write_u32_le(m, ring_gpa + (i % RING) * 4, i * 2654435761u) != 0;
		w->errors += vmem_atomic_store_u32(m, idx_gpa, i, VMEM_RELEASE) != 0;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	uint32_t seen = 0;
	while (seen < MSGS) {
		uint32_t idx;
		w->errors += vmem_atomic_load_u32(m, idx_gpa, &idx, VMEM_ACQUIRE) != 0;
		if (idx == seen)
			sched_yield();
		for (; seen < idx;) {
			uint32_t i = seen + 1, v;
			w->errors += vmem_read_u32_le(m, ring_gpa + (i % RING) * 4, &v) != 0;
			w->errors += v != i * 2654435761u;
			seen = i;
		}
		w->errors += vmem_atomic_store_u32(m, idx_gpa + 8 + 4 * (uint64_t)w->id, seen,
		                                   VMEM_RELEASE) != 0;
	}
	return NULL;
}

Test(atomic, release_acquire_message_passing)
{
	pthread_t tp, tc[2];
	struct worker wp = {0}, wc[2] = {{.id = 0}, {.id = 1}};
	cr_assert_eq(pthread_create(&tp, NULL, producer, &wp), 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&tc[i], NULL, consumer, &wc[i]), 0);
	pthread_join(tp, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(tc[i], NULL);
	cr_assert_eq(wp.errors, 0);
	cr_assert_eq(wc[0].errors, 0, "a consumer saw an entry before its index");
	cr_assert_eq(wc[1].errors, 0);
}
