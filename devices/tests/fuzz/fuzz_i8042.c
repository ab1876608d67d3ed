/* SPDX-License-Identifier: Apache-2.0 */
/* The i8042's data and command ports, driven by arbitrary sequences. */
#include "fuzz_input.h"

static void on_reset(void *ctx)
{
	(*(int *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_line kbd, aux;
	struct vdev_i8042_config cfg = {0};
	struct vdev_i8042 *dev;
	uint8_t buf[8];
	int resets = 0;

	cfg.kbd_irq = fz_irq(&kbd);
	cfg.aux_irq = fz_irq(&aux);
	cfg.reset = on_reset;
	cfg.reset_ctx = &resets;
	if (vdev_i8042_create(&cfg, &dev) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		/* Offsets 0 and 4 are the ports; the rest of the window must be inert. */
		uint64_t off = (op & 0x80) ? (uint64_t)(fz_u8(&in) % 8) : ((op & 0x40) ? 4 : 0);
		uint32_t sz = fz_size(&in);

		if (op & 1) {
			vdev_le_put(buf, sz, fz_bytes(&in, sz));
			FZ_CHECK(vdev_i8042_write(dev, off, buf, sz) == 0);
		} else {
			FZ_CHECK(vdev_i8042_read(dev, off, buf, sz) == 0);
			FZ_CHECK(vdev_le_get(buf, sz) <= 0xff);
		}
		/* Never both lines for one byte in the buffer. */
		FZ_CHECK(!(kbd.level && aux.level));
	}
	vdev_i8042_destroy(dev);
	return 0;
}
