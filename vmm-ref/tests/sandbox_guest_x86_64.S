/* SPDX-License-Identifier: Apache-2.0 */
/* Real-mode payload of the sandbox test: out 'K' to port 0x3f8, then hlt. */
	.section .rodata
	.globl sandbox_guest_start, sandbox_guest_end
	.code16
sandbox_guest_start:
	mov	$0x3f8, %dx
	mov	$'K', %al
	out	%al, (%dx)
	hlt
sandbox_guest_end:
	.code64
	.section .note.GNU-stack, "", @progbits
