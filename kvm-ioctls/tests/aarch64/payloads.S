/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 payloads for the kvm-ioctls tests, entered at EL1 with the MMU off at the
 * start of guest RAM. Position-independent; MMIO lives at 0x10000000 (no memory slot).
 */
#define PAYLOAD(name) .globl name##_start, name##_end; name##_start:
#define END(name) name##_end:

#define PSCI_FEATURES 0x8400000a
#define PSCI_SYSTEM_OFF 0x84000008
#define PSCI_SYSTEM_RESET 0x84000009
#define PSCI_SYSTEM_SUSPEND64 0xc400000e

.macro movl32 reg, value
	movz \reg, #((\value) & 0xffff)
	movk \reg, #((\value) >> 16), lsl #16
.endm

	.section .rodata
	.balign 4

/* MMIO writes of 1, 2, 4, 8 bytes at 0x10000000 + 0, 2, 4, 8; reads of 1, 2, 4, 8 bytes
 * from + 16, 18, 20, 24 into x4..x7; then SYSTEM_OFF. */
PAYLOAD(arm_mmio)
	movz x1, #0x1000, lsl #16
	movl32 w2, 0x1234abcd
	movz x3, #0x0123, lsl #48
	movk x3, #0x4567, lsl #32
	movk x3, #0x89ab, lsl #16
	movk x3, #0xcdef
	strb w2, [x1]
	strh w2, [x1, #2]
	str w2, [x1, #4]
	str x3, [x1, #8]
	ldrb w4, [x1, #16]
	ldrh w5, [x1, #18]
	ldr w6, [x1, #20]
	ldr x7, [x1, #24]
	movl32 w0, PSCI_SYSTEM_OFF
	hvc #0
1:	b 1b
END(arm_mmio)

PAYLOAD(arm_system_off)
	movl32 w0, PSCI_SYSTEM_OFF
	hvc #0
1:	b 1b
END(arm_system_off)

/* The virtual counter (CNTVCT_EL0) into x4 (KVM sets x0-x3 as SYSTEM_OFF's results), then
 * SYSTEM_OFF. */
PAYLOAD(arm_read_counter)
	isb
	mrs x4, cntvct_el0
	movl32 w0, PSCI_SYSTEM_OFF
	hvc #0
1:	b 1b
END(arm_read_counter)

PAYLOAD(arm_system_reset)
	movl32 w0, PSCI_SYSTEM_RESET
	hvc #0
1:	b 1b
END(arm_system_reset)

/* PSCI_FEATURES(SYSTEM_SUSPEND) written as 8 bytes to 0x10000000, then SYSTEM_SUSPEND
 * with entry = x19 (set by the test) and context id 0xc0ff00ee; its return value is
 * written to 0x10000008 (only reached when there was no exit, or after a resume). */
PAYLOAD(arm_suspend)
	movz x20, #0x1000, lsl #16
	movl32 w0, PSCI_FEATURES
	movl32 w1, PSCI_SYSTEM_SUSPEND64
	hvc #0
	str x0, [x20]
	movl32 w0, PSCI_SYSTEM_SUSPEND64
	mov x1, x19
	movz x2, #0xee
	movk x2, #0xc0ff, lsl #16
	hvc #0
	str x0, [x20, #8]
1:	b 1b
END(arm_suspend)

/* Writes to RAM pages 3 and 5 (dirty log), then SYSTEM_OFF. */
PAYLOAD(arm_dirty)
	movz x1, #0x4000, lsl #16
	mov w2, #1
	add x3, x1, #0x3000
	str w2, [x3]
	add x3, x1, #0x5000
	str w2, [x3]
	movl32 w0, PSCI_SYSTEM_OFF
	hvc #0
1:	b 1b
END(arm_dirty)

/* 4-byte MMIO writes of 0x41 then 0x42 to 0x10000100 (ioeventfd with datamatch 0x42),
 * then of 0x43 to 0x10000200 (ioeventfd for any value), then SYSTEM_OFF. */
PAYLOAD(arm_ioeventfd)
	movz x1, #0x1000, lsl #16
	mov w2, #0x41
	str w2, [x1, #0x100]
	mov w2, #0x42
	str w2, [x1, #0x100]
	mov w2, #0x43
	str w2, [x1, #0x200]
	movl32 w0, PSCI_SYSTEM_OFF
	hvc #0
1:	b 1b
END(arm_ioeventfd)

	.section .note.GNU-stack, "", %progbits
