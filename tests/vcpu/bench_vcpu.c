/*
 * vcpu benchmark: prints measured figures, each against its raw baseline measured in
 * the same run.
 *   - An MMIO exit round trip through the vcpu exit loop and an embedder handler,
 *     against a bare KVM_RUN loop on the same VM (target: at most 1.05x).
 *   - aarch64: the time the VMM spends handling one SYSTEM_SUSPEND exit and one
 *     WAKEUP exit, against the bare ioctl sequence each needs (bench_vcpu_aarch64.c).
 * Usage: vcpu_bench [exits per round] [rounds]; the Criterion options the test
 * harness passes (--jobs N, --verbose, ...) are ignored. Exits 0 when the measurements
 * ran, 1 when one failed; a part that cannot run prints a "[SKIP] " line (which the
 * harness reports as a skip) and exits 0.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t bench_median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	return v[n / 2];
}

void bench_header(const char *title)
{
	printf("%s\n  %-44s %12s %12s\n", title, "", "median", "min");
}

void bench_row(const char *label, uint64_t *v, size_t n)
{
	uint64_t med = bench_median(v, n);
	printf("  %-44s %9.2f us %9.2f us\n", label, (double)med / 1000.0, (double)v[0] / 1000.0);
}

void bench_ratio(const char *label, uint64_t *a, size_t na, uint64_t *b, size_t nb)
{
	uint64_t ma = bench_median(a, na), mb = bench_median(b, nb);
	printf("  %-44s %11.3fx %11.3fx\n", label, (double)ma / (double)mb,
	       (double)a[0] / (double)b[0]);
}

void bench_fail(const char *what, int err)
{
	fprintf(stderr, "vcpu_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* The handler's measurement window: exits [warmup, warmup + n) are timed. */
struct window {
	unsigned int warmup, n;
	_Atomic unsigned int seen;
	atomic_bool done;
	uint64_t t_first, t_last;
	pthread_mutex_t lock; /* with cond: tells the main thread that the window is over */
	pthread_cond_t cond;
};

static int on_mmio(void *opaque, struct vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	struct window *w = opaque;
	(void)vcpu;
	unsigned int k = atomic_fetch_add_explicit(&w->seen, 1, memory_order_relaxed);
	(void)addr;
	(void)data;
	(void)len;
	(void)is_write;
	if (k == w->warmup)
		w->t_first = bench_now_ns();
	else if (k == w->warmup + w->n) {
		w->t_last = bench_now_ns();
		pthread_mutex_lock(&w->lock);
		atomic_store(&w->done, true);
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	return 0;
}

/* Bare loop: KVM_RUN and a look at the exit reason, nothing else. ns per exit. */
static uint64_t raw_round(struct kvmio_vcpu *kv, unsigned int warmup, unsigned int n)
{
	int fd = kvmio_vcpu_fd(kv);
	struct kvm_run *run = kvmio_vcpu_kvm_run(kv);
	uint64_t t0 = 0;

	for (unsigned int i = 0; i < warmup + n; i++) {
		if (i == warmup)
			t0 = bench_now_ns();
		if (ioctl(fd, KVM_RUN, 0) < 0)
			bench_fail("raw KVM_RUN", errno);
		if (run->exit_reason != KVM_EXIT_MMIO) {
			fprintf(stderr, "vcpu_bench: raw loop: exit reason %u\n", run->exit_reason);
			exit(1);
		}
	}
	return (bench_now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	const struct bench_layout *l = &bench_mmio_layout;
	unsigned int n = bench_default_exits, rounds = 5, npos = 0;
	/* Positional numbers only: ctest passes Criterion's options (--jobs 1), ignored. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--jobs") || !strcmp(argv[i], "-j")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		unsigned int v = (unsigned int)strtoul(argv[i], NULL, 0);
		if (npos++ == 0)
			n = v;
		else
			rounds = v;
	}
	unsigned int warmup = 200;
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	struct vcpu_set *set;
	struct window w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	uint64_t raw[64], lib[64];
	int r;

	if (n == 0 || rounds == 0 || rounds > 64) {
		fprintf(stderr, "usage: vcpu_bench [exits per round] [rounds <= 64]\n");
		return 2;
	}
	r = kvmio_system_open(&sys);
	if (r < 0) {
		printf("[SKIP] vcpu_bench: no usable /dev/kvm (%s)\n", strerror(-r));
		return 0;
	}
	if ((r = kvmio_system_create_vm(sys, 0, &vm)) < 0)
		bench_fail("create VM", r);
	void *ram =
	    mmap(NULL, l->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		bench_fail("mmap", errno);
	memcpy((uint8_t *)ram + (l->load_gpa - l->ram_gpa), l->start, (size_t)(l->end - l->start));
	if ((r = kvmio_vm_set_user_memory_region(vm, 0, 0, l->ram_gpa, l->ram_size, ram)) < 0)
		bench_fail("memory region", r);
	struct vcpu_set_config sc = {.handlers = {.opaque = &w, .mmio = on_mmio}};
	if ((r = vcpu_set_create(sys, vm, &sc, &set)) < 0)
		bench_fail("vcpu_set_create", r);

	/*
	 * Rounds alternate so that drift hits both sides alike: the bare loop on vCPU 0 from
	 * this thread, then the vcpu loop on vCPU 1, which is paused between its rounds.
	 */
	struct vcpu *vraw, *vlib;
	struct vcpu_config cfg;
	bench_vcpu_config(l, 0, &cfg);
	if ((r = vcpu_create(set, &cfg, &vraw)) < 0)
		bench_fail("vcpu_create", r);
	bench_vcpu_config(l, 1, &cfg);
	if ((r = vcpu_create(set, &cfg, &vlib)) < 0)
		bench_fail("vcpu_create", r);
	vcpu_pause(vlib);
	if ((r = vcpu_start(vlib)) < 0)
		bench_fail("vcpu_start", r);
	for (unsigned int i = 0; i < rounds; i++) {
		raw[i] = raw_round(vcpu_kvm(vraw), warmup, n);
		w.warmup = warmup;
		w.n = n;
		atomic_store(&w.done, false);
		atomic_store(&w.seen, 0);
		vcpu_resume(vlib);
		/* Sleep until the handler says so: polling here would disturb the vCPU. */
		pthread_mutex_lock(&w.lock);
		while (!atomic_load(&w.done))
			pthread_cond_wait(&w.cond, &w.lock);
		pthread_mutex_unlock(&w.lock);
		vcpu_pause(vlib);
		lib[i] = (w.t_last - w.t_first) / n;
	}
	vcpu_stop(vlib);
	vcpu_join(vlib, NULL);
	char title[128];
	snprintf(title, sizeof(title),
	         "vcpu benchmark: MMIO exit round trip (%u exits per round, %u rounds)", n, rounds);
	bench_header(title);
	bench_row("bare KVM_RUN loop", raw, rounds);
	bench_row("vcpu exit loop + embedder MMIO handler", lib, rounds);
	bench_ratio("ratio (target <= 1.05x)", lib, rounds, raw, rounds);

	r = bench_arch_extra(sys);
	vcpu_set_destroy(set);
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
	munmap(ram, l->ram_size);
	return r < 0 ? 1 : 0;
}
