/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86_64 payloads of the vcpu benchmark (real mode):
 * vb_mmio: endless 1-byte MMIO writes to 0xd0000.
 * vb_pio: endless 1-byte writes to I/O port 0x3f8 (where a 16550 would be).
 */
	.section .rodata
	.globl vb_mmio_start, vb_mmio_end, vb_pio_start, vb_pio_end
	.code16
vb_mmio_start:
	mov	$0xd000, %bx
	mov	%bx, %es
1:	movb	%al, %es:0
	inc	%al
	jmp	1b
vb_mmio_end:
vb_pio_start:
	mov	$0x3f8, %dx
1:	outb	%al, %dx
	inc	%al
	jmp	1b
vb_pio_end:
	.code64
	.section .note.GNU-stack, "", @progbits
