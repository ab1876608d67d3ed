/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal x86_64 guest that triple-faults (triple_fault.sh): it says so on the
 * 16550, loads an IDT with no entries and executes ud2. The #UD cannot be delivered, nor
 * the double fault that follows: a triple fault, which resets a real PC and ends KVM_RUN
 * with KVM_EXIT_SHUTDOWN. vmm-ref loads it as an ELF vmlinux at 1 MiB in 64-bit mode.
 */
#include "baremetal_x86_64.inc"

	.code64
	.text
	.globl _start
_start:
	cli
	mov	$0x90000, %rsp
	lea	msg(%rip), %rsi
	call	puts
	lidt	empty_idt(%rip)
	ud2
1:	hlt
	jmp	1b

	baremetal_puts

	.section .rodata
msg:	.asciz "TRIPLE-FAULT now\n"
	.balign 8
empty_idt:
	.word	0
	.quad	0
