/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vcpu benchmark: prints measured figures, each against its raw baseline measured in
 * the same run.
 *   - An MMIO exit round trip (and on x86_64 a PIO one) through the vcpu exit loop, a
 *     handler and a devices-library bus to a device, as in a VMM, against a bare
 *     KVM_RUN loop on the same VM (target: at most 1.05x).
 *   - aarch64: the time the VMM spends handling one SYSTEM_SUSPEND exit and one
 *     WAKEUP exit, against the bare ioctl sequence each needs (bench_vcpu_aarch64.c).
 * Usage: vcpu_bench [exits per round] [rounds]. Run by the test harness (which passes
 * Criterion's options, --jobs N, --verbose, ..., otherwise ignored) it takes a tenth of
 * the default exits per round and 3 rounds: the test shows that every measurement runs,
 * in seconds even on nested KVM under emulation; the figures worth reading come from a
 * run of its own (tests/bench/run-bench.sh). Exits 0 when the measurements
 * ran, 1 when one failed; a part that cannot run prints a "[SKIP] " line (which the
 * harness reports as a skip) and exits 0.
 */
#include "bench.h"

#include <cvmm/devices.h>

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

/*
 * The device every measured exit reaches, as in a VMM: a register that keeps the last
 * byte written.
 */
struct sink {
	uint8_t last;
};

static int sink_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	struct sink *d = ctx;
	(void)offset;
	memset(data, 0, size);
	data[0] = d->last;
	return 0;
}

static int sink_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	struct sink *d = ctx;
	(void)offset;
	(void)size;
	d->last = data[0];
	return 0;
}

static const struct vdev_ops sink_ops = {.read = sink_read, .write = sink_write};

/* The handlers' state: the buses and the measurement window, exits [warmup, warmup + n). */
struct window {
	struct vdev_bus *mmio, *pio;
	unsigned int warmup, n;
	_Atomic unsigned int seen;
	atomic_bool done;
	uint64_t t_first, t_last;
	pthread_mutex_t lock; /* with cond: tells the main thread that the window is over */
	pthread_cond_t cond;
};

static int count_exit(struct window *w, int r)
{
	unsigned int k = atomic_fetch_add_explicit(&w->seen, 1, memory_order_relaxed);
	if (k == w->warmup)
		w->t_first = bench_now_ns();
	else if (k == w->warmup + w->n) {
		w->t_last = bench_now_ns();
		pthread_mutex_lock(&w->lock);
		atomic_store(&w->done, true);
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	return r;
}

static int on_mmio(void *opaque, struct vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	struct window *w = opaque;
	(void)vcpu;
	int r = is_write ? vdev_bus_write(w->mmio, addr, data, len)
	                 : vdev_bus_read(w->mmio, addr, data, len);
	return count_exit(w, r);
}

static int on_pio(void *opaque, struct vcpu *vcpu, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	struct window *w = opaque;
	(void)vcpu;
	int r = is_write ? vdev_bus_write(w->pio, port, data, size)
	                 : vdev_bus_read(w->pio, port, data, size);
	return count_exit(w, r);
}

/* Bare loop: KVM_RUN and a look at the exit reason, nothing else. ns per exit. */
static uint64_t raw_round(struct kvmio_vcpu *kv, uint32_t reason, unsigned int warmup,
                          unsigned int n)
{
	int fd = kvmio_vcpu_fd(kv);
	struct kvm_run *run = kvmio_vcpu_kvm_run(kv);
	uint64_t t0 = 0;

	for (unsigned int i = 0; i < warmup + n; i++) {
		if (i == warmup)
			t0 = bench_now_ns();
		if (ioctl(fd, KVM_RUN, 0) < 0)
			bench_fail("raw KVM_RUN", errno);
		if (run->exit_reason != reason) {
			fprintf(stderr, "vcpu_bench: raw loop: exit reason %u\n", run->exit_reason);
			exit(1);
		}
	}
	return (bench_now_ns() - t0) / n;
}

/*
 * One kind of exit: rounds alternate so that drift hits both sides alike, the bare loop on
 * one vCPU from this thread, then the vcpu loop on another, paused between its rounds.
 */
static void measure(struct vcpu_set *set, struct window *w, const struct bench_layout *l,
                    uint32_t first_id, unsigned int n, unsigned int rounds)
{
	unsigned int warmup = 200;
	uint64_t raw[64], lib[64];
	struct vcpu *vraw, *vlib;
	struct vcpu_config cfg;
	int r;

	bench_vcpu_config(l, first_id, &cfg);
	if ((r = vcpu_create(set, &cfg, &vraw)) < 0)
		bench_fail("vcpu_create", r);
	bench_vcpu_config(l, first_id + 1, &cfg);
	if ((r = vcpu_create(set, &cfg, &vlib)) < 0)
		bench_fail("vcpu_create", r);
	vcpu_pause(vlib);
	if ((r = vcpu_start(vlib)) < 0)
		bench_fail("vcpu_start", r);
	for (unsigned int i = 0; i < rounds; i++) {
		raw[i] = raw_round(vcpu_kvm(vraw), l->exit_reason, warmup, n);
		w->warmup = warmup;
		w->n = n;
		atomic_store(&w->done, false);
		atomic_store(&w->seen, 0);
		vcpu_resume(vlib);
		/* Sleep until the handler says so: polling here would disturb the vCPU. */
		pthread_mutex_lock(&w->lock);
		while (!atomic_load(&w->done))
			pthread_cond_wait(&w->cond, &w->lock);
		pthread_mutex_unlock(&w->lock);
		vcpu_pause(vlib);
		lib[i] = (w->t_last - w->t_first) / n;
	}
	vcpu_stop(vlib);
	vcpu_join(vlib, NULL);

	char title[128];
	snprintf(title, sizeof(title),
	         "vcpu benchmark: %s exit round trip (%u exits per round, %u rounds)", l->name, n,
	         rounds);
	bench_header(title);
	bench_row("bare KVM_RUN loop", raw, rounds);
	bench_row("vcpu exit loop + bus + device", lib, rounds);
	bench_ratio("ratio (target <= 1.05x)", lib, rounds, raw, rounds);
}

int main(int argc, char **argv)
{
	unsigned int n = bench_default_exits, rounds = 5, npos = 0;
	/* Positional numbers only: ctest passes Criterion's options (--jobs 1), ignored but
	   for the shorter run they ask for. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--jobs") || !strcmp(argv[i], "-j")) {
			if (npos == 0) {
				n = bench_default_exits / 10;
				rounds = 3;
			}
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
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	struct vcpu_set *set;
	struct sink sink = {0};
	struct window w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
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
	    mmap(NULL, bench_ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		bench_fail("mmap", errno);
	if ((r = vdev_bus_create(&w.mmio)) < 0 || (r = vdev_bus_create(&w.pio)) < 0)
		bench_fail("vdev_bus_create", r);
	for (size_t k = 0; k < bench_nlayouts; k++) {
		const struct bench_layout *l = &bench_layouts[k];
		memcpy((uint8_t *)ram + (l->load_gpa - bench_ram_gpa), l->start,
		       (size_t)(l->end - l->start));
		r = vdev_bus_insert(l->exit_reason == KVM_EXIT_IO ? w.pio : w.mmio, l->addr, 8,
		                    &sink_ops, &sink);
		if (r < 0)
			bench_fail("vdev_bus_insert", r);
	}
	r = kvmio_vm_set_user_memory_region(vm, 0, 0, bench_ram_gpa, bench_ram_size, ram);
	if (r < 0)
		bench_fail("memory region", r);
	struct vcpu_set_config sc = {.handlers = {.opaque = &w, .mmio = on_mmio, .pio = on_pio}};
	if ((r = vcpu_set_create(sys, vm, &sc, &set)) < 0)
		bench_fail("vcpu_set_create", r);
	for (size_t k = 0; k < bench_nlayouts; k++)
		measure(set, &w, &bench_layouts[k], (uint32_t)(2 * k), n, rounds);

	r = bench_arch_extra(sys);
	vcpu_set_destroy(set);
	vdev_bus_destroy(w.mmio);
	vdev_bus_destroy(w.pio);
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
	munmap(ram, bench_ram_size);
	return r < 0 ? 1 : 0;
}
