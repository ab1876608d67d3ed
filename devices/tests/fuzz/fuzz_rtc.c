/* SPDX-License-Identifier: Apache-2.0 */
/* The PL031's register interface and its timer, on a clock the input moves. */
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_line line;
	struct fz_clock clk;
	struct vdev_rtc_config cfg = {0};
	struct vdev_rtc *rtc;
	uint8_t buf[8];

	/* Any start time, including before the epoch and near the ends of int64_t. */
	clk.now = (int64_t)fz_bytes(&in, 8);
	cfg.irq = fz_irq(&line);
	cfg.clock_ns = fz_clock_ns;
	cfg.clock_ctx = &clk;
	if (vdev_rtc_create(&cfg, &rtc) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		/* Mostly the real registers, sometimes anywhere. */
		uint64_t off = (op & 0x80) ? fz_bytes(&in, 2) : (uint64_t)(fz_u8(&in) & 0x1f);
		uint32_t sz = fz_size(&in);
		uint64_t step;
		int64_t d;

		switch (op % 4) {
		case 0:
			FZ_CHECK(vdev_rtc_read(rtc, off, buf, sz) == 0);
			break;
		case 1:
			vdev_le_put(buf, sz, fz_bytes(&in, sz));
			FZ_CHECK(vdev_rtc_write(rtc, off, buf, sz) == 0);
			break;
		case 2:
			step = fz_bytes(&in, 5);
			if (!__builtin_add_overflow(clk.now, (int64_t)step, &clk.now))
				FZ_CHECK(vdev_rtc_timer_expired(rtc) >= 0);
			break;
		default:
			FZ_CHECK(vdev_rtc_timer_expired(rtc) >= 0);
			break;
		}
		/* After every access the alarm is either raised or still in the future. */
		d = vdev_rtc_next_deadline(rtc);
		FZ_CHECK(d == -1 || d > clk.now);
		FZ_CHECK(vdev_rtc_read(rtc, 0x18, buf, 4) == 0);
		uint32_t mis = (uint32_t)vdev_le_get(buf, 4);
		FZ_CHECK(vdev_rtc_read(rtc, 0x14, buf, 4) == 0);
		uint32_t ris = (uint32_t)vdev_le_get(buf, 4);
		FZ_CHECK((mis & ~ris) == 0);
		FZ_CHECK(line.level == (int)(mis & 1));
	}
	vdev_rtc_destroy(rtc);
	return 0;
}
