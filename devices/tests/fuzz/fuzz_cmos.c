/* SPDX-License-Identifier: Apache-2.0 */
/* The MC146818 CMOS RTC's ports and its alarm timer, on a clock the input moves. Checks
   that the armed deadline is in the future, that the line follows IRQF, and that IRQF
   is never set without AF. */
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_line line;
	struct fz_clock clk;
	struct vdev_cmos_config cfg = {0};
	struct vdev_cmos *c;
	uint8_t buf[8];

	/* Any time from 1970 to 2106, at any fraction of a second. */
	clk.now = (int64_t)fz_bytes(&in, 4) * 1000000000 + (int64_t)fz_u8(&in) * 3900000;
	cfg.irq = fz_irq(&line);
	cfg.clock_ns = fz_clock_ns;
	cfg.clock_ctx = &clk;
	if (vdev_cmos_create(&cfg, &c) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		uint64_t off = (op & 0x80) ? fz_bytes(&in, 1) : (uint64_t)(fz_u8(&in) & 1);
		uint32_t sz = (op & 0x40) ? fz_size(&in) : 1;
		uint64_t step;

		switch (op % 4) {
		case 0:
			FZ_CHECK(vdev_cmos_read(c, off, buf, sz) == 0);
			break;
		case 1:
			vdev_le_put(buf, sz, fz_bytes(&in, sz));
			FZ_CHECK(vdev_cmos_write(c, off, buf, sz) == 0);
			break;
		case 2:
			step = fz_bytes(&in, 3) * 1000000ull; /* up to 4.6 hours */
			clk.now += (int64_t)step;
			FZ_CHECK(vdev_cmos_timer_expired(c) >= 0);
			break;
		default:
			FZ_CHECK(vdev_cmos_timer_expired(c) >= 0);
			break;
		}
		int64_t d = vdev_cmos_next_deadline(c);
		FZ_CHECK(d == -1 || d > clk.now);
		/* Register C without acknowledging it is not possible (a read clears it): read
		   it only now and then, and check the line against what it held. */
		if (op & 0x20) {
			uint8_t idx = 0x0c, v = 0;
			bool was = line.level;
			FZ_CHECK(vdev_cmos_write(c, 0, &idx, 1) == 0);
			FZ_CHECK(vdev_cmos_read(c, 1, &v, 1) == 0);
			FZ_CHECK(!(v & 0x80) || (v & 0x20)); /* IRQF only with AF */
			FZ_CHECK(was == (bool)(v & 0x80));   /* the line was IRQF */
			FZ_CHECK(!line.level);               /* reading C lowered it */
		}
	}
	vdev_cmos_destroy(c);
	return 0;
}
