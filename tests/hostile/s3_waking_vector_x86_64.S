/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal x86_64 guest that suspends to RAM through ACPI S3 with the waking vector
 * its command line's first letter names (s3_waking_vector.sh): 'g' a real-mode stub it
 * copies to 0x30000, which says so on the 16550 and powers off through S5; 'b' 1 MiB, no
 * real-mode address; anything else 0, no vector at all. It writes the vector into the
 * FACS where vmm-ref's ACPI tables put it (0xe0000 + 0x1c0), then SLP_TYP 1 (\_S3) with
 * SLP_EN to PM1a_CNT. vmm-ref loads it as an ELF vmlinux at 1 MiB in 64-bit mode, RSI =
 * the zero page.
 */
#include "baremetal_x86_64.inc"

#define FACS_WAKING_VECTOR (0xe0000 + 0x1c0 + 12)
#define S3_SLEEP ((1 << 10) | (1 << 13))
#define STUB 0x30000
#define ZP_CMD_LINE_PTR 0x228

.macro out_char c
	mov	$\c, %al
	out	%al, %dx
.endm

	.code64
	.text
	.globl _start
_start:
	cli
	mov	%rsi, %rbx
	mov	$0x90000, %rsp
	lea	msg_start(%rip), %rsi
	call	puts
	lea	stub_start(%rip), %rsi
	mov	$STUB, %rdi
	mov	$(stub_end - stub_start), %rcx
	rep movsb
	mov	ZP_CMD_LINE_PTR(%rbx), %eax
	movzbl	(%rax), %eax
	mov	$STUB, %edx
	cmp	$'g', %al
	je	1f
	mov	$0x100000, %edx
	cmp	$'b', %al
	je	1f
	xor	%edx, %edx
1:	mov	%edx, FACS_WAKING_VECTOR
	lea	msg_sleep(%rip), %rsi
	call	puts
	mov	$S3_SLEEP, %ax
	mov	$PM1_CNT, %dx
	out	%ax, %dx
	/* Never reached: in S3 the CPU's context is lost, it resumes at the vector. */
	lea	msg_not_asleep(%rip), %rsi
	call	puts
2:	hlt
	jmp	2b

	baremetal_puts

/* Real mode at CS:IP = 0x3000:0 after the wake-up: says so, then powers off (S5). */
	.code16
stub_start:
	mov	$COM1, %dx
	out_char 'S'
	out_char '3'
	out_char '-'
	out_char 'W'
	out_char 'O'
	out_char 'K'
	out_char 'E'
	out_char '\n'
	mov	$S5_POWEROFF, %ax
	mov	$PM1_CNT, %dx
	out	%ax, %dx
3:	hlt
	jmp	3b
stub_end:

	.section .rodata
msg_start:	.asciz "S3-GUEST start\n"
msg_sleep:	.asciz "S3-GUEST sleeping\n"
msg_not_asleep:	.asciz "S3-GUEST still running after the S3 write\n"
