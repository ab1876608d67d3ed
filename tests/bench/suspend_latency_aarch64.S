/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bare-metal arm64 guest for vmm-ref that measures, with the virtual counter, how long a
 * PSCI SYSTEM_SUSPEND takes to come back once its wake interrupt is due; packaged as an
 * arm64 Image (Documentation/arm64/booting.rst) that vmm-ref loads at the start of RAM.
 * Run with --memory 64 --vcpus 1 on a GICv2 machine (vmm-ref's layout_aarch64.h).
 *
 * Each cycle arms the virtual timer (PPI 27, enabled in the GIC, masked in PSTATE) to fire
 * DELAY ticks ahead, then waits for it in one of two ways:
 *   - baseline: WFI, which KVM ends when the timer's interrupt is pending;
 *   - suspend: SYSTEM_SUSPEND (entry point "resumed", context id = the cycle), which
 *     vmm-ref honours: the vCPU sleeps until the interrupt is pending, then starts again
 *     at the entry point, where the counter is read first thing.
 * Latency = counter at wake-up minus the timer's deadline: the time the wake-up itself
 * took, without the time spent waiting for the interrupt. Printed on the UART, one line
 * per cycle, in counter ticks (hex), with the counter's frequency:
 *   SUSPEND-LAT wfi|suspend 0x<ticks> freq 0x<CNTFRQ_EL0>
 * then "SUSPEND-LAT done" and PSCI SYSTEM_OFF. A refused or failing suspend prints
 * "SUSPEND-LAT error 0x<PSCI return>" and powers off.
 */

#define UART 0x09000000
#define GICD 0x08000000
#define GICC 0x08010000
#define VTIMER_PPI 27

#define CYCLES 10
/* Timer deadline after arming: 2^21 ticks, 34 ms at a 62.5 MHz counter: longer than a
   suspend takes to reach the kernel's wait, even under TCG, so that the figure holds only
   the wake-up. */
#define DELAY_SHIFT 21

#define PSCI_SYSTEM_OFF 0x84000008
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

/* Register use: x19 = cycle (0 .. 2*CYCLES-1; odd cycles suspend), x20 = timer deadline.
   A suspend wakes the core as from reset (vmm-ref re-initialises the vCPU): only x0 (the
   context id, the cycle) and RAM survive, so the deadline is kept in RAM too. */
start:
	msr	daifset, #0xf
	/* GICv2 distributor (shared by the VM): on, the virtual timer's PPI enabled at the
	   highest priority. */
	ldr	x1, =GICD
	mov	w2, #1
	str	w2, [x1, #0x000]		/* GICD_CTLR */
	mov	w2, #(1 << VTIMER_PPI)
	str	w2, [x1, #0x100]		/* GICD_ISENABLER0 */
	mov	x19, #0

cycle:
	cmp	x19, #(2 * CYCLES)
	b.hs	done
	/* The CPU interface (per core, so again after each reset): on, every priority
	   unmasked. */
	ldr	x1, =GICC
	mov	w2, #0xf0
	str	w2, [x1, #0x004]		/* GICC_PMR */
	mov	w2, #1
	str	w2, [x1, #0x000]		/* GICC_CTLR */
	/* Arm the timer: CVAL = now + delay, enabled, not masked at the timer. */
	isb
	mrs	x20, cntvct_el0
	add	x20, x20, #(1 << DELAY_SHIFT)
	adr	x1, deadline
	str	x20, [x1]
	msr	cntv_cval_el0, x20
	mov	x1, #1
	msr	cntv_ctl_el0, x1
	isb
	tbnz	x19, #0, suspend

	/* Baseline: WFI until the timer's condition is met. */
1:	wfi
	isb
	mrs	x1, cntvct_el0
	mrs	x2, cntv_ctl_el0
	tbz	x2, #2, 1b		/* ISTATUS: a spurious wake-up waits again */
	mov	x0, x19
	b	measured

suspend:
	ldr	x0, =PSCI_SYSTEM_SUSPEND64
	adr	x1, resumed
	mov	x2, x19			/* context id: the cycle, all that must survive */
	hvc	#0
	/* Only a refusal returns. */
	mov	x21, x0
	adr	x0, msg_error
	bl	puts
	mov	x0, x21
	bl	puthex
	bl	newline
	b	off

resumed:
	/* The counter first: everything before it would count as wake-up latency. */
	isb
	mrs	x1, cntvct_el0
	/* Back at the entry point, as after CPU_ON: MMU off, interrupts masked. */
	adr	x2, deadline
	ldr	x20, [x2]

measured:
	/* x0 = cycle, x1 = counter at wake-up, x20 = deadline. */
	mov	x19, x0
	sub	x22, x1, x20
	msr	cntv_ctl_el0, xzr	/* the level interrupt stops being pending */
	isb
	adr	x0, msg_lat
	bl	puts
	adr	x0, msg_wfi
	tbz	x19, #0, 2f
	adr	x0, msg_suspend
2:	bl	puts
	mov	x0, x22
	bl	puthex
	adr	x0, msg_freq
	bl	puts
	mrs	x0, cntfrq_el0
	bl	puthex
	bl	newline
	add	x19, x19, #1
	b	cycle

done:
	adr	x0, msg_done
	bl	puts
	bl	newline
off:
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
	b	.

#include "baremetal_uart_aarch64.inc"

newline:
	ldr	x1, =UART
	mov	w2, #'\n'
	strb	w2, [x1]
	ret

	.ltorg
	.balign	8
deadline:
	.quad	0
msg_lat:
	.asciz	"SUSPEND-LAT "
msg_wfi:
	.asciz	"wfi "
msg_suspend:
	.asciz	"suspend "
msg_freq:
	.asciz	" freq "
msg_done:
	.asciz	"SUSPEND-LAT done"
msg_error:
	.asciz	"SUSPEND-LAT error "
