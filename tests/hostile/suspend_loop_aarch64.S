/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal arm64 guest that suspends and wakes in a tight loop (suspend_log.sh):
 * it leaves the virtual timer's interrupt pending for good (its deadline, 0, long past;
 * the PPI enabled in the GICv2 and masked only in PSTATE), then calls PSCI SYSTEM_SUSPEND
 * with itself as the entry point. vmm-ref honours it, the pending interrupt wakes the
 * core at once, and the core starts here again as from reset: a guest that makes
 * vmm-ref handle as many suspends and wake-ups as it likes. Packaged as an arm64 Image
 * that vmm-ref loads at the start of RAM.
 */
#define GICD 0x08000000
#define GICC 0x08010000
#define VTIMER_PPI 27
#define PSCI_SYSTEM_SUSPEND64 0xC400000E

	.section .text, "ax"
	.global _start
_start:
	/* arm64 Image header */
	b	start			/* code0 */
	.word	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	0x10000			/* image_size */
	.quad	0xa			/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2-4 */
	.word	0x644d5241		/* "ARM\x64" */
	.word	0			/* res5 */

start:
	msr	daifset, #0xf
	ldr	x1, =GICD
	mov	w2, #1
	str	w2, [x1, #0x000]	/* GICD_CTLR */
	mov	w2, #(1 << VTIMER_PPI)
	str	w2, [x1, #0x100]	/* GICD_ISENABLER0 */
	ldr	x1, =GICC
	mov	w2, #0xf0
	str	w2, [x1, #0x004]	/* GICC_PMR */
	mov	w2, #1
	str	w2, [x1, #0x000]	/* GICC_CTLR */
	msr	cntv_cval_el0, xzr	/* a deadline long past */
	mov	x1, #1
	msr	cntv_ctl_el0, x1	/* enabled, not masked at the timer */
	isb
	ldr	w0, =PSCI_SYSTEM_SUSPEND64
	adr	x1, start
	mov	x2, #0
	hvc	#0
	b	start			/* refused: again */
	.ltorg
