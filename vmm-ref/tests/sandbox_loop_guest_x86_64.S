/* SPDX-License-Identifier: Apache-2.0 */
/* Real-mode payload of the sandbox's vcpu-library test: out 'L' to port 0x3f8 forever. */
	.section .rodata
	.globl sandbox_loop_start, sandbox_loop_end
	.code16
sandbox_loop_start:
	mov	$0x3f8, %dx
	mov	$'L', %al
1:	out	%al, (%dx)
	jmp	1b
sandbox_loop_end:
	.code64
	.section .note.GNU-stack, "", @progbits
