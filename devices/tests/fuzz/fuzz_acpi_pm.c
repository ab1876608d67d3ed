/* SPDX-License-Identifier: Apache-2.0 */
/* The ACPI PM1 registers driven by arbitrary accesses and events: the SCI must follow
   status AND enable exactly (fz_line aborts on a repeated level), SLP_EN must always read
   back clear and SCI_EN set. */
#include "fuzz_input.h"

struct sleeps {
	int n;
	unsigned int last;
};

static void on_sleep(void *ctx, unsigned int slp_typ)
{
	struct sleeps *s = ctx;
	FZ_CHECK(slp_typ <= 7);
	s->n++;
	s->last = slp_typ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_line sci;
	struct sleeps sl = {0};
	struct vdev_acpi_pm_config cfg = {.sci = fz_irq(&sci), .sleep = on_sleep, .ctx = &sl};
	struct vdev_acpi_pm *pm;
	uint8_t buf[8];

	if (vdev_acpi_pm_create(&cfg, &pm) != 0)
		return 0;
	while (in.left) {
		uint8_t op = fz_u8(&in);
		uint64_t off =
		    (op & 0x80) ? (uint64_t)fz_bytes(&in, 8) : (uint64_t)(fz_u8(&in) % 8);
		uint32_t sz = fz_size(&in);

		switch (op & 3) {
		case 0:
			vdev_le_put(buf, sz, fz_bytes(&in, sz));
			FZ_CHECK(vdev_acpi_pm_write(pm, off, buf, sz) == 0);
			break;
		case 1:
			FZ_CHECK(vdev_acpi_pm_read(pm, off, buf, sz) == 0);
			break;
		default:
			FZ_CHECK(vdev_acpi_pm_event(pm, (uint16_t)fz_bytes(&in, 2)) == 0);
			break;
		}
		uint8_t r[6];
		FZ_CHECK(vdev_acpi_pm_read(pm, 0, r, 4) == 0 &&
		         vdev_acpi_pm_read(pm, 4, r + 4, 2) == 0);
		uint16_t sts = (uint16_t)(r[0] | r[1] << 8), en = (uint16_t)(r[2] | r[3] << 8),
			 cnt = (uint16_t)(r[4] | r[5] << 8);
		FZ_CHECK(sci.level == ((sts & en) != 0));
		FZ_CHECK((cnt & VDEV_ACPI_PM1_SLP_EN) == 0 && (cnt & VDEV_ACPI_PM1_SCI_EN) != 0);
	}
	vdev_acpi_pm_destroy(pm);
	return 0;
}
