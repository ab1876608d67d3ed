/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device tree of an arm64 Linux guest, built with libfdt's sequential-write API from a
 * plain description of the machine: its CPUs, RAM, GIC and a list of devices. Pure: no KVM, no I/O,
 * no global state; thread-safe for distinct buffers.
 */
#ifndef CVMM_LINUX_LOADER_FDT_H
#define CVMM_LINUX_LOADER_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LL_FDT_MAX_CPUS 64u
#define LL_FDT_MAX_DEVICES 64u

/* phandles the tree uses; fixed so tests and later nodes can refer to them. */
#define LL_FDT_PHANDLE_GIC 1u
#define LL_FDT_PHANDLE_APB_CLOCK 2u
#define LL_FDT_PHANDLE_GPIO 3u

/* FDT interrupt trigger flags (the third cell's low nibble). */
#define LL_FDT_IRQ_EDGE_RISING 1u
#define LL_FDT_IRQ_LEVEL_HIGH 4u

/* The MMIO devices the builder knows how to describe. */
enum ll_fdt_device_kind {
	LL_FDT_NS16550A,    /* "ns16550a", byte-wide registers (cvmm devices' 16550 UART) */
	LL_FDT_PL031,       /* "arm,pl031" with its APB clock; at most one per tree */
	LL_FDT_PL061,       /* "arm,pl061" GPIO controller with its APB clock; at most one */
	LL_FDT_VIRTIO_MMIO, /* "virtio,mmio", dma-coherent */
};

/* One device of the machine, as its creator placed it. */
struct ll_fdt_device {
	enum ll_fdt_device_kind kind;
	uint64_t base, size;
	uint32_t spi;      /* SPI number as the FDT counts them (GIC interrupt 32 + spi) */
	uint32_t trigger;  /* LL_FDT_IRQ_* */
	uint32_t clock_hz; /* NS16550A: its input clock; PL031, PL061: the APB clock (non-zero,
	                      the same for both) */
	bool is_stdout;    /* NS16550A: chosen/stdout-path and serial0 point at it */
};

#define LL_FDT_MAX_GPIO_KEYS 8u

/* A key wired to a pin of the tree's PL061, in a "gpio-keys" node (Linux's gpio_keys
   driver turns its presses into input events). */
struct ll_fdt_gpio_key {
	const char *name;   /* node name and label: [a-z0-9-], 1 to 31 characters */
	uint32_t pin;       /* the PL061's pin (0..7), active high */
	uint32_t code;      /* linux,code: KEY_POWER (116), KEY_WAKEUP (143), ... */
	bool wakeup_source; /* the key may wake the guest from suspend */
};

struct ll_fdt_arm64 {
	const char *model; /* the root's model; NULL: "cvmm" */

	uint32_t num_cpus;
	uint64_t mpidr[LL_FDT_MAX_CPUS]; /* each vCPU's MPIDR_EL1 (affinity fields used) */

	uint64_t ram_base, ram_size;

	const char *bootargs;               /* NULL: none */
	uint64_t initrd_start, initrd_size; /* size 0: no initrd */

	uint32_t gic_version; /* 2 or 3 */
	uint64_t gicd_base, gicd_size;
	/* GICv2: the CPU interface; GICv3: the redistributor region of all vCPUs. */
	uint64_t gicc_or_gicr_base, gicc_or_gicr_size;

	/* The machine's devices, written in this order after the GIC and the timer. */
	uint32_t num_devices;
	struct ll_fdt_device devices[LL_FDT_MAX_DEVICES];
	/* Keys on the PL061's pins (which devices must then hold), written last. */
	uint32_t num_gpio_keys;
	struct ll_fdt_gpio_key gpio_keys[LL_FDT_MAX_GPIO_KEYS];
};

/*
 * KVM's reset value of MPIDR_EL1 for vCPU index i: Aff0 = i[3:0], Aff1 = i[11:4],
 * Aff2 = i[19:12]. The VMM should prefer the value KVM reports (KVM_GET_ONE_REG).
 */
uint64_t ll_fdt_arm64_default_mpidr(uint32_t index);

/*
 * Writes the device tree described by cfg into buf (buf_size bytes) and packs it.
 * Returns the size of the finished blob, -EINVAL (cfg inconsistent: no CPUs, GIC version,
 * zero or overflowing ranges, too many devices, AMBA devices on different clocks, keys
 * without one PL061 or with a bad name or pin), or -ENOSPC (buf too small).
 */
int ll_fdt_arm64_build(const struct ll_fdt_arm64 *cfg, void *buf, size_t buf_size);

#endif
