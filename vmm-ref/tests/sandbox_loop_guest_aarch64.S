/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64 payload of the sandbox's vcpu-library test: MMIO stores of 'L' to 0x10000000
   forever. */
	.section .rodata
	.globl sandbox_loop_start, sandbox_loop_end
	.balign 4
sandbox_loop_start:
	movz	x0, #0x1000, lsl #16
	movz	w1, #0x4c
1:	str	w1, [x0]
	b	1b
sandbox_loop_end:
	.section .note.GNU-stack, "", @progbits
