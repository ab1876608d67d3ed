/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64 part of the vcpu benchmark: the real-mode MMIO and PIO payloads; no extra figures. */
#include "bench.h"

extern const uint8_t vb_mmio_start[], vb_mmio_end[];
extern const uint8_t vb_pio_start[], vb_pio_end[];

const uint64_t bench_ram_gpa = 0;
const size_t bench_ram_size = 0x80000;

const struct bench_layout bench_layouts[] = {
    {.name = "MMIO",
     .exit_reason = KVM_EXIT_MMIO,
     .addr = 0xd0000,
     .load_gpa = 0x1000,
     .start = vb_mmio_start,
     .end = vb_mmio_end},
    {.name = "PIO",
     .exit_reason = KVM_EXIT_IO,
     .addr = 0x3f8,
     .load_gpa = 0x2000,
     .start = vb_pio_start,
     .end = vb_pio_end},
};
const size_t bench_nlayouts = sizeof(bench_layouts) / sizeof(bench_layouts[0]);

const unsigned int bench_default_exits = 20000;

void bench_vcpu_config(const struct bench_layout *l, uint32_t id, struct vcpu_config *cfg)
{
	*cfg = (struct vcpu_config){.id = id, .entry = l->load_gpa, .mode = VCPU_X86_REAL};
}

int bench_arch_extra(struct kvmio_system *sys)
{
	(void)sys;
	return 0;
}
