/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal x86_64 guest that floods the console (console_flood.sh): it prints
 * "FLOOD-START", then FLOOD_KIB KiB of 64-byte lines on the 16550 at 0x3f8 (rep outsb,
 * 4 KiB at a time), then "FLOOD-END", and powers off through the ACPI PM1 control
 * register. vmm-ref loads it as an ELF vmlinux at 1 MiB and enters it in 64-bit mode.
 */
#include "baremetal_x86_64.inc"
#define LINES 0x200000 /* 4 KiB of lines, built here */
#define FLOOD_KIB 80

	.code64
	.text
	.globl _start
_start:
	cli
	mov	$0x90000, %rsp
	lea	msg_start(%rip), %rsi
	call	puts
	/* 64 lines of 63 x and a newline. */
	mov	$LINES, %edi
	xor	%ebx, %ebx
1:	movb	$'x', (%rdi, %rbx)
	mov	%ebx, %eax
	and	$63, %eax
	cmp	$63, %eax
	jne	2f
	movb	$'\n', (%rdi, %rbx)
2:	inc	%ebx
	cmp	$4096, %ebx
	jne	1b
	mov	$FLOOD_KIB / 4, %r8d
3:	mov	$LINES, %esi
	mov	$4096, %ecx
	mov	$COM1, %dx
	rep outsb
	dec	%r8d
	jnz	3b
	lea	msg_end(%rip), %rsi
	call	puts
	mov	$PM1_CNT, %dx
	mov	$S5_POWEROFF, %ax
	out	%ax, %dx
4:	hlt
	jmp	4b

	baremetal_puts

	.section .rodata
msg_start:	.asciz "FLOOD-START\n"
msg_end:	.asciz "FLOOD-END\n"
