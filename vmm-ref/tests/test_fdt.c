/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 device tree, built and then read back node by node with libfdt. */
#include "fdt_aarch64.h"
#include "layout_aarch64.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE 0x10000
#define MIB (1024ull * 1024ull)

static uint8_t fdt[BUF_SIZE];
static struct ll_fdt_arm64 cfg;

/* Where the record below puts each device in the device list. */
enum { VMM_FDT_DEV_UART, VMM_FDT_DEV_RTC, VMM_FDT_DEV_VIRTIO };

/* The record of vmm-ref's arm64 machine as machine.c and machine_aarch64.c make it:
   KVM's reset MPIDRs, the vGIC at the layout's addresses, the UART, the PL031, then
   num_virtio virtio-mmio slots, then the PL061 with the keys; and cfg described from
   it. */
static int describe(uint32_t cpus, uint64_t ram, uint32_t gic, uint32_t num_virtio)
{
	static struct vmm_machine_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.vcpus = cpus;
	for (uint32_t i = 0; i < cpus && i < VMM_VCPUS_MAX; i++)
		rec.mpidr[i] = ll_fdt_arm64_default_mpidr(i);
	rec.gic_version = gic;
	rec.gicd_base = VMM_A64_GICD_BASE;
	rec.gicd_size = VMM_A64_GICD_SIZE;
	rec.gicc_or_gicr_base = gic == 2 ? VMM_A64_GICC_BASE : VMM_A64_GICR_BASE;
	rec.gicc_or_gicr_size = gic == 2 ? VMM_A64_GICC_SIZE : VMM_A64_GICR_STRIDE * cpus;
	cr_assert_eq(vmm_machine_record_add(&rec, VMM_DEVICE_UART, VMM_A64_UART_BASE,
	                                    VMM_A64_UART_SIZE, VMM_A64_UART_SPI),
	             0);
	cr_assert_eq(vmm_machine_record_add(&rec, VMM_DEVICE_RTC, VMM_A64_RTC_BASE,
	                                    VMM_A64_RTC_SIZE, VMM_A64_RTC_SPI),
	             0);
	for (uint32_t i = 0; i < num_virtio; i++)
		if (vmm_machine_record_add(&rec, VMM_DEVICE_VIRTIO,
		                           VMM_A64_VIRTIO_BASE + i * VMM_A64_VIRTIO_SIZE,
		                           VMM_A64_VIRTIO_SIZE, VMM_A64_VIRTIO_SPI_BASE + i) < 0)
			return -ENOSPC;
	if (vmm_machine_record_add(&rec, VMM_DEVICE_GPIO, VMM_A64_GPIO_BASE, VMM_A64_GPIO_SIZE,
	                           VMM_A64_GPIO_SPI) < 0)
		return -ENOSPC;
	return vmm_fdt_aarch64_describe(&cfg, &rec, ram);
}

static int node(const char *path)
{
	int off = fdt_path_offset(fdt, path);
	cr_assert_geq(off, 0, "node %s: %s", path, fdt_strerror(off));
	return off;
}

/* The property's cells, checking it holds exactly n of them. */
static const fdt32_t *cells(const char *path, const char *name, int n)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node(path), name, &len);
	cr_assert_not_null(p, "%s:%s missing", path, name);
	cr_assert_eq(len, n * 4, "%s:%s has %d bytes", path, name, len);
	return p;
}

static uint32_t cell(const char *path, const char *name)
{
	return fdt32_to_cpu(cells(path, name, 1)[0]);
}

static uint64_t cell64(const fdt32_t *c)
{
	return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

static const char *str(const char *path, const char *name)
{
	const char *s = fdt_getprop(fdt, node(path), name, NULL);
	cr_assert_not_null(s, "%s:%s missing", path, name);
	return s;
}

static void assert_strings(const char *path, const char *name, const char *a, const char *b)
{
	int off = node(path);
	cr_assert_eq(fdt_stringlist_count(fdt, off, name), b ? 2 : 1);
	cr_assert_str_eq(fdt_stringlist_get(fdt, off, name, 0, NULL), a);
	if (b)
		cr_assert_str_eq(fdt_stringlist_get(fdt, off, name, 1, NULL), b);
}

static void assert_irq(const char *path, uint32_t type, uint32_t num, uint32_t flags)
{
	const fdt32_t *c = cells(path, "interrupts", 3);
	cr_assert_eq(fdt32_to_cpu(c[0]), type);
	cr_assert_eq(fdt32_to_cpu(c[1]), num);
	cr_assert_eq(fdt32_to_cpu(c[2]), flags);
}

static void assert_reg(const char *path, uint64_t base, uint64_t size)
{
	const fdt32_t *c = cells(path, "reg", 4);
	cr_assert_eq(cell64(c), base, "%s base", path);
	cr_assert_eq(cell64(c + 2), size, "%s size", path);
}

static int build(void)
{
	memset(fdt, 0xee, sizeof(fdt));
	int size = ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt));
	cr_assert_gt(size, 0, "build: %d", size);
	cr_assert_eq(fdt_check_header(fdt), 0);
	cr_assert_eq((int)fdt_totalsize(fdt), size);
	return size;
}

Test(fdt, gicv2_machine_with_everything)
{
	cr_assert_eq(describe(2, 256 * MIB, 2, 2), 0);
	cfg.bootargs = "console=ttyS0 quiet";
	cfg.initrd_start = 0x8f000000;
	cfg.initrd_size = 0x123456;
	/* vmm-ref's virtio lines are edge-triggered (vmm_arch_desc.virtio_irq_edge), the
	   others level-triggered. */
	for (uint32_t i = 0; i < 2; i++)
		cr_assert_eq(cfg.devices[VMM_FDT_DEV_VIRTIO + i].trigger, LL_FDT_IRQ_EDGE_RISING);
	cr_assert_eq(cfg.devices[VMM_FDT_DEV_UART].trigger, LL_FDT_IRQ_LEVEL_HIGH, "the UART");
	int size = build();
	cr_assert_lt(size, 4096, "a small machine's tree is small (%d bytes)", size);

	/* Root */
	cr_assert_eq(cell("/", "#address-cells"), 2);
	cr_assert_eq(cell("/", "#size-cells"), 2);
	cr_assert_eq(cell("/", "interrupt-parent"), LL_FDT_PHANDLE_GIC);

	/* CPUs and PSCI */
	cr_assert_eq(cell("/cpus", "#address-cells"), 1);
	cr_assert_eq(cell("/cpus", "#size-cells"), 0);
	cr_assert_eq(cell("/cpus/cpu@0", "reg"), 0);
	cr_assert_eq(cell("/cpus/cpu@1", "reg"), 1);
	cr_assert_str_eq(str("/cpus/cpu@1", "enable-method"), "psci");
	cr_assert_str_eq(str("/cpus/cpu@1", "device_type"), "cpu");
	cr_assert_lt(fdt_path_offset(fdt, "/cpus/cpu@2"), 0);
	assert_strings("/psci", "compatible", "arm,psci-1.0", "arm,psci-0.2");
	cr_assert_str_eq(str("/psci", "method"), "hvc");

	/* Memory and chosen */
	cr_assert_str_eq(str("/memory@80000000", "device_type"), "memory");
	assert_reg("/memory@80000000", VMM_A64_RAM_BASE, 256 * MIB);
	cr_assert_str_eq(str("/chosen", "bootargs"), "console=ttyS0 quiet");
	cr_assert_eq(cell64(cells("/chosen", "linux,initrd-start", 2)), 0x8f000000);
	cr_assert_eq(cell64(cells("/chosen", "linux,initrd-end", 2)), 0x8f000000 + 0x123456);
	cr_assert_str_eq(str("/chosen", "stdout-path"), "/uart@9000000");
	cr_assert_str_eq(str("/aliases", "serial0"), "/uart@9000000");

	/* GICv2 and the timer (CPU mask of 2 CPUs in the PPI flags) */
	const char *gic = "/intc@8000000";
	cr_assert_str_eq(str(gic, "compatible"), "arm,cortex-a15-gic");
	cr_assert_eq(cell(gic, "#interrupt-cells"), 3);
	cr_assert_not_null(fdt_getprop(fdt, node(gic), "interrupt-controller", NULL));
	cr_assert_eq(cell(gic, "phandle"), LL_FDT_PHANDLE_GIC);
	cr_assert_eq(fdt_node_offset_by_phandle(fdt, LL_FDT_PHANDLE_GIC), node(gic));
	const fdt32_t *r = cells(gic, "reg", 8);
	cr_assert_eq(cell64(r), VMM_A64_GICD_BASE);
	cr_assert_eq(cell64(r + 2), VMM_A64_GICD_SIZE);
	cr_assert_eq(cell64(r + 4), VMM_A64_GICC_BASE);
	cr_assert_eq(cell64(r + 6), VMM_A64_GICC_SIZE);
	cr_assert_str_eq(str("/timer", "compatible"), "arm,armv8-timer");
	const fdt32_t *t = cells("/timer", "interrupts", 12);
	static const uint32_t ppis[] = {13, 14, 11, 10};
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(fdt32_to_cpu(t[3 * i]), 1, "PPI");
		cr_assert_eq(fdt32_to_cpu(t[3 * i + 1]), ppis[i]);
		cr_assert_eq(fdt32_to_cpu(t[3 * i + 2]), (3u << 8) | 4);
	}

	/* UART */
	const char *uart = "/uart@9000000";
	cr_assert_str_eq(str(uart, "compatible"), "ns16550a");
	assert_reg(uart, VMM_A64_UART_BASE, VMM_A64_UART_SIZE);
	assert_irq(uart, 0, VMM_A64_UART_SPI, 4);
	cr_assert_eq(cell(uart, "clock-frequency"), VMM_A64_UART_CLOCK);
	cr_assert_eq(cell(uart, "reg-shift"), 0);
	cr_assert_eq(cell(uart, "reg-io-width"), 1);

	/* PL031 and the clock it needs to probe */
	const char *rtc = "/rtc@9010000";
	assert_strings(rtc, "compatible", "arm,pl031", "arm,primecell");
	assert_reg(rtc, VMM_A64_RTC_BASE, VMM_A64_RTC_SIZE);
	assert_irq(rtc, 0, VMM_A64_RTC_SPI, 4);
	cr_assert_str_eq(str(rtc, "clock-names"), "apb_pclk");
	int clk = fdt_node_offset_by_phandle(fdt, cell(rtc, "clocks"));
	cr_assert_geq(clk, 0, "clocks points at a node");
	cr_assert_eq(fdt_node_check_compatible(fdt, clk, "fixed-clock"), 0);
	cr_assert_eq(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, clk, "#clock-cells", NULL)),
	             0);
	cr_assert_eq(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, clk, "clock-frequency", NULL)),
	             VMM_A64_APB_CLOCK);

	/* virtio-mmio */
	cr_assert_str_eq(str("/virtio_mmio@a000000", "compatible"), "virtio,mmio");
	assert_reg("/virtio_mmio@a000200", VMM_A64_VIRTIO_BASE + 0x200, 0x200);
	assert_irq("/virtio_mmio@a000200", 0, VMM_A64_VIRTIO_SPI_BASE + 1, 1);
	cr_assert_not_null(fdt_getprop(fdt, node("/virtio_mmio@a000000"), "dma-coherent", NULL));
	cr_assert_lt(fdt_path_offset(fdt, "/virtio_mmio@a000400"), 0);
}

Test(fdt, gicv3_sixteen_cpus)
{
	cr_assert_eq(describe(17, 1024 * MIB, 3, 0), 0);
	build();
	const char *gic = "/intc@8000000";
	cr_assert_str_eq(str(gic, "compatible"), "arm,gic-v3");
	const fdt32_t *r = cells(gic, "reg", 8);
	cr_assert_eq(cell64(r + 4), VMM_A64_GICR_BASE);
	cr_assert_eq(cell64(r + 6), 17 * VMM_A64_GICR_STRIDE, "one redistributor per vCPU");
	/* KVM's MPIDR for vCPU 16: Aff1 = 1, Aff0 = 0. */
	cr_assert_eq(ll_fdt_arm64_default_mpidr(16), 0x100);
	cr_assert_eq(cell("/cpus/cpu@100", "reg"), 0x100);
	cr_assert_eq(cell("/cpus/cpu@f", "reg"), 0xf);
	/* No CPU mask in GICv3 PPI flags. */
	const fdt32_t *t = cells("/timer", "interrupts", 12);
	cr_assert_eq(fdt32_to_cpu(t[2]), 4);
	/* No initrd, no bootargs given: none in the tree. */
	cr_assert_null(fdt_getprop(fdt, node("/chosen"), "linux,initrd-start", NULL));
	cr_assert_null(fdt_getprop(fdt, node("/chosen"), "bootargs", NULL));
}

Test(fdt, aff3_needs_two_address_cells)
{
	cr_assert_eq(describe(2, 256 * MIB, 3, 0), 0);
	cfg.mpidr[1] = 0x100000001ull | 0x80000000ull; /* Aff3 = 1, bit 31 (RES1) dropped */
	build();
	cr_assert_eq(cell("/cpus", "#address-cells"), 2);
	cr_assert_eq(cell64(cells("/cpus/cpu@0", "reg", 2)), 0);
	cr_assert_eq(cell64(cells("/cpus/cpu@100000001", "reg", 2)), 0x100000001ull);
}

Test(fdt, without_uart_and_rtc)
{
	cr_assert_eq(describe(1, 64 * MIB, 2, 0), 0);
	cfg.num_devices = 0;
	cfg.num_gpio_keys = 0;
	build();
	cr_assert_lt(fdt_path_offset(fdt, "/uart@9000000"), 0);
	cr_assert_lt(fdt_path_offset(fdt, "/rtc@9010000"), 0);
	cr_assert_lt(fdt_path_offset(fdt, "/apb-pclk"), 0);
	cr_assert_null(fdt_getprop(fdt, node("/chosen"), "stdout-path", NULL));
	const fdt32_t *t = cells("/timer", "interrupts", 12);
	cr_assert_eq(fdt32_to_cpu(t[2]), (1u << 8) | 4);
}

Test(fdt, buffer_too_small)
{
	cr_assert_eq(describe(2, 256 * MIB, 2, 0), 0);
	int size = build();
	for (int s = 0; s < size; s += 97)
		cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, (size_t)s), -ENOSPC, "size %d", s);
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, (size_t)size - 1), -ENOSPC);
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, (size_t)size), size, "exactly enough");
	cr_assert_eq(fdt_check_header(fdt), 0);
}

/* The PL061 as an AMBA GPIO controller on the shared APB clock, and its two keys as
   gpio-keys: the power key, and the wake-up key that may wake the guest. */
Test(fdt, gpio_and_keys)
{
	cr_assert_eq(describe(1, 256 * MIB, 3, 1), 0);
	cr_assert_gt(build(), 0);
	const char *g = "/gpio@9020000";
	assert_strings(g, "compatible", "arm,pl061", "arm,primecell");
	assert_reg(g, VMM_A64_GPIO_BASE, VMM_A64_GPIO_SIZE);
	assert_irq(g, 0, VMM_A64_GPIO_SPI, 4);
	cr_assert_eq(cell(g, "#gpio-cells"), 2);
	cr_assert_not_null(fdt_getprop(fdt, node(g), "gpio-controller", NULL));
	cr_assert_eq(cell(g, "phandle"), LL_FDT_PHANDLE_GPIO);
	cr_assert_eq(cell(g, "clocks"), cell("/rtc@9010000", "clocks"), "one APB clock for both");
	cr_assert_eq(fdt_node_offset_by_compatible(fdt, -1, "fixed-clock"), node("/apb-pclk"));
	cr_assert_lt(fdt_node_offset_by_compatible(fdt, node("/apb-pclk"), "fixed-clock"), 0,
	             "written once");

	cr_assert_str_eq(str("/gpio-keys", "compatible"), "gpio-keys");
	const fdt32_t *c = cells("/gpio-keys/power", "gpios", 3);
	cr_assert_eq(fdt32_to_cpu(c[0]), LL_FDT_PHANDLE_GPIO);
	cr_assert_eq(fdt32_to_cpu(c[1]), VMM_A64_KEY_POWER_PIN);
	cr_assert_eq(fdt32_to_cpu(c[2]), 0, "active high");
	cr_assert_eq(cell("/gpio-keys/power", "linux,code"), 116, "KEY_POWER");
	cr_assert_str_eq(str("/gpio-keys/power", "label"), "power");
	cr_assert_null(fdt_getprop(fdt, node("/gpio-keys/power"), "wakeup-source", NULL));
	c = cells("/gpio-keys/wakeup", "gpios", 3);
	cr_assert_eq(fdt32_to_cpu(c[1]), VMM_A64_KEY_WAKE_PIN);
	cr_assert_eq(cell("/gpio-keys/wakeup", "linux,code"), 143, "KEY_WAKEUP");
	cr_assert_not_null(fdt_getprop(fdt, node("/gpio-keys/wakeup"), "wakeup-source", NULL));

	/* Keys need the one PL061, valid names and pins; AMBA devices share one clock. */
	struct ll_fdt_arm64 good = cfg;
	uint32_t gpio = cfg.num_devices - 1;
	cfg.devices[gpio].kind = LL_FDT_VIRTIO_MMIO;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "keys, no PL061");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_VIRTIO] = cfg.devices[gpio];
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "two PL061s");
	cfg = good;
	cfg.gpio_keys[1].name = "Wake Up";
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "a bad node name");
	cfg = good;
	cfg.gpio_keys[1].name = "power";
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "two keys, one name");
	cfg = good;
	cfg.gpio_keys[0].pin = 8;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "pin 8");
	cfg = good;
	cfg.devices[gpio].clock_hz++;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "two APB clocks");
	cfg = good;
	cfg.num_gpio_keys = 0;
	cr_assert_gt(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), 0, "a PL061 without keys");
	cr_assert_lt(fdt_path_offset(fdt, "/gpio-keys"), 0);
}

Test(fdt, bad_configurations)
{
	cr_assert_eq(describe(0, 256 * MIB, 2, 0), -EINVAL, "no vCPUs");
	cr_assert_eq(describe(65, 256 * MIB, 3, 0), -EINVAL, "65 vCPUs");
	cr_assert_eq(describe(9, 256 * MIB, 2, 0), 0);
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "GICv2: 8 CPUs");
	cr_assert_eq(describe(8, 256 * MIB, 2, 0), 0);
	cr_assert_gt(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), 0);
	cr_assert_eq(describe(1, 256 * MIB, 4, 0), 0);
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "GICv4");

	cr_assert_eq(describe(2, 256 * MIB, 2, 0), 0);
	struct ll_fdt_arm64 good = cfg;

	cfg.ram_size = 0;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "empty RAM");
	cfg = good;
	cfg.ram_base = UINT64_MAX - 10;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "RAM overflows");
	cfg = good;
	cfg.initrd_start = UINT64_MAX;
	cfg.initrd_size = 2;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "initrd overflows");
	cfg = good;
	cfg.num_cpus = 9;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "9 CPUs on GICv2");
	cfg = good;
	cfg.gic_version = 1;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "GIC version");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_RTC].spi = 988;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "SPI beyond 1019");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_UART].trigger = 3;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "trigger");
	cfg = good;
	cfg.num_devices = LL_FDT_MAX_DEVICES + 1;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "device count");
	cfg = good;
	cfg.num_devices = good.num_devices + 1;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "device unset");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_UART].clock_hz = 0;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "UART without clock");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_RTC].clock_hz = 0;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "PL031 without clock");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_UART].kind = (enum ll_fdt_device_kind)7;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "unknown kind");
	cfg = good;
	cfg.devices[VMM_FDT_DEV_VIRTIO] = cfg.devices[VMM_FDT_DEV_RTC];
	cfg.devices[VMM_FDT_DEV_VIRTIO].base += 0x1000;
	cfg.num_devices = VMM_FDT_DEV_VIRTIO + 1;
	cfg.num_gpio_keys = 0;
	cr_assert_eq(ll_fdt_arm64_build(&cfg, fdt, sizeof(fdt)), -EINVAL, "two PL031s");
	cr_assert_eq(describe(2, 256 * MIB, 2, VMM_DEVICES_MAX - 1), -ENOSPC,
	             "the record holds VMM_DEVICES_MAX devices");
	cr_assert_eq(ll_fdt_arm64_build(NULL, fdt, sizeof(fdt)), -EINVAL);
}
