/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 part of the vcpu benchmark: the MMIO payload, and the time the VMM spends on
 * one SYSTEM_SUSPEND exit and one WAKEUP exit (the library's own measurement of each,
 * vcpu_stats.suspend_ns and .wakeup_ns) against the bare ioctl sequence each needs,
 * timed on the same vCPU after its loop has ended.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const uint8_t vb_mmio_start[], vb_mmio_end[];
extern const uint8_t vb_suspend_start[], vb_suspend_end[];

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x100000ull
#define CYCLES 31

const uint64_t bench_ram_gpa = RAM_GPA;
const size_t bench_ram_size = RAM_SIZE;

const struct bench_layout bench_layouts[] = {{.name = "MMIO",
                                              .exit_reason = KVM_EXIT_MMIO,
                                              .addr = 0x0a000000,
                                              .load_gpa = RAM_GPA,
                                              .start = vb_mmio_start,
                                              .end = vb_mmio_end}};
const size_t bench_nlayouts = 1;

const unsigned int bench_default_exits = 2000;

void bench_vcpu_config(const struct bench_layout *l, uint32_t id, struct vcpu_config *cfg)
{
	*cfg = (struct vcpu_config){.id = id, .entry = l->load_gpa};
}

struct cycles {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct kvmio_vm *vm;
	int suspended, resumed;
	uint64_t suspend_ns[CYCLES + 1], wakeup_ns[CYCLES + 1];
};

static void on_suspended(void *opaque, struct vcpu *vcpu, uint64_t entry, uint64_t ctx)
{
	struct cycles *c = opaque;
	struct vcpu_stats s;
	(void)entry;
	(void)ctx;
	vcpu_get_stats(vcpu, &s);
	pthread_mutex_lock(&c->lock);
	if (c->suspended < CYCLES + 1)
		c->suspend_ns[c->suspended] = s.suspend_ns;
	c->suspended++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_resumed(void *opaque, struct vcpu *vcpu)
{
	struct cycles *c = opaque;
	struct vcpu_stats s;
	vcpu_get_stats(vcpu, &s);
	/* The level interrupt has woken the core: lower it before it suspends again. */
	kvmio_vm_irq_line(c->vm, KVMIO_ARM_IRQ_SPI(0), 0);
	pthread_mutex_lock(&c->lock);
	if (c->resumed < CYCLES + 1)
		c->wakeup_ns[c->resumed] = s.wakeup_ns;
	c->resumed++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void wait_for(struct cycles *c, int *counter, int n)
{
	pthread_mutex_lock(&c->lock);
	while (*counter < n)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

#define CHECK(call, what)                                                                          \
	do {                                                                                       \
		int r_ = (call);                                                                   \
		if (r_ < 0)                                                                        \
			bench_fail(what, r_);                                                      \
	} while (0)

/* The ioctls a SUSPEND exit needs at least: read x0..x3, PSTATE, SCTLR_EL1; MP state. */
static uint64_t bare_suspend(struct kvmio_vcpu *kv, uint64_t *entry, uint64_t *ctx)
{
	uint64_t t0 = bench_now_ns(), x[4], y;
	for (int i = 0; i < 4; i++)
		CHECK(kvmio_vcpu_get_reg(kv, KVMIO_ARM64_REG_X(i), &x[i]), "get x");
	CHECK(kvmio_vcpu_get_reg(kv, KVMIO_ARM64_REG_PSTATE, &y), "get pstate");
	CHECK(kvmio_vcpu_get_reg(kv, KVMIO_ARM64_REG_SCTLR_EL1, &y), "get sctlr");
	CHECK(kvmio_vcpu_set_mp_state(kv, KVM_MP_STATE_SUSPENDED), "set mp suspended");
	*entry = x[1];
	*ctx = x[2];
	return bench_now_ns() - t0;
}

/* The ioctls a WAKEUP exit needs: re-init, SCTLR_EL1, PC, x0, PSTATE, MP state. */
static uint64_t bare_wakeup(struct kvmio_vcpu *kv, uint64_t features, uint64_t entry, uint64_t ctx)
{
	uint64_t t0 = bench_now_ns(), sctlr;
	CHECK(kvmio_vcpu_arm_init(kv, features), "re-init");
	CHECK(kvmio_vcpu_get_reg(kv, KVMIO_ARM64_REG_SCTLR_EL1, &sctlr), "get sctlr");
	CHECK(kvmio_vcpu_set_reg(kv, KVMIO_ARM64_REG_SCTLR_EL1, sctlr), "set sctlr");
	CHECK(kvmio_vcpu_set_reg(kv, KVMIO_ARM64_REG_PC, entry), "set pc");
	CHECK(kvmio_vcpu_set_reg(kv, KVMIO_ARM64_REG_X(0), ctx), "set x0");
	CHECK(kvmio_vcpu_set_reg(kv, KVMIO_ARM64_REG_PSTATE, 0x3c5), "set pstate");
	CHECK(kvmio_vcpu_set_mp_state(kv, KVM_MP_STATE_RUNNABLE), "set mp runnable");
	return bench_now_ns() - t0;
}

/* A VM running the suspend payload: RAM, a vGIC (v2, else v3), one configured vCPU (not
   started) whose x19 tells the payload the vGIC's version. */
struct svm {
	struct kvmio_vm *vm;
	void *ram;
	struct kvmio_vgic gic;
	struct vcpu_set *set;
	struct vcpu *v;
};

static int svm_open(struct svm *m, struct kvmio_system *sys, const struct vcpu_handlers *h)
{
	CHECK(kvmio_system_create_vm(sys, 0, &m->vm), "create VM");
	m->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->ram == MAP_FAILED)
		bench_fail("mmap", errno);
	memcpy(m->ram, vb_suspend_start, (size_t)(vb_suspend_end - vb_suspend_start));
	CHECK(kvmio_vm_set_user_memory_region(m->vm, 0, 0, RAM_GPA, RAM_SIZE, m->ram), "memory");
	const struct kvmio_vgic_config gc = {.prefer_v2 = true,
	                                     .dist_base = 0x08000000,
	                                     .cpu_base = 0x08010000,
	                                     .redist_base = 0x080a0000,
	                                     .nr_irqs = 64};
	int gr = kvmio_vgic_create(m->vm, &gc, &m->gic);
	if (gr < 0)
		return gr;
	struct psci_ram_range rr = {RAM_GPA, RAM_SIZE};
	struct vcpu_set_config sc = {
	    .handlers = *h, .system_suspend = true, .ram = &rr, .n_ram = 1};
	CHECK(vcpu_set_create(sys, m->vm, &sc, &m->set), "vcpu_set_create");
	struct vcpu_config cfg = {.id = 0, .entry = RAM_GPA};
	CHECK(vcpu_create(m->set, &cfg, &m->v), "vcpu_create");
	CHECK(kvmio_vcpu_set_reg(vcpu_kvm(m->v), KVMIO_ARM64_REG_X(19), m->gic.version), "set x19");
	CHECK(kvmio_vgic_init(&m->gic), "gic init");
	return 0;
}

static void svm_close(struct svm *m)
{
	vcpu_set_destroy(m->set);
	kvmio_vgic_destroy(&m->gic);
	kvmio_vm_destroy(m->vm);
	munmap(m->ram, RAM_SIZE);
}

/* Runs the raw vCPU until a SYSTEM_EVENT of type want. */
static void bare_run_until(struct kvmio_vcpu *kv, uint32_t want)
{
	struct kvmio_exit ex;
	for (;;) {
		CHECK(kvmio_vcpu_run(kv, &ex), "KVM_RUN");
		if (ex.kind == KVMIO_EXIT_INTR)
			continue;
		if (ex.kind == KVMIO_EXIT_SYSTEM_EVENT && ex.system_event.raw_type == want)
			return;
		fprintf(stderr, "vcpu_bench: bare cycle: unexpected exit %s\n",
		        kvmio_exit_kind_name(ex.kind));
		exit(1);
	}
}

int bench_arch_extra(struct kvmio_system *sys)
{
	struct cycles c = {.suspended = 0};
	struct svm lib = {0}, bare = {0};
	struct vcpu_handlers h = {.opaque = &c, .suspended = on_suspended, .resumed = on_resumed};
	struct vcpu_handlers none = {0};
	int r;

	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	r = svm_open(&lib, sys, &h);
	if (r < 0) {
		printf("[SKIP] vcpu_bench: SUSPEND/WAKEUP figures need a vGIC (%s)\n",
		       strerror(-r));
		return 0;
	}
	c.vm = lib.vm;
	CHECK(svm_open(&bare, sys, &none), "bare VM");
	struct kvmio_vcpu *kv = vcpu_kvm(bare.v);
	uint64_t features = (1ull << KVM_ARM_VCPU_PSCI_0_2), bs[CYCLES], bw[CYCLES];

	/*
	 * Cycles alternate so that drift hits both sides alike: while the vcpu-driven VM is
	 * suspended, one cycle of an identical VM driven by hand with the bare ioctls.
	 */
	CHECK(vcpu_start(lib.v), "vcpu_start");
	for (int i = 0; i < CYCLES; i++) {
		uint64_t entry, ctx;
		wait_for(&c, &c.suspended, i + 1);
		bare_run_until(kv, KVM_SYSTEM_EVENT_SUSPEND);
		bs[i] = bare_suspend(kv, &entry, &ctx);
		CHECK(kvmio_vm_irq_line(bare.vm, KVMIO_ARM_IRQ_SPI(0), 1), "irq line");
		bare_run_until(kv, KVM_SYSTEM_EVENT_WAKEUP);
		bw[i] = bare_wakeup(kv, features, entry, ctx);
		CHECK(kvmio_vm_irq_line(bare.vm, KVMIO_ARM_IRQ_SPI(0), 0), "irq line");
		CHECK(kvmio_vm_irq_line(lib.vm, KVMIO_ARM_IRQ_SPI(0), 1), "irq line");
		wait_for(&c, &c.resumed, i + 1);
	}
	wait_for(&c, &c.suspended, CYCLES + 1);
	vcpu_stop(lib.v);
	struct vcpu_end end;
	vcpu_join(lib.v, &end);
	if (end.reason != VCPU_END_STOPPED) {
		fprintf(stderr, "vcpu_bench: suspend loop ended: %s\n",
		        vcpu_end_reason_name(end.reason));
		return -1;
	}

	/* The first wake-up re-inits a vCPU that has run for the first time: reported alone. */
	uint64_t first_lib = c.wakeup_ns[0], first_bare = bw[0];
	char title[96];
	snprintf(title, sizeof(title), "vcpu benchmark: SYSTEM_SUSPEND cycle, 1 vCPU (%d cycles)",
	         CYCLES);
	bench_header(title);
	bench_row("SUSPEND exit handled by vcpu", c.suspend_ns, CYCLES);
	bench_row("SUSPEND bare ioctls (7)", bs, CYCLES);
	bench_ratio("ratio", c.suspend_ns, CYCLES, bs, CYCLES);
	bench_row("WAKEUP exit handled by vcpu", c.wakeup_ns + 1, CYCLES - 1);
	bench_row("WAKEUP bare ioctls (7)", bw + 1, CYCLES - 1);
	bench_ratio("ratio", c.wakeup_ns + 1, CYCLES - 1, bw + 1, CYCLES - 1);
	printf("  %-44s %9.2f us\n", "first WAKEUP by vcpu (first re-init)",
	       (double)first_lib / 1000.0);
	printf("  %-44s %9.2f us\n", "first WAKEUP bare (first re-init)",
	       (double)first_bare / 1000.0);

	svm_close(&lib);
	svm_close(&bare);
	return 0;
}
