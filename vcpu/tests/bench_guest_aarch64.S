/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 payloads of the vcpu benchmark.
 * vb_mmio: endless 8-byte MMIO writes to 0x0a000000.
 * vb_suspend: enables the distributor and CPU interface of the vGIC whose version the
 * benchmark put in x19 (2 or 3) with SPI 0 level-sensitive, enabled and routed to CPU 0,
 * then calls SYSTEM_SUSPEND (SMC64) in a loop with itself as the entry point and a
 * growing context id (x0 on wake).
 */
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
	.section .rodata
	.globl vb_mmio_start, vb_mmio_end, vb_suspend_start, vb_suspend_end
	.balign 4
vb_mmio_start:
	movz	x9, #0x0a00, lsl #16
1:	str	x1, [x9]
	add	x1, x1, #1
	b	1b
vb_mmio_end:

	.balign 4
vb_suspend_start:
	movz	x9, #0x0800, lsl #16	/* GICD */
	cmp	x19, #3
	b.eq	1f
	mov	w10, #1
	str	w10, [x9, #0x000]	/* GICD_CTLR */
	str	wzr, [x9, #0xc08]	/* GICD_ICFGR2: level */
	str	w10, [x9, #0x104]	/* GICD_ISENABLER1: INTID 32 */
	str	w10, [x9, #0x820]	/* GICD_ITARGETSR8: CPU 0 */
	mov	w10, #0xa0
	str	w10, [x9, #0x420]	/* GICD_IPRIORITYR8 */
	movz	x9, #0x0801, lsl #16	/* GICC */
	mov	w10, #0xf0
	str	w10, [x9, #0x004]	/* GICC_PMR */
	mov	w10, #1
	str	w10, [x9, #0x000]	/* GICC_CTLR */
	b	2f
1:	mov	w10, #0x12
	str	w10, [x9, #0x000]	/* GICD_CTLR: ARE, group 1 enabled */
	mov	w10, #1
	str	w10, [x9, #0x084]	/* GICD_IGROUPR1: INTID 32 in group 1 */
	str	wzr, [x9, #0xc08]	/* GICD_ICFGR2: level */
	str	w10, [x9, #0x104]	/* GICD_ISENABLER1: INTID 32 */
	mov	w10, #0xa0
	str	w10, [x9, #0x420]	/* GICD_IPRIORITYR8 */
	add	x9, x9, #0x6000
	str	xzr, [x9, #0x100]	/* GICD_IROUTER32: CPU 0 */
	mov	x10, #0xf0
	msr	ICC_PMR_EL1, x10
	mov	x10, #1
	msr	ICC_IGRPEN1_EL1, x10
	isb
2:	mov	x0, #0
vb_suspend_again:
	add	x2, x0, #1		/* context id: the previous one plus one */
	adr	x1, vb_suspend_again
	movz	x0, #0xc400, lsl #16
	movk	x0, #0x000e		/* SYSTEM_SUSPEND, SMC64 */
	hvc	#0
	b	vb_suspend_again	/* denied: try again */
vb_suspend_end:
	.section .note.GNU-stack, "", @progbits
