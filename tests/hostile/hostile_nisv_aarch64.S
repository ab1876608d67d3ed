/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hostile arm64 guest that accesses MMIO with an instruction KVM cannot decode for the
 * VMM (a load pair: no valid instruction syndrome). KVM then fails KVM_RUN (or reports
 * KVM_EXIT_ARM_NISV when the VMM opted in); either way the VMM cannot emulate the access.
 * vmm-ref must end the VM cleanly: one error line, exit status 1, no crash, no hang.
 * Loaded as an arm64 Image at the start of RAM (vmm-ref --memory 16).
 */
#define UART 0x09000000

	.section .text, "ax"
	.global _start
_start:
	b	start
	.word	0
	.quad	0			/* text_offset */
	.quad	0x10000			/* image_size */
	.quad	0xa			/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0
	.word	0x644d5241		/* "ARM\x64" */
	.word	0

start:
	msr	daifset, #0xf
	ldr	x1, =UART
	adr	x0, msg
1:	ldrb	w2, [x0], #1
	cbz	w2, 2f
	strb	w2, [x1]
	b	1b
2:	ldp	x2, x3, [x1]		/* MMIO without a valid syndrome */
	adr	x0, after
3:	ldrb	w2, [x0], #1
	cbz	w2, 4f
	strb	w2, [x1]
	b	3b
4:	ldr	x0, =0x84000008		/* SYSTEM_OFF */
	hvc	#0
5:	wfi
	b	5b

msg:	.asciz	"\r\nHOSTILE nisv: ldp from the UART\r\n"
after:	.asciz	"\r\nHOSTILE nisv: the access completed\r\n"
	.balign	8
	.ltorg
