/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 payload of the vcpu tests: a PSCI call interpreter driven through an MMIO
 * mailbox at 0x0a000000 (not RAM, so every access exits to the test's handler).
 *
 *   +0x00..+0x18  read: x0..x3 of the next call (the test's script)
 *   +0x20         write: x0 after the hvc
 *   +0x28         write: end of a wake-up report
 *   +0x30..+0x58  write: wake-up report: x0, pc, SCTLR_EL1, DAIF, CurrentEL, SPSel
 *   +0x60         write: a secondary core is on (its x0, the CPU_ON context id)
 *   +0x68         read: non-zero when the secondary must call CPU_OFF
 *   +0x70         write: x0 after a SYSTEM_SUSPEND of vt_a64_suspender
 *   +0x78         read: the vGIC's version (2 or 3; 0 without one)
 *
 * It first enables the distributor (0x08000000) and its own CPU interface (GICv2: at
 * 0x08010000; GICv3: the ICC system registers) with SPI 0 (INTID 32) level-sensitive,
 * enabled and routed to CPU 0, so that the test's interrupt is pending for this core
 * while the line is high and wakes it from SYSTEM_SUSPEND. Position independent; never
 * touches RAM, and needs no stack.
 */
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7

/* route_spi0_to cpu: INTID 32 to that core (GICv2 target bits / GICv3 affinity), and
   that core's CPU interface on. Clobbers x9, x10, x11. */
.macro route_spi0_to cpu
	movz	x9, #0x0a00, lsl #16
	ldr	x11, [x9, #0x78]	/* the vGIC's version */
	movz	x9, #0x0800, lsl #16	/* GICD */
	cmp	x11, #3
	b.eq	3f
	mov	w10, #(1 << \cpu)
	str	w10, [x9, #0x820]	/* GICD_ITARGETSR8: INTID 32 -> CPU cpu */
	movz	x9, #0x0801, lsl #16	/* GICC, banked: this CPU's own */
	mov	w10, #0xf0
	str	w10, [x9, #0x004]	/* GICC_PMR: let 0xa0 through */
	mov	w10, #1
	str	w10, [x9, #0x000]	/* GICC_CTLR: enable */
	b	4f
3:	mov	x10, #\cpu
	add	x9, x9, #0x6000
	str	x10, [x9, #0x100]	/* GICD_IROUTER32: INTID 32 -> affinity 0.0.0.cpu */
	mov	x10, #0xf0
	msr	ICC_PMR_EL1, x10	/* let 0xa0 through */
	mov	x10, #1
	msr	ICC_IGRPEN1_EL1, x10	/* group 1 on */
	isb
4:
.endm
	.section .rodata
	.globl vt_a64_start, vt_a64_resume, vt_a64_secondary, vt_a64_suspender
	.globl vt_a64_secondary_suspend, vt_a64_end
	.balign 4
vt_a64_start:
	movz	x9, #0x0a00, lsl #16
	ldr	x11, [x9, #0x78]	/* the vGIC's version */
	movz	x9, #0x0800, lsl #16	/* GICD */
	mov	w10, #1			/* GICv2 GICD_CTLR: enable */
	cmp	x11, #3
	mov	w12, #0x12		/* GICv3 GICD_CTLR: ARE, group 1 enabled */
	csel	w10, w12, w10, eq
	str	w10, [x9, #0x000]	/* GICD_CTLR */
	mov	w10, #1
	str	w10, [x9, #0x084]	/* GICD_IGROUPR1: INTID 32 in group 1 (GICv3) */
	str	wzr, [x9, #0xc08]	/* GICD_ICFGR2: INTIDs 32-47 level-sensitive (KVM
					   resets SPIs to edge, whose latch would outlive the
					   line and wake the next suspend at once) */
	str	w10, [x9, #0x104]	/* GICD_ISENABLER1: INTID 32 */
	mov	w10, #0xa0
	str	w10, [x9, #0x420]	/* GICD_IPRIORITYR8: INTID 32 priority 0xa0 */
	route_spi0_to 0
call_loop:
	movz	x9, #0x0a00, lsl #16
	ldr	x0, [x9, #0x00]
	ldr	x1, [x9, #0x08]
	ldr	x2, [x9, #0x10]
	ldr	x3, [x9, #0x18]
	hvc	#0
	str	x0, [x9, #0x20]
	b	call_loop

/* SYSTEM_SUSPEND entry point: report the state the core woke up in, then go on. */
	.balign 4
vt_a64_resume:
	adr	x11, vt_a64_resume
	mrs	x12, sctlr_el1
	mrs	x13, daif
	mrs	x14, CurrentEL
	mrs	x15, SPSel
	movz	x9, #0x0a00, lsl #16
	str	x0, [x9, #0x30]
	str	x11, [x9, #0x38]
	str	x12, [x9, #0x40]
	str	x13, [x9, #0x48]
	str	x14, [x9, #0x50]
	str	x15, [x9, #0x58]
	str	xzr, [x9, #0x28]
	b	call_loop

/* CPU_ON entry point of a secondary: say so, wait for the word, then CPU_OFF. */
	.balign 4
vt_a64_secondary:
	movz	x9, #0x0a00, lsl #16
	str	x0, [x9, #0x60]
1:	ldr	x1, [x9, #0x68]
	cbz	x1, 1b
	movz	x0, #0x8400, lsl #16
	movk	x0, #0x0002		/* PSCI CPU_OFF */
	hvc	#0
2:	b	2b			/* CPU_OFF does not return */

/* CPU_ON entry point of a secondary that calls SYSTEM_SUSPEND (SMC64) for ever. */
	.balign 4
vt_a64_suspender:
	movz	x9, #0x0a00, lsl #16
1:	movz	x0, #0xc400, lsl #16
	movk	x0, #0x000e
	adr	x1, vt_a64_suspender
	mov	x2, #0
	hvc	#0
	str	x0, [x9, #0x70]
	b	1b

/*
 * CPU_ON entry point of a secondary that suspends the system once the boot CPU is OFF:
 * it routes SPI 0 to itself, enables its own CPU interface, then calls
 * SYSTEM_SUSPEND (SMC64, entry vt_a64_resume, context id its x0) until honoured.
 */
	.balign 4
vt_a64_secondary_suspend:
	mov	x8, x0
	route_spi0_to 1
	movz	x9, #0x0a00, lsl #16
1:	movz	x0, #0xc400, lsl #16
	movk	x0, #0x000e
	adr	x1, vt_a64_resume
	mov	x2, x8
	hvc	#0
	str	x0, [x9, #0x70]		/* DENIED while the boot CPU is still ON */
	b	1b
vt_a64_end:
	.section .note.GNU-stack, "", @progbits
