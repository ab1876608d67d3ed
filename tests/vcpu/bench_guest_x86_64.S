/* x86_64 payload of the vcpu benchmark: endless 1-byte MMIO writes to 0xd0000. */
	.section .rodata
	.globl vb_mmio_start, vb_mmio_end
	.code16
vb_mmio_start:
	mov	$0xd000, %bx
	mov	%bx, %es
1:	movb	%al, %es:0
	inc	%al
	jmp	1b
vb_mmio_end:
	.code64
	.section .note.GNU-stack, "", @progbits
