/* SPDX-License-Identifier: Apache-2.0 */
/* tiny-vmm's guest, aarch64 with the MMU off: print the message to the MMIO register at
   0x09000000, then PSCI SYSTEM_OFF (0x84000008) through hvc. */
	.section .rodata
	.globl guest_code_start, guest_code_end
	.balign 4
guest_code_start:
	movz	x1, #0x0900, lsl #16
	adr	x2, message
1:	ldrb	w3, [x2], #1
	cbz	w3, 2f
	strb	w3, [x1]
	b	1b
2:	movz	x0, #0x8400, lsl #16
	movk	x0, #0x0008
	hvc	#0
3:	b	3b
message:
	.asciz	"Hello from a cvmm guest\n"
guest_code_end:
	.section .note.GNU-stack, "", @progbits
