/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in guest of tiny-vmm: where it lives and how it ends, per architecture. */
#ifndef TINY_VMM_GUEST_H
#define TINY_VMM_GUEST_H

#include <stdint.h>

/* The guest's code, between these symbols (guest_<arch>.S). */
extern const uint8_t guest_code_start[], guest_code_end[];

#define GUEST_RAM_SIZE 0x10000u
#define GUEST_UART_PORT 0x3f8
#define GUEST_UART_MMIO 0x09000000u

#if defined(__x86_64__)
#define GUEST_RAM_BASE 0x0u /* real mode, CS:IP = 0:0 */
#define GUEST_X86_MODE VCPU_X86_REAL
#define GUEST_END_REASON VCPU_END_HLT
#elif defined(__aarch64__)
#define GUEST_RAM_BASE 0x40000000u
#define GUEST_X86_MODE 0
#define GUEST_END_REASON VCPU_END_SHUTDOWN /* PSCI SYSTEM_OFF */
#else
#error "tiny-vmm runs on x86_64 and aarch64"
#endif

#endif
