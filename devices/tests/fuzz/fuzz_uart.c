/* SPDX-License-Identifier: Apache-2.0 */
/* The 16550A's register interface and host input, driven by arbitrary sequences. */
#include "fuzz_input.h"

#include <fcntl.h>
#include <unistd.h>

static int devnull = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_line line;
	struct vdev_uart_config cfg = {0};
	struct vdev_uart *u;
	uint8_t buf[32];

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	cfg.out_fd = devnull;
	cfg.irq = fz_irq(&line);
	cfg.reg_shift = fz_u8(&in) & 3;
	if (vdev_uart_create(&cfg, &u) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		uint64_t off = fz_u8(&in);
		uint32_t sz = fz_size(&in);
		size_t n, space;
		int took;

		switch (op % 4) {
		case 0:
			FZ_CHECK(vdev_uart_read(u, off, buf, sz) == 0);
			FZ_CHECK(vdev_le_get(buf, sz) <= 0xff);
			break;
		case 1:
			vdev_le_put(buf, sz, fz_bytes(&in, sz));
			FZ_CHECK(vdev_uart_write(u, off, buf, sz) == 0);
			break;
		case 2:
			n = fz_u8(&in) % sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = fz_u8(&in);
			space = vdev_uart_input_space(u);
			took = vdev_uart_push_input(u, buf, n);
			/* Back-pressure: it takes exactly what it said would fit, never more. */
			FZ_CHECK(took >= 0 && (size_t)took == (n < space ? n : space));
			break;
		default:
			FZ_CHECK(vdev_uart_input_space(u) <= 16);
			FZ_CHECK(vdev_uart_irq_replay(u) == 0);
			break;
		}
	}
	vdev_uart_destroy(u);
	return 0;
}
