/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed corpus of fuzz_devices_state (fuzz/corpus/state): each file is a device byte
 * (the harness's numbering) and a state saved from a device driven through its registers.
 * This test checks that the files are what the current code saves, so the seeds stay
 * valid states; with CVMM_WRITE_SEEDS=1 in the environment it writes them instead.
 */
#include <cvmm/devices.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D_UART, D_RTC, D_PL061, D_CMOS, D_I8042, D_ACPI_PM };

#define NOW (1700000000LL * 1000000000LL) /* the harness's clock */

static int64_t fixed_clock(void *ctx)
{
	(void)ctx;
	return NOW;
}

static void check_seed(const char *name, int kind, struct vdev_state_writer *w)
{
	char path[512];
	uint8_t *want = malloc(w->len + 1);

	cr_assert_eq(w->error, 0);
	cr_assert_not_null(want);
	want[0] = (uint8_t)kind;
	memcpy(want + 1, w->buf, w->len);
	snprintf(path, sizeof(path), "%s/%s", STATE_SEED_DIR, name);
	const char *write = getenv("CVMM_WRITE_SEEDS");
	if (write && strcmp(write, "1") == 0) {
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f, "%s", path);
		cr_assert_eq(fwrite(want, 1, w->len + 1, f), w->len + 1);
		fclose(f);
	} else {
		uint8_t got[1024];
		FILE *f = fopen(path, "rb");
		cr_assert_not_null(f, "%s: missing (CVMM_WRITE_SEEDS=1 writes it)", path);
		size_t n = fread(got, 1, sizeof(got), f);
		fclose(f);
		cr_expect_eq(n, w->len + 1, "%s: not what this build saves", name);
		cr_expect(n == w->len + 1 && memcmp(got, want, n) == 0,
		          "%s: not what this build saves (CVMM_WRITE_SEEDS=1 writes it)", name);
	}
	free(want);
	vdev_state_writer_free(w);
}

static void put(void *dev, int (*write)(void *, uint64_t, const uint8_t *, uint32_t), uint64_t off,
                uint8_t v)
{
	cr_assert_eq(write(dev, off, &v, 1), 0);
}

Test(state_seeds, uart)
{
	struct vdev_uart_config cfg = {.out_fd = -1};
	struct vdev_uart *u;
	struct vdev_state_writer w;
	int (*wr)(void *, uint64_t, const uint8_t *, uint32_t) = vdev_uart_ops()->write;

	cr_assert_eq(vdev_uart_create(&cfg, &u), 0);
	put(u, wr, 3, 0x80);
	put(u, wr, 0, 0x01);
	put(u, wr, 3, 0x03);
	put(u, wr, 2, 0x87);
	put(u, wr, 4, 0x0b);
	put(u, wr, 1, 0x0f);
	cr_assert_eq(vdev_uart_push_input(u, (const uint8_t *)"seed", 4), 4);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_uart_save(u, &w), 0);
	check_seed("uart", D_UART, &w);
	vdev_uart_destroy(u);
}

Test(state_seeds, rtc)
{
	struct vdev_rtc_config cfg = {.clock_ns = fixed_clock};
	struct vdev_rtc *rtc;
	struct vdev_state_writer w;
	int (*wr)(void *, uint64_t, const uint8_t *, uint32_t) = vdev_rtc_ops()->write;
	uint8_t v[4];

	cr_assert_eq(vdev_rtc_create(&cfg, &rtc), 0);
	vdev_le_put(v, 4, 1700000000u + 3600);
	cr_assert_eq(wr(rtc, 0x08, v, 4), 0);
	vdev_le_put(v, 4, 1700000000u + 3610);
	cr_assert_eq(wr(rtc, 0x04, v, 4), 0);
	vdev_le_put(v, 4, 1);
	cr_assert_eq(wr(rtc, 0x10, v, 4), 0);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_rtc_save(rtc, &w), 0);
	check_seed("rtc", D_RTC, &w);
	vdev_rtc_destroy(rtc);
}

Test(state_seeds, pl061)
{
	struct vdev_pl061_config cfg = {0};
	struct vdev_pl061 *g;
	struct vdev_state_writer w;
	int (*wr)(void *, uint64_t, const uint8_t *, uint32_t) = vdev_pl061_ops()->write;

	cr_assert_eq(vdev_pl061_create(&cfg, &g), 0);
	put(g, wr, 0x400, 0xf0);
	put(g, wr, 0x3fc, 0x50);
	put(g, wr, 0x408, 0x01);
	put(g, wr, 0x410, 0x03);
	cr_assert_eq(vdev_pl061_set_input(g, 0, true), 0);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_pl061_save(g, &w), 0);
	check_seed("pl061", D_PL061, &w);
	vdev_pl061_destroy(g);
}

Test(state_seeds, cmos)
{
	struct vdev_cmos_config cfg = {.clock_ns = fixed_clock};
	struct vdev_cmos *c;
	struct vdev_state_writer w;
	int (*wr)(void *, uint64_t, const uint8_t *, uint32_t) = vdev_cmos_ops()->write;
	static const uint8_t set[][2] = {
	    {0x01, 0x30}, {0x03, 0xc0}, {0x05, 0xc0}, {0x0b, 0x22}, {0x40, 0x99}};

	cr_assert_eq(vdev_cmos_create(&cfg, &c), 0);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		put(c, wr, 0, set[i][0]);
		put(c, wr, 1, set[i][1]);
	}
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_cmos_save(c, &w), 0);
	check_seed("cmos", D_CMOS, &w);
	vdev_cmos_destroy(c);
}

Test(state_seeds, i8042)
{
	struct vdev_i8042_config cfg = {0};
	struct vdev_i8042 *d;
	struct vdev_state_writer w;
	int (*wr)(void *, uint64_t, const uint8_t *, uint32_t) = vdev_i8042_ops()->write;

	cr_assert_eq(vdev_i8042_create(&cfg, &d), 0);
	put(d, wr, 0, 0xf2);
	put(d, wr, 4, 0xd3);
	put(d, wr, 0, 0x42);
	put(d, wr, 4, 0xd1);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_i8042_save(d, &w), 0);
	check_seed("i8042", D_I8042, &w);
	vdev_i8042_destroy(d);
}

Test(state_seeds, acpi_pm)
{
	struct vdev_acpi_pm_config cfg = {0};
	struct vdev_acpi_pm *pm;
	struct vdev_state_writer w;
	int (*wr)(void *, uint64_t, const uint8_t *, uint32_t) = vdev_acpi_pm_ops()->write;

	cr_assert_eq(vdev_acpi_pm_create(&cfg, &pm), 0);
	put(pm, wr, 2, 0x00);
	put(pm, wr, 3, 0x05);
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_PWRBTN), 0);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_acpi_pm_save(pm, &w), 0);
	check_seed("acpi_pm", D_ACPI_PM, &w);
	vdev_acpi_pm_destroy(pm);
}
