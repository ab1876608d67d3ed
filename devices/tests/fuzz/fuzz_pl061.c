/* SPDX-License-Identifier: Apache-2.0 */
/* The PL061's register interface and its input pins, in any order. */
#include "fuzz_input.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_line line;
	struct vdev_pl061_config cfg = {0};
	struct vdev_pl061 *g;
	uint8_t buf[8];

	cfg.irq = fz_irq(&line);
	if (vdev_pl061_create(&cfg, &g) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		/* Mostly the control registers and GPIODATA, sometimes anywhere. */
		uint64_t off =
		    (op & 0x80) ? fz_bytes(&in, 2) : 0x400 + (uint64_t)(fz_u8(&in) & 0x3c);
		uint32_t sz = fz_size(&in);

		switch (op % 4) {
		case 0:
			FZ_CHECK(vdev_pl061_read(g, off, buf, sz) == 0);
			break;
		case 1:
			vdev_le_put(buf, sz, fz_bytes(&in, sz));
			FZ_CHECK(vdev_pl061_write(g, off & 0x7ff, buf, sz) == 0);
			break;
		default: {
			uint8_t p = fz_u8(&in);
			FZ_CHECK(vdev_pl061_set_input(g, p & 0xf, p & 0x10) ==
			         ((p & 0xf) < VDEV_PL061_PINS ? 0 : -EINVAL));
			break;
		}
		}
		/* The line is the masked status, which the raw status covers. */
		FZ_CHECK(vdev_pl061_read(g, 0x418, buf, 4) == 0);
		uint32_t mis = (uint32_t)vdev_le_get(buf, 4);
		FZ_CHECK(vdev_pl061_read(g, 0x414, buf, 4) == 0);
		uint32_t ris = (uint32_t)vdev_le_get(buf, 4);
		FZ_CHECK((mis & ~ris) == 0 && mis <= 0xff);
		FZ_CHECK(line.level == (mis != 0));
	}
	vdev_pl061_destroy(g);
	return 0;
}
