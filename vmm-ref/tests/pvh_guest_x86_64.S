/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 32-bit payload of the PVH entry test, run at the PVH entry. Each `out` to port 0x80
 * reports one 32-bit value: the start info's magic through EBX, CR0, the result of a
 * byte sequence that only 32-bit protected mode decodes as `dec %eax` (in 64-bit mode
 * 0x48 is a REX prefix), CS, DS and SS, and a word read above 1 MiB through the flat data
 * segment. Then hlt.
 */
	.section .rodata
	.globl pvh_guest_start, pvh_guest_end
	.code32
pvh_guest_start:
	mov	(%ebx), %eax
	out	%eax, $0x80
	mov	%cr0, %eax
	out	%eax, $0x80
	xor	%eax, %eax
	.byte	0x48		/* dec %eax in 32-bit mode, REX.W in 64-bit mode */
	nop
	out	%eax, $0x80
	xor	%eax, %eax
	mov	%cs, %ax
	out	%eax, $0x80
	mov	%ds, %ax
	out	%eax, $0x80
	mov	%ss, %ax
	out	%eax, $0x80
	mov	0x300000, %eax
	out	%eax, $0x80
	hlt
pvh_guest_end:
	.code64
	.section .note.GNU-stack, "", @progbits
