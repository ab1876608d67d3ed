/* x86_64 part of the vcpu benchmark: the real-mode MMIO payload; no extra figures. */
#include "bench.h"

extern const uint8_t vb_mmio_start[], vb_mmio_end[];

const struct bench_layout bench_mmio_layout = {.ram_gpa = 0,
                                               .ram_size = 0x80000,
                                               .load_gpa = 0x1000,
                                               .start = vb_mmio_start,
                                               .end = vb_mmio_end};

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
