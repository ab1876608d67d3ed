/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's arm64 guest physical memory map. Devices live below 2 GiB, RAM starts at 2 GiB.
 *
 *   0x0800_0000  GIC distributor (64 KiB)
 *   0x0801_0000  GICv2 CPU interface (8 KiB)
 *   0x080a_0000  GICv3 redistributors (128 KiB per vCPU, up to VMM_VCPUS_MAX)
 *   0x0900_0000  16550 UART (4 KiB window, 8 byte-wide registers)        SPI 1
 *   0x0901_0000  PL031 RTC (4 KiB)                                        SPI 2
 *   0x0902_0000  PL061 GPIO (4 KiB): the power key (pin 3), the wake-up key SPI 3
 *                (pin 4), as gpio-keys
 *   0x0a00_0000  virtio-mmio slots, 512 bytes each                        SPI 16 + slot
 *   0x8000_0000  RAM; the FDT sits at its top, the initrd just below it
 */
#ifndef VMM_LAYOUT_AARCH64_H
#define VMM_LAYOUT_AARCH64_H

#define VMM_A64_GICD_BASE 0x08000000ull
#define VMM_A64_GICD_SIZE 0x10000ull
#define VMM_A64_GICC_BASE 0x08010000ull /* GICv2 only */
#define VMM_A64_GICC_SIZE 0x2000ull
#define VMM_A64_GICR_BASE 0x080a0000ull /* GICv3 only */
#define VMM_A64_GICR_STRIDE 0x20000ull  /* RD_base + SGI_base frames of one vCPU */
/* Interrupt lines KVM's vGIC is given: 32 private ones plus 96 SPIs. */
#define VMM_A64_GIC_NR_IRQS 128u

#define VMM_A64_UART_BASE 0x09000000ull
#define VMM_A64_UART_SIZE 0x1000ull
#define VMM_A64_UART_SPI 1u
#define VMM_A64_UART_CLOCK 1843200u /* the classic 16550 crystal: divisor 1 = 115200 baud */

#define VMM_A64_RTC_BASE 0x09010000ull
#define VMM_A64_RTC_SIZE 0x1000ull
#define VMM_A64_RTC_SPI 2u

#define VMM_A64_GPIO_BASE 0x09020000ull
#define VMM_A64_GPIO_SIZE 0x1000ull
#define VMM_A64_GPIO_SPI 3u
/* The keys on the PL061's pins, and the Linux input codes the device tree gives them. */
#define VMM_A64_KEY_POWER_PIN 3u
#define VMM_A64_KEY_POWER_CODE 116u /* KEY_POWER */
#define VMM_A64_KEY_WAKE_PIN 4u
#define VMM_A64_KEY_WAKE_CODE 143u /* KEY_WAKEUP */

/* The APB clock of the PL031 and the PL061: the guest's drivers need one to probe, its
   rate is not used. */
#define VMM_A64_APB_CLOCK 24000000u

#define VMM_A64_VIRTIO_BASE 0x0a000000ull
#define VMM_A64_VIRTIO_SIZE 0x200ull
#define VMM_A64_VIRTIO_SLOTS 32u
#define VMM_A64_VIRTIO_SPI_BASE 16u

#define VMM_A64_RAM_BASE 0x80000000ull

/* SPI n of the FDT is GIC interrupt 32 + n; KVM_IRQ_LINE takes (1 << 24) | (32 + n). */
#define VMM_A64_SPI_TO_GIC_IRQ(n) (32u + (n))

#endif
