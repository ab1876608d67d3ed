/* SPDX-License-Identifier: Apache-2.0 */
/* tiny-vmm's guest, 16-bit real mode: print the message byte by byte to port 0x3f8. */
	.section .rodata
	.globl guest_code_start, guest_code_end
	.code16
guest_code_start:
	mov	$0x3f8, %dx
	xor	%si, %si
1:	mov	message - guest_code_start(%si), %al
	test	%al, %al
	jz	2f
	out	%al, (%dx)
	inc	%si
	jmp	1b
2:	hlt
message:
	.asciz	"Hello from a cvmm guest\n"
guest_code_end:
	.code64
	.section .note.GNU-stack, "", @progbits
