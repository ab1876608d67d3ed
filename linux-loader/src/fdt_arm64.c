/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 guest's device tree, written front to back with libfdt's sequential-write API. */
#include <cvmm/linux_loader_fdt.h>

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#define MPIDR_AFFINITY_MASK 0xff00ffffffull
#define GIC_SPI 0u
#define GIC_PPI 1u
/* Highest SPI the GIC architecture allows: interrupt IDs stop at 1019. */
#define MAX_SPI (1019u - 32u)
#define GICV2_MAX_CPUS 8u

static int fdt_err(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

/* Each helper returns 0 or a libfdt error; callers stop at the first error. */
static int prop_cells(void *fdt, const char *name, const uint32_t *cells, size_t n)
{
	fdt32_t be[16];

	for (size_t i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(fdt, name, be, (int)(n * sizeof(be[0])));
}

/* A <base size> pair in the root's 2 + 2 cells. */
static int prop_reg64(void *fdt, uint64_t base, uint64_t size)
{
	uint32_t c[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
	                 (uint32_t)size};
	return prop_cells(fdt, "reg", c, 4);
}

/* compatible lists and the like: several NUL-separated strings. */
static int prop_strings(void *fdt, const char *name, const char *const *s, size_t n)
{
	char buf[128];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(s[i]) + 1;
		if (l > sizeof(buf) - len)
			return -FDT_ERR_BADVALUE;
		memcpy(buf + len, s[i], l);
		len += l;
	}
	return fdt_property(fdt, name, buf, (int)len);
}

static bool range_ok(uint64_t base, uint64_t size)
{
	return size != 0 && base <= UINT64_MAX - size;
}

static bool mmio_ok(const struct ll_fdt_device *m)
{
	return range_ok(m->base, m->size) && m->spi <= MAX_SPI &&
	       (m->trigger == LL_FDT_IRQ_EDGE_RISING || m->trigger == LL_FDT_IRQ_LEVEL_HIGH);
}

static bool key_name_ok(const char *n)
{
	size_t len = n ? strlen(n) : 0;

	if (len == 0 || len > 31)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-'))
			return false;
	return true;
}

/* The APB clock of the tree's AMBA devices (PL031, PL061); 0 when there are none. */
static uint32_t apb_clock(const struct ll_fdt_arm64 *c)
{
	for (uint32_t i = 0; i < c->num_devices && i < LL_FDT_MAX_DEVICES; i++)
		if (c->devices[i].kind == LL_FDT_PL031 || c->devices[i].kind == LL_FDT_PL061)
			return c->devices[i].clock_hz;
	return 0;
}

static bool config_ok(const struct ll_fdt_arm64 *c)
{
	uint32_t rtcs = 0, gpios = 0;

	if (c->num_cpus == 0 || c->num_cpus > LL_FDT_MAX_CPUS)
		return false;
	if (c->gic_version != 2 && c->gic_version != 3)
		return false;
	if (c->gic_version == 2 && c->num_cpus > GICV2_MAX_CPUS)
		return false;
	if (!range_ok(c->ram_base, c->ram_size) || !range_ok(c->gicd_base, c->gicd_size) ||
	    !range_ok(c->gicc_or_gicr_base, c->gicc_or_gicr_size))
		return false;
	if (c->initrd_size && !range_ok(c->initrd_start, c->initrd_size))
		return false;
	if (c->num_devices > LL_FDT_MAX_DEVICES)
		return false;
	for (uint32_t i = 0; i < c->num_devices; i++) {
		const struct ll_fdt_device *d = &c->devices[i];
		if (!mmio_ok(d))
			return false;
		switch (d->kind) {
		case LL_FDT_PL031:
			if (++rtcs > 1 || d->clock_hz == 0 || d->clock_hz != apb_clock(c))
				return false;
			break;
		case LL_FDT_PL061:
			if (++gpios > 1 || d->clock_hz == 0 || d->clock_hz != apb_clock(c))
				return false;
			break;
		case LL_FDT_NS16550A:
			if (d->clock_hz == 0)
				return false;
			break;
		case LL_FDT_VIRTIO_MMIO:
			break;
		default:
			return false;
		}
	}
	if (c->num_gpio_keys > LL_FDT_MAX_GPIO_KEYS || (c->num_gpio_keys && gpios != 1))
		return false;
	for (uint32_t i = 0; i < c->num_gpio_keys; i++) {
		if (!key_name_ok(c->gpio_keys[i].name) || c->gpio_keys[i].pin > 7)
			return false;
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(c->gpio_keys[i].name, c->gpio_keys[j].name) == 0)
				return false;
	}
	return true;
}

uint64_t ll_fdt_arm64_default_mpidr(uint32_t index)
{
	return (uint64_t)(index & 0xf) | (uint64_t)((index >> 4) & 0xff) << 8 |
	       (uint64_t)((index >> 12) & 0xff) << 16;
}

static int add_cpus(void *fdt, const struct ll_fdt_arm64 *c)
{
	char name[32];
	uint32_t cells = 1;
	int r;

	/* One address cell is enough unless an Aff3 field is used. */
	for (uint32_t i = 0; i < c->num_cpus; i++)
		if ((c->mpidr[i] & MPIDR_AFFINITY_MASK) >> 32)
			cells = 2;
	if ((r = fdt_begin_node(fdt, "cpus")) ||
	    (r = fdt_property_u32(fdt, "#address-cells", cells)) ||
	    (r = fdt_property_u32(fdt, "#size-cells", 0)))
		return r;
	for (uint32_t i = 0; i < c->num_cpus; i++) {
		uint64_t reg = c->mpidr[i] & MPIDR_AFFINITY_MASK;
		snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)reg);
		if ((r = fdt_begin_node(fdt, name)) ||
		    (r = fdt_property_string(fdt, "device_type", "cpu")) ||
		    (r = fdt_property_string(fdt, "compatible", "arm,arm-v8")) ||
		    (r = fdt_property_string(fdt, "enable-method", "psci")))
			return r;
		r = cells == 2 ? fdt_property_u64(fdt, "reg", reg)
		               : fdt_property_u32(fdt, "reg", (uint32_t)reg);
		if (r || (r = fdt_end_node(fdt)))
			return r;
	}
	return fdt_end_node(fdt);
}

static int add_psci(void *fdt)
{
	static const char *const compat[] = {"arm,psci-1.0", "arm,psci-0.2"};
	int r;

	if ((r = fdt_begin_node(fdt, "psci")) || (r = prop_strings(fdt, "compatible", compat, 2)) ||
	    (r = fdt_property_string(fdt, "method", "hvc")))
		return r;
	return fdt_end_node(fdt);
}

static int add_memory(void *fdt, const struct ll_fdt_arm64 *c)
{
	char name[32];
	int r;

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)c->ram_base);
	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property_string(fdt, "device_type", "memory")) ||
	    (r = prop_reg64(fdt, c->ram_base, c->ram_size)))
		return r;
	return fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct ll_fdt_arm64 *c)
{
	char name[32];
	uint32_t reg[8] = {
	    (uint32_t)(c->gicd_base >> 32),         (uint32_t)c->gicd_base,
	    (uint32_t)(c->gicd_size >> 32),         (uint32_t)c->gicd_size,
	    (uint32_t)(c->gicc_or_gicr_base >> 32), (uint32_t)c->gicc_or_gicr_base,
	    (uint32_t)(c->gicc_or_gicr_size >> 32), (uint32_t)c->gicc_or_gicr_size,
	};
	int r;

	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)c->gicd_base);
	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property_string(fdt, "compatible",
	                             c->gic_version == 2 ? "arm,cortex-a15-gic" : "arm,gic-v3")) ||
	    (r = fdt_property_u32(fdt, "#interrupt-cells", 3)) ||
	    (r = fdt_property(fdt, "interrupt-controller", NULL, 0)) ||
	    (r = prop_cells(fdt, "reg", reg, 8)) ||
	    (r = fdt_property_u32(fdt, "phandle", LL_FDT_PHANDLE_GIC)))
		return r;
	if (c->gic_version == 3 && (r = fdt_property_u32(fdt, "#redistributor-regions", 1)))
		return r;
	return fdt_end_node(fdt);
}

static int add_timer(void *fdt, const struct ll_fdt_arm64 *c)
{
	/* Secure and non-secure physical, virtual, hypervisor timer PPIs. */
	static const uint32_t ppis[] = {13, 14, 11, 10};
	uint32_t irqs[12];
	uint32_t flags = LL_FDT_IRQ_LEVEL_HIGH;
	int r;

	/* The PPI CPU mask is a GICv2 notion; the GICv3 binding has no such field. */
	if (c->gic_version == 2)
		flags |= ((1u << c->num_cpus) - 1) << 8;
	for (size_t i = 0; i < 4; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = ppis[i];
		irqs[3 * i + 2] = flags;
	}
	if ((r = fdt_begin_node(fdt, "timer")) ||
	    (r = fdt_property_string(fdt, "compatible", "arm,armv8-timer")) ||
	    (r = prop_cells(fdt, "interrupts", irqs, 12)) ||
	    (r = fdt_property(fdt, "always-on", NULL, 0)))
		return r;
	return fdt_end_node(fdt);
}

static int prop_spi(void *fdt, const struct ll_fdt_device *d)
{
	uint32_t irq[3] = {GIC_SPI, d->spi, d->trigger};
	return prop_cells(fdt, "interrupts", irq, 3);
}

static void device_path(const struct ll_fdt_device *d, char *buf, size_t size)
{
	static const char *const node[] = {
	    [LL_FDT_NS16550A] = "uart",
	    [LL_FDT_PL031] = "rtc",
	    [LL_FDT_PL061] = "gpio",
	    [LL_FDT_VIRTIO_MMIO] = "virtio_mmio",
	};
	snprintf(buf, size, "/%s@%llx", node[d->kind], (unsigned long long)d->base);
}

/* The first NS16550A marked is_stdout, or NULL. */
static const struct ll_fdt_device *stdout_uart(const struct ll_fdt_arm64 *c)
{
	for (uint32_t i = 0; i < c->num_devices; i++)
		if (c->devices[i].kind == LL_FDT_NS16550A && c->devices[i].is_stdout)
			return &c->devices[i];
	return NULL;
}

static int add_uart(void *fdt, const struct ll_fdt_device *d, const char *name)
{
	int r;

	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property_string(fdt, "compatible", "ns16550a")) ||
	    (r = prop_reg64(fdt, d->base, d->size)) || (r = prop_spi(fdt, d)) ||
	    (r = fdt_property_u32(fdt, "clock-frequency", d->clock_hz)) ||
	    (r = fdt_property_u32(fdt, "reg-shift", 0)) ||
	    (r = fdt_property_u32(fdt, "reg-io-width", 1)))
		return r;
	return fdt_end_node(fdt);
}

/* Without a clock the AMBA bus probes no PrimeCell (PL031, PL061): they share one fixed
   clock of their rate, phandle LL_FDT_PHANDLE_APB_CLOCK, written once before them. */
static int add_apb_clock(void *fdt, uint32_t hz)
{
	int r;

	if ((r = fdt_begin_node(fdt, "apb-pclk")) ||
	    (r = fdt_property_string(fdt, "compatible", "fixed-clock")) ||
	    (r = fdt_property_u32(fdt, "#clock-cells", 0)) ||
	    (r = fdt_property_u32(fdt, "clock-frequency", hz)) ||
	    (r = fdt_property_string(fdt, "clock-output-names", "apb_pclk")) ||
	    (r = fdt_property_u32(fdt, "phandle", LL_FDT_PHANDLE_APB_CLOCK)))
		return r;
	return fdt_end_node(fdt);
}

static int add_primecell(void *fdt, const struct ll_fdt_device *d, const char *name)
{
	static const char *const rtc[] = {"arm,pl031", "arm,primecell"};
	static const char *const gpio[] = {"arm,pl061", "arm,primecell"};
	int r;

	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = prop_strings(fdt, "compatible", d->kind == LL_FDT_PL031 ? rtc : gpio, 2)) ||
	    (r = prop_reg64(fdt, d->base, d->size)) || (r = prop_spi(fdt, d)) ||
	    (r = fdt_property_u32(fdt, "clocks", LL_FDT_PHANDLE_APB_CLOCK)) ||
	    (r = fdt_property_string(fdt, "clock-names", "apb_pclk")))
		return r;
	if (d->kind == LL_FDT_PL061 &&
	    ((r = fdt_property(fdt, "gpio-controller", NULL, 0)) ||
	     (r = fdt_property_u32(fdt, "#gpio-cells", 2)) ||
	     (r = fdt_property_u32(fdt, "phandle", LL_FDT_PHANDLE_GPIO))))
		return r;
	return fdt_end_node(fdt);
}

/* The keys on the PL061's pins: one gpio-keys node, a child per key. */
static int add_gpio_keys(void *fdt, const struct ll_fdt_arm64 *c)
{
	int r;

	if (c->num_gpio_keys == 0)
		return 0;
	if ((r = fdt_begin_node(fdt, "gpio-keys")) ||
	    (r = fdt_property_string(fdt, "compatible", "gpio-keys")))
		return r;
	for (uint32_t i = 0; i < c->num_gpio_keys; i++) {
		const struct ll_fdt_gpio_key *k = &c->gpio_keys[i];
		/* phandle, pin, GPIO_ACTIVE_HIGH */
		uint32_t gpios[3] = {LL_FDT_PHANDLE_GPIO, k->pin, 0};
		if ((r = fdt_begin_node(fdt, k->name)) ||
		    (r = fdt_property_string(fdt, "label", k->name)) ||
		    (r = fdt_property_u32(fdt, "linux,code", k->code)) ||
		    (r = prop_cells(fdt, "gpios", gpios, 3)) ||
		    (k->wakeup_source && (r = fdt_property(fdt, "wakeup-source", NULL, 0))) ||
		    (r = fdt_end_node(fdt)))
			return r;
	}
	return fdt_end_node(fdt);
}

static int add_virtio(void *fdt, const struct ll_fdt_device *d, const char *name)
{
	int r;

	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property_string(fdt, "compatible", "virtio,mmio")) ||
	    (r = prop_reg64(fdt, d->base, d->size)) || (r = prop_spi(fdt, d)) ||
	    /* KVM maps guest RAM cacheable: device and driver see the same data. */
	    (r = fdt_property(fdt, "dma-coherent", NULL, 0)))
		return r;
	return fdt_end_node(fdt);
}

static int add_device(void *fdt, const struct ll_fdt_device *d)
{
	char name[48];

	device_path(d, name, sizeof(name));
	switch (d->kind) {
	case LL_FDT_NS16550A:
		return add_uart(fdt, d, name + 1);
	case LL_FDT_PL031:
	case LL_FDT_PL061:
		return add_primecell(fdt, d, name + 1);
	default:
		return add_virtio(fdt, d, name + 1);
	}
}

static int add_chosen(void *fdt, const struct ll_fdt_arm64 *c)
{
	char path[48];
	int r;

	if ((r = fdt_begin_node(fdt, "chosen")))
		return r;
	if (c->bootargs && (r = fdt_property_string(fdt, "bootargs", c->bootargs)))
		return r;
	if (c->initrd_size &&
	    ((r = fdt_property_u64(fdt, "linux,initrd-start", c->initrd_start)) ||
	     (r = fdt_property_u64(fdt, "linux,initrd-end", c->initrd_start + c->initrd_size))))
		return r;
	if (stdout_uart(c)) {
		device_path(stdout_uart(c), path, sizeof(path));
		if ((r = fdt_property_string(fdt, "stdout-path", path)))
			return r;
	}
	return fdt_end_node(fdt);
}

static int add_aliases(void *fdt, const struct ll_fdt_arm64 *c)
{
	const struct ll_fdt_device *uart = stdout_uart(c);
	char path[48];
	int r;

	if (!uart)
		return 0;
	device_path(uart, path, sizeof(path));
	if ((r = fdt_begin_node(fdt, "aliases")) || (r = fdt_property_string(fdt, "serial0", path)))
		return r;
	return fdt_end_node(fdt);
}

static int build(void *fdt, size_t size, const struct ll_fdt_arm64 *c)
{
	int r;

	if ((r = fdt_create(fdt, (int)size)) || (r = fdt_finish_reservemap(fdt)) ||
	    (r = fdt_begin_node(fdt, "")) ||
	    (r = fdt_property_string(fdt, "compatible", "linux,dummy-virt")) ||
	    (r = fdt_property_string(fdt, "model", c->model ? c->model : "cvmm")) ||
	    (r = fdt_property_u32(fdt, "#address-cells", 2)) ||
	    (r = fdt_property_u32(fdt, "#size-cells", 2)) ||
	    (r = fdt_property_u32(fdt, "interrupt-parent", LL_FDT_PHANDLE_GIC)))
		return r;
	if ((r = add_chosen(fdt, c)) || (r = add_aliases(fdt, c)) || (r = add_memory(fdt, c)) ||
	    (r = add_cpus(fdt, c)) || (r = add_psci(fdt)) || (r = add_gic(fdt, c)) ||
	    (r = add_timer(fdt, c)))
		return r;
	if (apb_clock(c) && (r = add_apb_clock(fdt, apb_clock(c))))
		return r;
	for (uint32_t i = 0; i < c->num_devices; i++)
		if ((r = add_device(fdt, &c->devices[i])))
			return r;
	if ((r = add_gpio_keys(fdt, c)) || (r = fdt_end_node(fdt)))
		return r;
	return fdt_finish(fdt);
}

int ll_fdt_arm64_build(const struct ll_fdt_arm64 *cfg, void *buf, size_t buf_size)
{
	int r;

	if (!cfg || !buf || !config_ok(cfg))
		return -EINVAL;
	if (buf_size > INT32_MAX)
		buf_size = INT32_MAX;
	r = build(buf, buf_size, cfg);
	if (r)
		return fdt_err(r);
	return (int)fdt_totalsize(buf);
}
