/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86_64 payloads of the vcpu tests. Each runs from guest physical 0x1000 and reports
 * through port IO and MMIO (0xd0000 is not RAM, so accesses there exit).
 */
	.section .rodata
	.globl vt_x86_dispatch_start, vt_x86_dispatch_end
	.globl vt_x86_count_start, vt_x86_count_end
	.globl vt_x86_spin_start, vt_x86_spin_end
	.globl vt_x86_long_start, vt_x86_long_end
	.globl vt_x86_cpuid_start, vt_x86_cpuid_end
	.globl vt_x86_rep_start, vt_x86_rep_end
	.globl vt_x86_triple_start, vt_x86_triple_end

	.code16
/* Real mode: each kind of access once, echoing what it reads, then hlt. */
vt_x86_dispatch_start:
	mov	$0x42, %al
	out	%al, $0x10		/* PIO write, 1 byte */
	mov	$0x1234, %ax
	out	%ax, $0x12		/* PIO write, 2 bytes */
	in	$0x14, %al		/* PIO read: the test answers */
	out	%al, $0x16		/* echo it */
	mov	$0xd000, %bx
	mov	%bx, %es
	movb	$0x77, %es:0x10		/* MMIO write, 1 byte, at 0xd0010 */
	movl	%es:0x20, %eax		/* MMIO read, 4 bytes, at 0xd0020 */
	out	%eax, $0x18		/* echo it */
	hlt
vt_x86_dispatch_end:

/* Real mode: an endless stream of PIO writes of a counter to port 0x20. */
vt_x86_count_start:
	xor	%ax, %ax
1:	out	%ax, $0x20
	inc	%ax
	jmp	1b
vt_x86_count_end:

/* Real mode: spins without ever leaving the guest. */
vt_x86_spin_start:
1:	jmp	1b
vt_x86_spin_end:

/* Real mode: CPUID leaf 1, ECX out to port 0x10, then hlt. */
vt_x86_cpuid_start:
	mov	$1, %eax
	xor	%ecx, %ecx
	cpuid
	mov	%ecx, %eax
	out	%eax, $0x10
	hlt
vt_x86_cpuid_end:

/* Real mode: "abc" through rep outsb to port 0x1a (one exit, three accesses), hlt. */
vt_x86_rep_start:
	call	1f			/* where am I: the payload may load anywhere */
1:	pop	%si
	add	$(2f - 1b), %si
	mov	$3, %cx
	mov	$0x1a, %dx
	cld
	rep outsb
	hlt
2:	.ascii	"abc"
vt_x86_rep_end:

/* Real mode: an IDT with no entries (the zero bytes at 0x3000), then a divide error: the
   #DE cannot be delivered, nor the faults that follow: a triple fault. */
vt_x86_triple_start:
	lidt	0x3000
	xor	%cx, %cx
	div	%cx
	hlt
vt_x86_triple_end:

	.code64
/* Long mode (identity-mapped): PIO write, MMIO write of a 64-bit value, hlt. rdi holds
   the first boot argument, echoed through port 0x10. */
vt_x86_long_start:
	mov	%edi, %eax
	out	%eax, $0x10
	movabs	$0x1122334455667788, %rax
	mov	%rax, 0xd0008
	hlt
vt_x86_long_end:

	.section .note.GNU-stack, "", @progbits
