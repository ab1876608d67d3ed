/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a libFuzzer input as a stream of small integers, and the checks harnesses share. */
#ifndef CVMM_TESTS_FUZZ_INPUT_H
#define CVMM_TESTS_FUZZ_INPUT_H

#include <cvmm/devices.h>
#include <stdint.h>
#include <stdlib.h>

struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fz_u8(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint64_t fz_bytes(struct fuzz_in *in, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

static inline uint32_t fz_size(struct fuzz_in *in)
{
	static const uint32_t sizes[4] = {1, 2, 4, 8};
	return sizes[fz_u8(in) & 3];
}

/* A level-triggered line must alternate: asserting a high line or lowering a low one
 * means the device lost track of its own interrupt state. */
struct fz_line {
	int level;
};

static inline int fz_assert(void *ctx, uint32_t line)
{
	struct fz_line *l = ctx;
	if (l->level)
		abort();
	l->level = 1;
	return 0;
}

static inline int fz_deassert(void *ctx, uint32_t line)
{
	struct fz_line *l = ctx;
	if (!l->level)
		abort();
	l->level = 0;
	return 0;
}

static inline struct vdev_irq fz_irq(struct fz_line *l)
{
	l->level = 0;
	return (struct vdev_irq){.assert_line = fz_assert, .deassert_line = fz_deassert, .ctx = l};
}

/* A clock the input moves, for the devices that take one (clock_ns). */
struct fz_clock {
	int64_t now;
};

static inline int64_t fz_clock_ns(void *ctx)
{
	return ((struct fz_clock *)ctx)->now;
}

#define FZ_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#endif
