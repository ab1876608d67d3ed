/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16-bit real-mode guest for the devices' KVM test, copied to 0x1000 and entered with
 * CS = DS = 0, IP = 0x1000. It talks to the UART (0x3f8) and the i8042 (0x60/0x64) by port
 * I/O and to a PL031 mapped at 0x20000 by MMIO, leaves what it read in registers, enables
 * the UART's THRE interrupt and finally asks the i8042 for a reset.
 */
	.section .rodata
	.code16
	.globl devices_guest_x86_start, devices_guest_x86_end
devices_guest_x86_start:
	cld
	mov $0x3f8, %dx
	mov $(msg - devices_guest_x86_start + 0x1000), %si
	mov $(msg_end - msg), %cx
	rep outsb			/* string I/O: one exit may carry several bytes */
	add $5, %dx
	in %dx, %al			/* LSR */
	mov %al, %bl
	in $0x64, %al			/* i8042 status */
	mov %al, %bh
	mov $0x2000, %ax
	mov %ax, %ds
	movl 0xfe0, %ecx		/* PL031 PeriphID0 */
	movl 0x000, %edi		/* PL031 RTCDR */
	xor %ax, %ax
	mov %ax, %ds
	mov $0x3f9, %dx
	mov $0x02, %al
	out %al, %dx			/* IER = THRI: the UART raises its line */
	mov $0xfe, %al
	out %al, $0x64			/* pulse the reset line: the test stops here */
1:	hlt
	jmp 1b
msg:
	.ascii "hello from the guest\n"
msg_end:
devices_guest_x86_end:
	.section .note.GNU-stack, "", @progbits
