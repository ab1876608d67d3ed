/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64 payload of the smoke test: PSCI SYSTEM_OFF (0x84000008) through hvc. */
	.section .rodata
	.globl smoke_guest_start, smoke_guest_end
	.balign 4
smoke_guest_start:
	movz	x0, #0x8400, lsl #16
	movk	x0, #0x0008
	hvc	#0
1:	b	1b
smoke_guest_end:
	.section .note.GNU-stack, "", @progbits
