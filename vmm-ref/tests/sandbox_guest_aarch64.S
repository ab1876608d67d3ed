/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64 payload of the sandbox test: a 32-bit MMIO store of 'K' to 0x10000000, then
   PSCI SYSTEM_OFF (0x84000008) through hvc. */
	.section .rodata
	.globl sandbox_guest_start, sandbox_guest_end
	.balign 4
sandbox_guest_start:
	movz	x0, #0x1000, lsl #16
	movz	w1, #0x4b
	str	w1, [x0]
	movz	x0, #0x8400, lsl #16
	movk	x0, #0x0008
	hvc	#0
1:	b	1b
sandbox_guest_end:
	.section .note.GNU-stack, "", @progbits
