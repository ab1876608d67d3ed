/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16-bit real-mode payloads for the x86_64 kvm-ioctls tests. Each is copied to guest
 * address 0x1000 and entered with CS = DS = 0, IP = 0x1000. Only position-independent
 * code: every address below is a guest physical address chosen by the test.
 */
#define PAYLOAD(name) .globl name##_start, name##_end; name##_start:
#define END(name) name##_end:

	.section .rodata
	.code16

/* OUT of 1, 2 and 4 bytes. */
PAYLOAD(x86_io_out)
	mov $0x11, %al
	out %al, $0x10
	mov $0x2233, %ax
	out %ax, $0x12
	mov $0x44556677, %eax
	out %eax, $0x14
	hlt
END(x86_io_out)

/* IN of 1, 2 and 4 bytes, results left in BL, CX and EDX. */
PAYLOAD(x86_io_in)
	xor %ebx, %ebx
	xor %ecx, %ecx
	in $0x20, %al
	mov %al, %bl
	in $0x22, %ax
	mov %ax, %cx
	in $0x24, %eax
	mov %eax, %edx
	hlt
END(x86_io_in)

/* REP OUTSB of 4 bytes from 0x3000 to port 0x30, then REP INSB of 4 bytes to 0x3100. */
PAYLOAD(x86_io_rep)
	cld
	mov $0x3000, %si
	mov $4, %cx
	mov $0x30, %dx
	rep outsb
	mov $0x3100, %di
	mov $4, %cx
	rep insb
	hlt
END(x86_io_rep)

/* MMIO writes of 1, 2 and 4 bytes at 0x20000..; reads of 1, 2, 4 into AL, BX, ECX. */
PAYLOAD(x86_mmio)
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	mov $0x2000, %dx
	mov %dx, %ds
	movb $0xab, 0x0
	movw $0x1234, 0x2
	movl $0xdeadbeef, 0x4
	mov 0x8, %al
	mov 0x10, %bx
	mov 0x20, %ecx
	hlt
END(x86_mmio)

PAYLOAD(x86_hlt)
	hlt
END(x86_hlt)

/* An empty IDT (limit 0 at 0x3000, which the test leaves zeroed), then #UD: the
 * exception cannot be delivered, nor can the #DF, so the CPU shuts down. */
PAYLOAD(x86_triple_fault)
	lidt 0x3000
	ud2
	hlt
END(x86_triple_fault)

/* Writes to pages 3 and 5 (dirty log test). */
PAYLOAD(x86_dirty)
	movb $1, 0x3000
	movb $1, 0x5000
	hlt
END(x86_dirty)

/* Reads 0x10000 (a read-only slot) into BL, then writes it (an MMIO exit). */
PAYLOAD(x86_readonly)
	mov $0x1000, %ax
	mov %ax, %ds
	mov 0x0, %bl
	movb $0x77, 0x0
	hlt
END(x86_readonly)

/* ioeventfd: port 0x40 with 0x41 then 0x42 (datamatch 0x42), port 0x44 with any value,
 * a 4-byte MMIO write at 0x20000 with any value, then hlt. */
PAYLOAD(x86_ioeventfd)
	mov $0x41, %al
	out %al, $0x40
	mov $0x42, %al
	out %al, $0x40
	out %al, $0x44
	mov $0x2000, %dx
	mov %dx, %ds
	movl $0x99, 0x0
	hlt
END(x86_ioeventfd)

/* A few plain instructions for single-stepping. */
PAYLOAD(x86_steps)
	nop
	nop
	inc %ax
	hlt
END(x86_steps)
/* KVM_HC_MAP_GPA_RANGE (12) through vmcall: gpa 0x4000, 2 pages, attributes 0x10; the
 * result (RAX) is then written to port 0x50. */
PAYLOAD(x86_hypercall)
	mov $12, %eax
	mov $0x4000, %ebx
	mov $2, %ecx
	mov $0x10, %edx
	vmcall
	out %eax, $0x50
	hlt
END(x86_hypercall)

/* #DE with an empty IDT (limit 0 at 0x3000): a triple fault where KVM can deliver the
 * exception; an emulation failure on the paravirtual KVM of the development machine. */
/* A far jump to 0xe000:0 (linear 0xe0000), where there is no memory. */
PAYLOAD(x86_jump_to_nowhere)
	ljmp $0xe000, $0
END(x86_jump_to_nowhere)

PAYLOAD(x86_divide_error)
	lidt 0x3000
	xor %cx, %cx
	div %cx
	hlt
END(x86_divide_error)

/* RDMSR then WRMSR of MSR 0x4b564dff (not one KVM knows); RDMSR's EAX goes to port 0x52. */
PAYLOAD(x86_user_msr)
	mov $0x4b564dff, %ecx
	rdmsr
	out %eax, $0x52
	mov $0x11223344, %eax
	mov $0x55667788, %edx
	wrmsr
	hlt
END(x86_user_msr)

/* Interrupts on, then a few instructions (interrupt window test). */
PAYLOAD(x86_sti)
	sti
	nop
	nop
	hlt
END(x86_sti)

	.section .note.GNU-stack,"",@progbits
