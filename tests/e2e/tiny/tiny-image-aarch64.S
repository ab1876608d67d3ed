/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny arm64 "kernel" for vmm-ref tests that need a VM but no Linux: a valid arm64 Image
 * header (Documentation/arm64/booting.rst), then code that writes one line to the 16550
 * console and either resets the machine at once (PSCI SYSTEM_RESET; built with -DRESET)
 * or waits for ever in wfi (no interrupt is enabled, so the vCPU sleeps in KVM).
 * Assembled twice by tests/e2e/CMakeLists.txt and turned into raw images with objcopy.
 */
	.section .text
	.global _start
_start:
	b	code			/* code0: past the header */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	image_end - _start	/* image_size */
	.quad	0xa			/* flags: little endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2, res3, res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */

code:
	/* vmm-ref's arm64 UART (src/layout_aarch64.h, VMM_A64_UART_BASE); the MMU is off,
	   so the access is a device access and reaches the VMM as an MMIO exit. */
	ldr	x1, =0x09000000
#ifdef RESET
	mov	w2, 'R'
#else
	mov	w2, 'I'
#endif
	strb	w2, [x1]
	mov	w2, '\n'
	strb	w2, [x1]
#ifdef RESET
	ldr	x0, =0x84000009		/* PSCI SYSTEM_RESET */
	hvc	#0
#endif
1:	wfi
	b	1b
	.ltorg
	.balign	8
image_end:
