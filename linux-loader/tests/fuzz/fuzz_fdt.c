/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the arm64 device tree builder: the input describes a machine
 * (any values, consistent or not). A build must either fail cleanly or give a tree that
 * libfdt's full check accepts, whose chosen node holds the bootargs given.
 */
#include <cvmm/linux_loader_fdt.h>

#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct reader *r, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && r->left; i++, r->left--)
		v |= (uint64_t)*r->p++ << (8 * i);
	return v;
}

static void take_device(struct reader *r, struct ll_fdt_device *m)
{
	uint8_t f = (uint8_t)take(r, 1);

	m->kind = (enum ll_fdt_device_kind)(f % 5); /* 4 is no kind */
	m->is_stdout = f & 4;
	m->clock_hz = (uint32_t)take(r, 4);
	m->base = take(r, 8);
	m->size = take(r, 4);
	m->spi = (uint32_t)take(r, 2);
	m->trigger = (uint32_t)take(r, 1) & 7;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BUF_SIZE];
	static struct ll_fdt_arm64 cfg;
	struct reader r = {data, size};
	char bootargs[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.num_cpus = (uint32_t)take(&r, 1) % (LL_FDT_MAX_CPUS + 2);
	for (uint32_t i = 0; i < cfg.num_cpus && i < LL_FDT_MAX_CPUS; i++)
		cfg.mpidr[i] = take(&r, 5);
	cfg.ram_base = take(&r, 8);
	cfg.ram_size = take(&r, 8);
	cfg.initrd_start = take(&r, 8);
	cfg.initrd_size = take(&r, 4);
	cfg.gic_version = (uint32_t)take(&r, 1) % 5;
	cfg.gicd_base = take(&r, 8);
	cfg.gicd_size = take(&r, 4);
	cfg.gicc_or_gicr_base = take(&r, 8);
	cfg.gicc_or_gicr_size = take(&r, 4);
	uint8_t f = (uint8_t)take(&r, 1);
	cfg.model = f & 1 ? "fuzz" : NULL;
	cfg.num_devices = (uint32_t)take(&r, 1) % (LL_FDT_MAX_DEVICES + 2);
	for (uint32_t i = 0; i < cfg.num_devices && i < LL_FDT_MAX_DEVICES; i++)
		take_device(&r, &cfg.devices[i]);
	/* Keys on a PL061's pins: names valid and not, pins in and out of range. */
	static const char *const names[] = {
	    "power", "wakeup", "a", "Bad", "", "x y", NULL, "a-very-long-key-name-of-32-chars"};
	cfg.num_gpio_keys = (uint32_t)take(&r, 1) % (LL_FDT_MAX_GPIO_KEYS + 2);
	for (uint32_t i = 0; i < cfg.num_gpio_keys && i < LL_FDT_MAX_GPIO_KEYS; i++) {
		uint8_t k = (uint8_t)take(&r, 1);
		cfg.gpio_keys[i] = (struct ll_fdt_gpio_key){.name = names[k % 8],
		                                            .pin = (uint32_t)(k >> 3) % 10,
		                                            .code = (uint32_t)take(&r, 2),
		                                            .wakeup_source = k & 0x80};
	}
	size_t n = r.left < sizeof(bootargs) - 1 ? r.left : sizeof(bootargs) - 1;
	memcpy(bootargs, r.p, n);
	bootargs[n] = '\0';
	cfg.bootargs = bootargs;

	size_t buf_size = (size_t)(f >> 3) * 0x800 + 0x100;
	int ret = ll_fdt_arm64_build(&cfg, buf, buf_size);
	if (ret < 0)
		return 0;
	if ((size_t)ret > buf_size || fdt_check_full(buf, (size_t)ret) != 0)
		abort();
	const char *s = fdt_getprop(buf, fdt_path_offset(buf, "/chosen"), "bootargs", NULL);
	if (!s || strcmp(s, bootargs) != 0)
		abort();
	return 0;
}
