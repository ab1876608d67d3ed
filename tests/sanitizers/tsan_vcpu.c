/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vcpu library's threading under ThreadSanitizer, on x86_64 KVM (tsan_vcpu.sh).
 * Criterion does not run under TSan, so this is a plain program: exit status 0 when every
 * check held (TSan makes it exit 66 when it reported a race), 1 on a failed check, 77
 * (skip) without a usable /dev/kvm.
 *
 * Two vCPUs run a real-mode loop of port writes, each one an exit to the port handler.
 * Two controller threads then race each other and the vCPU threads for a few seconds:
 * pausing and resuming the set and single vCPUs, kicking, reading statistics, states and
 * CPU time. Checks along the way: a paused set makes no progress, a resumed one does; at
 * the end a stop from one thread while another pauses ends every vCPU with
 * VCPU_END_STOPPED.
 */
#define _GNU_SOURCE
#include <cvmm/vcpu.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define RAM_SIZE 0x10000u
#define ENTRY 0x1000u
#define NVCPUS 2
#define RUN_MS 3000

/* 16-bit real mode: 1: out %al, $0x10; inc %ax; jmp 1b */
static const unsigned char guest[] = {0xe6, 0x10, 0x40, 0xeb, 0xfb};

static atomic_ulong port_writes;
static atomic_bool controllers_go;
static int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			pthread_mutex_lock(&fail_lock);                                            \
			failures++;                                                                \
			fprintf(stderr, "tsan_vcpu: FAIL %s:%d: ", __FILE__, __LINE__);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			pthread_mutex_unlock(&fail_lock);                                          \
		}                                                                                  \
	} while (0)

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int on_pio(void *opaque, struct vcpu *v, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	(void)opaque, (void)v, (void)data, (void)size;
	if (is_write && port == 0x10)
		atomic_fetch_add(&port_writes, 1);
	return 0;
}

struct ctl {
	struct vcpu_set *set;
	struct vcpu *v[NVCPUS];
	unsigned seed;
	unsigned ms;  /* how long to run */
	bool lenient; /* racing a stop: requests may fail once the vCPUs ended */
	unsigned long ops;
};

/* One controller: random requests until the deadline. */
static void *controller(void *arg)
{
	struct ctl *c = arg;
	uint64_t end;

	while (!atomic_load(&controllers_go))
		sleep_ms(1);
	end = now_ms() + c->ms;
	while (now_ms() < end) {
		struct vcpu *v = c->v[rand_r(&c->seed) % NVCPUS];
		struct vcpu_stats st;
		int r;
		switch (rand_r(&c->seed) % 6) {
		case 0:
			r = vcpu_set_pause(c->set);
			CHECK(r == 0 || c->lenient, "vcpu_set_pause: %s", strerror(-r));
			r = vcpu_set_resume(c->set);
			CHECK(r == 0 || c->lenient, "vcpu_set_resume: %s", strerror(-r));
			break;
		case 1:
			r = vcpu_pause(v);
			CHECK(r == 0 || c->lenient, "vcpu_pause: %s", strerror(-r));
			r = vcpu_resume(v);
			CHECK(r == 0 || c->lenient, "vcpu_resume: %s", strerror(-r));
			break;
		case 2:
			r = vcpu_kick(v);
			CHECK(r == 0 || c->lenient, "vcpu_kick: %s", strerror(-r));
			break;
		case 3:
			vcpu_get_stats(v, &st);
			(void)vcpu_get_end(v);
			break;
		case 4:
			(void)vcpu_cpu_time_ns(v);
			break;
		default:
			sleep_ms(1);
			break;
		}
		c->ops++;
	}
	return NULL;
}

int main(void)
{
	struct kvmio_system *sys = NULL;
	struct kvmio_vm *vm = NULL;
	struct vcpu_set *set = NULL;
	struct vcpu *v[NVCPUS];
	unsigned char *ram;
	int r = kvmio_system_open(&sys);

	if (r == -ENOENT || r == -ENXIO || r == -ENODEV || r == -EACCES) {
		printf("tsan_vcpu: SKIP: no usable /dev/kvm (%s)\n", strerror(-r));
		return 77;
	}
	CHECK(r == 0, "kvmio_system_open: %s", strerror(-r));
	if (r < 0)
		return 1;
	r = kvmio_system_create_vm(sys, 0, &vm);
	CHECK(r == 0, "create vm: %s", strerror(-r));
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ram != MAP_FAILED, "mmap");
	if (r < 0 || ram == MAP_FAILED)
		return 1;
	memcpy(ram + ENTRY, guest, sizeof(guest));
	r = kvmio_vm_set_user_memory_region(vm, 0, 0, 0, RAM_SIZE, ram);
	CHECK(r == 0, "memory region: %s", strerror(-r));

	struct vcpu_set_config sc = {.handlers = {.pio = on_pio}};
	r = vcpu_set_create(sys, vm, &sc, &set);
	CHECK(r == 0, "vcpu_set_create: %s", strerror(-r));
	if (r < 0)
		return 1;
	for (int i = 0; i < NVCPUS; i++) {
		struct vcpu_config vc = {.id = (uint32_t)i, .entry = ENTRY, .mode = VCPU_X86_REAL};
		r = vcpu_create(set, &vc, &v[i]);
		CHECK(r == 0, "vcpu_create: %s", strerror(-r));
		if (r < 0)
			return 1;
	}
	r = vcpu_set_start(set);
	CHECK(r == 0, "vcpu_set_start: %s", strerror(-r));

	/* The guest makes progress, stops making it while paused, and makes it again. */
	uint64_t t0 = now_ms();
	while (atomic_load(&port_writes) < 100 && now_ms() - t0 < 10000)
		sleep_ms(5);
	CHECK(atomic_load(&port_writes) >= 100, "the guest made no progress");
	r = vcpu_set_pause(set);
	CHECK(r == 0, "vcpu_set_pause: %s", strerror(-r));
	unsigned long before = atomic_load(&port_writes);
	sleep_ms(50);
	CHECK(atomic_load(&port_writes) == before, "port writes while the set was paused");
	r = vcpu_set_resume(set);
	CHECK(r == 0, "vcpu_set_resume: %s", strerror(-r));
	t0 = now_ms();
	while (atomic_load(&port_writes) == before && now_ms() - t0 < 5000)
		sleep_ms(1);
	CHECK(atomic_load(&port_writes) > before, "no progress after resume");

	/* Controllers race each other and the vCPU threads. */
	pthread_t th[2];
	struct ctl c[2];
	for (int i = 0; i < 2; i++) {
		c[i] = (struct ctl){.set = set, .seed = 1234u + (unsigned)i, .ms = RUN_MS};
		memcpy(c[i].v, v, sizeof(v));
		pthread_create(&th[i], NULL, controller, &c[i]);
	}
	atomic_store(&controllers_go, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);

	/* A stop racing a pause: every vCPU ends as stopped. */
	pthread_t pauser;
	struct ctl pc = {.set = set, .seed = 99, .ms = 300, .lenient = true};
	memcpy(pc.v, v, sizeof(v));
	atomic_store(&controllers_go, true);
	pthread_create(&pauser, NULL, controller, &pc);
	sleep_ms(100);
	r = vcpu_set_stop(set);
	CHECK(r == 0, "vcpu_set_stop: %s", strerror(-r));
	pthread_join(pauser, NULL);
	for (int i = 0; i < NVCPUS; i++) {
		struct vcpu_end e;
		r = vcpu_join(v[i], &e);
		CHECK(r == 0, "vcpu_join: %s", strerror(-r));
		CHECK(e.reason == VCPU_END_STOPPED, "vCPU %d ended with %s", i,
		      vcpu_end_reason_name(e.reason));
	}
	printf("tsan_vcpu: %lu port writes, %lu + %lu + %lu controller operations, %d failure(s)\n",
	       atomic_load(&port_writes), c[0].ops, c[1].ops, pc.ops, failures);
	vcpu_set_destroy(set);
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
	munmap(ram, RAM_SIZE);
	return failures ? 1 : 0;
}
