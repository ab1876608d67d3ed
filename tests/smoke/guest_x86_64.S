/* SPDX-License-Identifier: Apache-2.0 */
/* Real-mode payload of the smoke test: out 'K' to the COM1 data port, then hlt. */
	.section .rodata
	.globl smoke_guest_start, smoke_guest_end
	.code16
smoke_guest_start:
	mov	$0x3f8, %dx
	mov	$'K', %al
	out	%al, (%dx)
	hlt
smoke_guest_end:
	.code64
	.section .note.GNU-stack, "", @progbits
