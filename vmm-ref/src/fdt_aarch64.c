// SPDX-License-Identifier: Apache-2.0
/* The arm64 guest's device tree, written front to back with libfdt's sequential-write API. */
#include "fdt_aarch64.h"

#include "layout_aarch64.h"

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

static bool mmio_ok(const struct vmm_fdt_mmio *m)
{
	return range_ok(m->base, m->size) && m->spi <= MAX_SPI &&
	       (m->trigger == VMM_FDT_IRQ_EDGE_RISING || m->trigger == VMM_FDT_IRQ_LEVEL_HIGH);
}

static bool config_ok(const struct vmm_fdt_aarch64 *c)
{
	if (c->num_cpus == 0 || c->num_cpus > VMM_FDT_MAX_CPUS)
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
	if (c->has_uart && (!mmio_ok(&c->uart) || c->uart_clock == 0))
		return false;
	if (c->has_rtc && (!mmio_ok(&c->rtc) || c->apb_clock == 0))
		return false;
	if (c->num_virtio > VMM_FDT_MAX_VIRTIO)
		return false;
	for (uint32_t i = 0; i < c->num_virtio; i++)
		if (!mmio_ok(&c->virtio[i]))
			return false;
	return true;
}

uint64_t vmm_fdt_aarch64_default_mpidr(uint32_t index)
{
	return (uint64_t)(index & 0xf) | (uint64_t)((index >> 4) & 0xff) << 8 |
	       (uint64_t)((index >> 12) & 0xff) << 16;
}

int vmm_fdt_aarch64_defaults(struct vmm_fdt_aarch64 *cfg, uint32_t num_cpus, uint64_t ram_size,
                             uint32_t gic_version)
{
	if (!cfg || num_cpus == 0 || num_cpus > VMM_FDT_MAX_CPUS ||
	    (gic_version != 2 && gic_version != 3) ||
	    (gic_version == 2 && num_cpus > GICV2_MAX_CPUS))
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_cpus = num_cpus;
	for (uint32_t i = 0; i < num_cpus; i++)
		cfg->mpidr[i] = vmm_fdt_aarch64_default_mpidr(i);
	cfg->ram_base = VMM_A64_RAM_BASE;
	cfg->ram_size = ram_size;
	cfg->gic_version = gic_version;
	cfg->gicd_base = VMM_A64_GICD_BASE;
	cfg->gicd_size = VMM_A64_GICD_SIZE;
	if (gic_version == 2) {
		cfg->gicc_or_gicr_base = VMM_A64_GICC_BASE;
		cfg->gicc_or_gicr_size = VMM_A64_GICC_SIZE;
	} else {
		cfg->gicc_or_gicr_base = VMM_A64_GICR_BASE;
		cfg->gicc_or_gicr_size = VMM_A64_GICR_STRIDE * num_cpus;
	}
	cfg->has_uart = true;
	cfg->uart = (struct vmm_fdt_mmio){VMM_A64_UART_BASE, VMM_A64_UART_SIZE, VMM_A64_UART_SPI,
	                                  VMM_FDT_IRQ_LEVEL_HIGH};
	cfg->uart_clock = VMM_A64_UART_CLOCK;
	cfg->uart_is_stdout = true;
	cfg->has_rtc = true;
	cfg->rtc = (struct vmm_fdt_mmio){VMM_A64_RTC_BASE, VMM_A64_RTC_SIZE, VMM_A64_RTC_SPI,
	                                 VMM_FDT_IRQ_LEVEL_HIGH};
	cfg->apb_clock = VMM_A64_APB_CLOCK;
	return 0;
}

static int add_cpus(void *fdt, const struct vmm_fdt_aarch64 *c)
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

static int add_memory(void *fdt, const struct vmm_fdt_aarch64 *c)
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

static int add_gic(void *fdt, const struct vmm_fdt_aarch64 *c)
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
	    (r = fdt_property_u32(fdt, "phandle", VMM_FDT_PHANDLE_GIC)))
		return r;
	if (c->gic_version == 3 && (r = fdt_property_u32(fdt, "#redistributor-regions", 1)))
		return r;
	return fdt_end_node(fdt);
}

static int add_timer(void *fdt, const struct vmm_fdt_aarch64 *c)
{
	/* Secure and non-secure physical, virtual, hypervisor timer PPIs. */
	static const uint32_t ppis[] = {13, 14, 11, 10};
	uint32_t irqs[12];
	uint32_t flags = VMM_FDT_IRQ_LEVEL_HIGH;
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

static int prop_spi(void *fdt, const struct vmm_fdt_mmio *m)
{
	uint32_t irq[3] = {GIC_SPI, m->spi, m->trigger};
	return prop_cells(fdt, "interrupts", irq, 3);
}

static int uart_path(const struct vmm_fdt_aarch64 *c, char *buf, size_t size)
{
	return snprintf(buf, size, "/uart@%llx", (unsigned long long)c->uart.base);
}

static int add_uart(void *fdt, const struct vmm_fdt_aarch64 *c)
{
	char name[32];
	int r;

	snprintf(name, sizeof(name), "uart@%llx", (unsigned long long)c->uart.base);
	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property_string(fdt, "compatible", "ns16550a")) ||
	    (r = prop_reg64(fdt, c->uart.base, c->uart.size)) || (r = prop_spi(fdt, &c->uart)) ||
	    (r = fdt_property_u32(fdt, "clock-frequency", c->uart_clock)) ||
	    (r = fdt_property_u32(fdt, "reg-shift", 0)) ||
	    (r = fdt_property_u32(fdt, "reg-io-width", 1)))
		return r;
	return fdt_end_node(fdt);
}

static int add_rtc(void *fdt, const struct vmm_fdt_aarch64 *c)
{
	static const char *const compat[] = {"arm,pl031", "arm,primecell"};
	char name[32];
	int r;

	/* Without a clock the AMBA bus never probes the PL031, and the guest has no RTC. */
	if ((r = fdt_begin_node(fdt, "apb-pclk")) ||
	    (r = fdt_property_string(fdt, "compatible", "fixed-clock")) ||
	    (r = fdt_property_u32(fdt, "#clock-cells", 0)) ||
	    (r = fdt_property_u32(fdt, "clock-frequency", c->apb_clock)) ||
	    (r = fdt_property_string(fdt, "clock-output-names", "apb_pclk")) ||
	    (r = fdt_property_u32(fdt, "phandle", VMM_FDT_PHANDLE_APB_CLOCK)) ||
	    (r = fdt_end_node(fdt)))
		return r;

	snprintf(name, sizeof(name), "rtc@%llx", (unsigned long long)c->rtc.base);
	if ((r = fdt_begin_node(fdt, name)) || (r = prop_strings(fdt, "compatible", compat, 2)) ||
	    (r = prop_reg64(fdt, c->rtc.base, c->rtc.size)) || (r = prop_spi(fdt, &c->rtc)) ||
	    (r = fdt_property_u32(fdt, "clocks", VMM_FDT_PHANDLE_APB_CLOCK)) ||
	    (r = fdt_property_string(fdt, "clock-names", "apb_pclk")))
		return r;
	return fdt_end_node(fdt);
}

static int add_virtio(void *fdt, const struct vmm_fdt_mmio *m)
{
	char name[40];
	int r;

	snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)m->base);
	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property_string(fdt, "compatible", "virtio,mmio")) ||
	    (r = prop_reg64(fdt, m->base, m->size)) || (r = prop_spi(fdt, m)) ||
	    /* KVM maps guest RAM cacheable: device and driver see the same data. */
	    (r = fdt_property(fdt, "dma-coherent", NULL, 0)))
		return r;
	return fdt_end_node(fdt);
}

static int add_chosen(void *fdt, const struct vmm_fdt_aarch64 *c)
{
	char path[40];
	int r;

	if ((r = fdt_begin_node(fdt, "chosen")))
		return r;
	if (c->bootargs && (r = fdt_property_string(fdt, "bootargs", c->bootargs)))
		return r;
	if (c->initrd_size &&
	    ((r = fdt_property_u64(fdt, "linux,initrd-start", c->initrd_start)) ||
	     (r = fdt_property_u64(fdt, "linux,initrd-end", c->initrd_start + c->initrd_size))))
		return r;
	if (c->has_uart && c->uart_is_stdout) {
		uart_path(c, path, sizeof(path));
		if ((r = fdt_property_string(fdt, "stdout-path", path)))
			return r;
	}
	return fdt_end_node(fdt);
}

static int add_aliases(void *fdt, const struct vmm_fdt_aarch64 *c)
{
	char path[40];
	int r;

	if (!c->has_uart)
		return 0;
	uart_path(c, path, sizeof(path));
	if ((r = fdt_begin_node(fdt, "aliases")) || (r = fdt_property_string(fdt, "serial0", path)))
		return r;
	return fdt_end_node(fdt);
}

static int build(void *fdt, size_t size, const struct vmm_fdt_aarch64 *c)
{
	int r;

	if ((r = fdt_create(fdt, (int)size)) || (r = fdt_finish_reservemap(fdt)) ||
	    (r = fdt_begin_node(fdt, "")) ||
	    (r = fdt_property_string(fdt, "compatible", "linux,dummy-virt")) ||
	    (r = fdt_property_string(fdt, "model", "cvmm vmm-ref")) ||
	    (r = fdt_property_u32(fdt, "#address-cells", 2)) ||
	    (r = fdt_property_u32(fdt, "#size-cells", 2)) ||
	    (r = fdt_property_u32(fdt, "interrupt-parent", VMM_FDT_PHANDLE_GIC)))
		return r;
	if ((r = add_chosen(fdt, c)) || (r = add_aliases(fdt, c)) || (r = add_memory(fdt, c)) ||
	    (r = add_cpus(fdt, c)) || (r = add_psci(fdt)) || (r = add_gic(fdt, c)) ||
	    (r = add_timer(fdt, c)))
		return r;
	if (c->has_uart && (r = add_uart(fdt, c)))
		return r;
	if (c->has_rtc && (r = add_rtc(fdt, c)))
		return r;
	for (uint32_t i = 0; i < c->num_virtio; i++)
		if ((r = add_virtio(fdt, &c->virtio[i])))
			return r;
	if ((r = fdt_end_node(fdt)))
		return r;
	return fdt_finish(fdt);
}

int vmm_fdt_aarch64_build(const struct vmm_fdt_aarch64 *cfg, void *buf, size_t buf_size)
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
