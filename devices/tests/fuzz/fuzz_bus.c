/* SPDX-License-Identifier: Apache-2.0 */
/* The bus against a naive model: inserts, removes and lookups must agree with a linear scan. */
#include "fuzz_input.h"

#include <errno.h>

#define MAXR 24

struct model {
	uint64_t base[MAXR], last[MAXR];
	int used[MAXR];
};

static int tag_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	vdev_le_put(data, size, (uint64_t)(uintptr_t)ctx ^ (offset << 8));
	return 0;
}

static const struct vdev_ops tag_ops = {.read = tag_read};

/* Addresses from a small set of interesting values so that ranges meet and overlap. */
static uint64_t fz_addr(struct fuzz_in *in)
{
	uint8_t k = fz_u8(in);
	switch (k >> 6) {
	case 0:
		return (uint64_t)(k & 0x3f) * 0x10;
	case 1:
		return UINT64_MAX - (uint64_t)(k & 0x3f) * 0x10;
	case 2:
		return fz_bytes(in, 2);
	default:
		return fz_bytes(in, 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct model m = {0};
	struct vdev_bus *bus;
	uint8_t buf[8];

	if (vdev_bus_create(&bus) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		uint64_t a = fz_addr(&in), len, last;
		uint32_t sz = fz_size(&in);
		int want, got, slot = -1, hit = -1;

		switch (op % 3) {
		case 0: /* insert */
			len = fz_addr(&in);
			want = 0;
			if (len == 0 || __builtin_add_overflow(a, len - 1, &last)) {
				want = -EINVAL;
			} else {
				for (int i = 0; i < MAXR; i++) {
					if (!m.used[i])
						slot = slot < 0 ? i : slot;
					else if (!(last < m.base[i] || a > m.last[i]))
						want = -EEXIST;
				}
				if (want == 0 && slot < 0)
					break; /* the model is full */
			}
			got = vdev_bus_insert(bus, a, len, &tag_ops, (void *)(uintptr_t)(slot + 1));
			FZ_CHECK(got == want);
			if (got == 0) {
				m.used[slot] = 1;
				m.base[slot] = a;
				m.last[slot] = last;
			}
			break;
		case 1: /* remove */
			want = -ENOENT;
			for (int i = 0; i < MAXR; i++)
				if (m.used[i] && m.base[i] == a) {
					m.used[i] = 0;
					want = 0;
				}
			FZ_CHECK(vdev_bus_remove(bus, a) == want);
			break;
		default: /* lookup */
			for (int i = 0; i < MAXR; i++)
				if (m.used[i] && a >= m.base[i] && a <= m.last[i])
					hit = i;
			if (hit < 0)
				want = -ENOENT;
			else if (sz - 1 > m.last[hit] - a)
				want = -ERANGE;
			else
				want = 0;
			got = vdev_bus_read(bus, a, buf, sz);
			FZ_CHECK(got == want);
			if (got == 0)
				FZ_CHECK(
				    vdev_le_get(buf, sz) ==
				    (((uint64_t)(hit + 1) ^ ((a - m.base[hit]) << 8)) &
				     (sz == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * sz)) - 1))));
			break;
		}
	}
	vdev_bus_destroy(bus);
	return 0;
}
