/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arm64 guest for the devices' KVM test, run with the MMU off from the start of RAM. It
 * writes a line to a 16550 at 0x09000000 (32-bit registers, reg-shift 2), reads the UART's
 * LSR and a PL031 at 0x09010000, sets an alarm one second ahead, waits for RTCRIS, clears
 * it, and then writes to 0x0a000000, where no device lives, to say it is done.
 */
	.section .rodata
	.balign 4
	.globl devices_guest_a64_start, devices_guest_a64_end
devices_guest_a64_start:
	movz	x0, #0x0900, lsl #16		/* UART */
	adr	x2, msg
	mov	x3, #(msg_end - msg)
1:	ldrb	w1, [x2], #1
	str	w1, [x0]			/* THR */
	subs	x3, x3, #1
	b.ne	1b
	ldr	w4, [x0, #0x14]			/* LSR */
	movz	x5, #0x0901, lsl #16		/* RTC */
	ldr	w6, [x5, #0xfe0]		/* PeriphID0 */
	ldr	w7, [x5, #0x000]		/* RTCDR */
	add	w8, w7, #1
	str	w8, [x5, #0x04]			/* RTCMR = now + 1 s */
	mov	w9, #1
	str	w9, [x5, #0x10]			/* RTCIMSC: alarm unmasked */
2:	ldr	w10, [x5, #0x18]		/* RTCMIS, until the alarm is raised */
	cbz	w10, 2b
	str	w9, [x5, #0x1c]			/* RTCICR */
	ldr	w11, [x5, #0x14]		/* RTCRIS, cleared */
	movz	x12, #0x0a00, lsl #16
	str	wzr, [x12]			/* done */
3:	b	3b
msg:
	.ascii "hello from arm64\n"
msg_end:
	.balign 4
devices_guest_a64_end:
	.section .note.GNU-stack, "", %progbits
