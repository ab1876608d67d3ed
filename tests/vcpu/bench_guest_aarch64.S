/*
 * aarch64 payloads of the vcpu benchmark.
 * vb_mmio: endless 8-byte MMIO writes to 0x0a000000.
 * vb_suspend: enables the GICv2 distributor and CPU interface with SPI 0 level-sensitive,
 * enabled and targeted at CPU 0, then calls SYSTEM_SUSPEND (SMC64) in a loop with
 * itself as the entry point and a growing context id (x0 on wake).
 */
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
	mov	x0, #0
vb_suspend_again:
	add	x2, x0, #1		/* context id: the previous one plus one */
	adr	x1, vb_suspend_again
	movz	x0, #0xc400, lsl #16
	movk	x0, #0x000e		/* SYSTEM_SUSPEND, SMC64 */
	hvc	#0
	b	vb_suspend_again	/* denied: try again */
vb_suspend_end:
	.section .note.GNU-stack, "", @progbits
