/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vcpu library on this machine's x86_64 KVM: exit dispatch with bare-metal payloads
 * (real and long mode), the end reasons, and the life cycle under races: pause, resume,
 * kick and stop over many cycles.
 */
#include "fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

extern const uint8_t vt_x86_dispatch_start[], vt_x86_dispatch_end[];
extern const uint8_t vt_x86_count_start[], vt_x86_count_end[];
extern const uint8_t vt_x86_spin_start[], vt_x86_spin_end[];
extern const uint8_t vt_x86_long_start[], vt_x86_long_end[];
extern const uint8_t vt_x86_cpuid_start[], vt_x86_cpuid_end[];
extern const uint8_t vt_x86_rep_start[], vt_x86_rep_end[];
extern const uint8_t vt_x86_triple_start[], vt_x86_triple_end[];

#define RAM_SIZE 0x80000u /* 512 KiB at 0; 0xd0000 is MMIO */
#define LOAD 0x1000u
#define TABLES 0x10000u

/* What the handlers saw, in order. */
struct access {
	char kind; /* 'p' port, 'm' MMIO */
	bool write;
	uint64_t addr;
	uint32_t len;
	uint64_t value;
};

struct rec {
	pthread_mutex_t lock;
	struct access log[32];
	int n;
	int fail_port;             /* a PIO to this port returns -EIO (0: none) */
	_Atomic uint64_t count[4]; /* port 0x20 writes, per vCPU id */
	_Atomic uint64_t last[4];  /* last value written to port 0x20 */
	_Atomic int stopped_calls;
	_Atomic int end_not_recorded; /* stopped handler calls that vcpu_get_end() disagreed with */
	bool stop_all_on_end;         /* the stopped handler stops the whole set */
	struct vcpu_set *set;
	int join_self;                 /* vcpu_join() of itself from the stopped handler */
	int started_result;            /* what the thread_started handler returns */
	_Atomic int started_calls;     /* thread_started calls */
	_Atomic bool started_on_vcpu;  /* ... made on the vCPU's own thread */
	_Atomic int accesses_at_start; /* accesses logged when thread_started ran */
};

static void rec_add(struct rec *r, char kind, bool write, uint64_t addr, const uint8_t *data,
                    uint32_t len)
{
	uint64_t v = 0;
	memcpy(&v, data, len > 8 ? 8 : len);
	pthread_mutex_lock(&r->lock);
	if (r->n < 32)
		r->log[r->n++] = (struct access){kind, write, addr, len, v};
	pthread_mutex_unlock(&r->lock);
}

static int on_pio(void *opaque, struct vcpu *vcpu, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	struct rec *r = opaque;
	if (port == 0x20) {
		uint32_t id = vcpu_id(vcpu) & 3;
		uint16_t v;
		memcpy(&v, data, 2);
		atomic_store(&r->last[id], v);
		atomic_fetch_add(&r->count[id], 1);
		return 0;
	}
	if (r->fail_port && port == r->fail_port)
		return -EIO;
	if (!is_write && port == 0x14)
		data[0] = 0x5a;
	rec_add(r, 'p', is_write, port, data, size);
	return 0;
}

static int on_mmio(void *opaque, struct vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	struct rec *r = opaque;
	(void)vcpu;
	if (!is_write && addr == 0xd0020) {
		uint32_t v = 0xcafef00d;
		cr_assert_eq(len, 4);
		memcpy(data, &v, 4);
	}
	rec_add(r, 'm', is_write, addr, data, len);
	return 0;
}

static void on_stopped(void *opaque, struct vcpu *vcpu, const struct vcpu_end *end)
{
	struct rec *r = opaque;
	struct vcpu_end seen = vcpu_get_end(vcpu);
	if (seen.reason != end->reason || seen.error != end->error)
		atomic_fetch_add(&r->end_not_recorded, 1);
	atomic_fetch_add(&r->stopped_calls, 1);
	if (r->stop_all_on_end) {
		r->join_self = vcpu_join(vcpu, NULL);
		vcpu_set_stop(r->set);
	}
}

static struct rec g_rec;
static struct fx g_fx;
static pthread_t g_test_thread;

static int on_thread_started(void *opaque, struct vcpu *vcpu)
{
	struct rec *r = opaque;
	(void)vcpu;
	atomic_fetch_add(&r->started_calls, 1);
	atomic_store(&r->started_on_vcpu, !pthread_equal(pthread_self(), g_test_thread));
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->accesses_at_start, r->n);
	pthread_mutex_unlock(&r->lock);
	return r->started_result;
}

static void setup_vm(const uint8_t *start, const uint8_t *end)
{
	memset(&g_rec, 0, sizeof(g_rec));
	pthread_mutex_init(&g_rec.lock, NULL);
	fx_open(&g_fx, 0, RAM_SIZE);
	fx_load(&g_fx, LOAD, start, end);
	g_test_thread = pthread_self();
	struct vcpu_handlers h = {.opaque = &g_rec,
	                          .mmio = on_mmio,
	                          .pio = on_pio,
	                          .stopped = on_stopped,
	                          .thread_started = on_thread_started};
	fx_set(&g_fx, &h, false);
}

static struct vcpu *add_vcpu(uint32_t id)
{
	struct vcpu_config cfg = {.id = id, .entry = LOAD, .mode = VCPU_X86_REAL};
	struct vcpu *v;
	int r = vcpu_create(g_fx.set, &cfg, &v);
	cr_assert_eq(r, 0, "vcpu_create: %s", strerror(-r));
	return v;
}

static void teardown(void)
{
	fx_close(&g_fx);
}

/* Waits up to ms for the counter of vCPU id to pass min. */
static bool wait_count(uint32_t id, uint64_t min, unsigned int ms)
{
	uint64_t t0 = fx_now_ms();
	while (atomic_load(&g_rec.count[id]) <= min) {
		if (fx_now_ms() - t0 > ms)
			return false;
		fx_sleep_ms(1);
	}
	return true;
}

TestSuite(vcpu_x86, .fini = teardown, .timeout = 120);

Test(vcpu_x86, dispatches_pio_and_mmio_then_ends_on_hlt)
{
	setup_vm(vt_x86_dispatch_start, vt_x86_dispatch_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_get_state(v), VCPU_STATE_CREATED);
	cr_assert_eq(vcpu_start(v), 0);
	cr_assert_eq(vcpu_start(v), -EALREADY);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(end.exit_reason, KVM_EXIT_HLT);
	cr_assert_eq(vcpu_get_state(v), VCPU_STATE_STOPPED);
	cr_assert_eq(atomic_load(&g_rec.stopped_calls), 1);
	cr_assert_eq(atomic_load(&g_rec.end_not_recorded), 0,
	             "vcpu_get_end() in the stopped handler did not report the end");

	const struct access want[] = {
	    {'p', true, 0x10, 1, 0x42},       {'p', true, 0x12, 2, 0x1234},
	    {'p', false, 0x14, 1, 0x5a},      {'p', true, 0x16, 1, 0x5a},
	    {'m', true, 0xd0010, 1, 0x77},    {'m', false, 0xd0020, 4, 0xcafef00d},
	    {'p', true, 0x18, 4, 0xcafef00d},
	};
	cr_assert_eq(g_rec.n, 7, "saw %d accesses", g_rec.n);
	for (int i = 0; i < 7; i++) {
		const struct access *a = &g_rec.log[i], *w = &want[i];
		cr_assert(a->kind == w->kind && a->write == w->write && a->addr == w->addr &&
		              a->len == w->len && a->value == w->value,
		          "access %d: %c %d %#lx len %u value %#lx", i, a->kind, a->write,
		          (unsigned long)a->addr, a->len, (unsigned long)a->value);
	}
	struct vcpu_stats s;
	vcpu_get_stats(v, &s);
	cr_assert_eq(s.exits_pio, 5);
	cr_assert_eq(s.exits_mmio, 2);
}

Test(vcpu_x86, long_mode_entry_with_identity_tables)
{
	setup_vm(vt_x86_long_start, vt_x86_long_end);
	cr_assert_eq(vcpu_x86_identity_tables(g_fx.ram + TABLES, RAM_SIZE - TABLES, TABLES), 0);
	cr_assert_eq(vcpu_x86_identity_tables(g_fx.ram + TABLES, 4096, TABLES), -EINVAL);
	cr_assert_eq(vcpu_x86_identity_tables(g_fx.ram + TABLES, RAM_SIZE - TABLES, TABLES + 8),
	             -EINVAL);
	struct vcpu_config cfg = {
	    .id = 0, .entry = LOAD, .mode = VCPU_X86_LONG, .cr3 = TABLES, .args = {0xabcd1234}};
	struct vcpu *v;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), 0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT, "ended: %s (error %d, exit %u, detail %#lx)",
	             vcpu_end_reason_name(end.reason), end.error, end.exit_reason,
	             (unsigned long)end.detail);
	cr_assert_eq(g_rec.n, 2);
	cr_assert(g_rec.log[0].kind == 'p' && g_rec.log[0].addr == 0x10 && g_rec.log[0].len == 4 &&
	          g_rec.log[0].value == 0xabcd1234);
	cr_assert(g_rec.log[1].kind == 'm' && g_rec.log[1].addr == 0xd0008 &&
	          g_rec.log[1].len == 8 && g_rec.log[1].value == 0x1122334455667788ull);
}

Test(vcpu_x86, bad_configs_are_refused)
{
	setup_vm(vt_x86_spin_start, vt_x86_spin_end);
	struct vcpu_config cfg = {.id = 0, .entry = 0x100000, .mode = VCPU_X86_REAL};
	struct vcpu *v;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), -EINVAL);
	cfg.mode = VCPU_X86_PROTECTED_32;
	cfg.entry = 0x100000000ull;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), -EINVAL, "a 32-bit entry above 4 GiB");
	cfg.mode = (enum vcpu_x86_mode)3;
	cfg.entry = LOAD;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), -EINVAL, "no such mode");
	cfg.mode = VCPU_X86_REAL;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), 0);
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), -EEXIST);
	cr_assert_eq(vcpu_set_count(g_fx.set), 1);
	cr_assert_eq(vcpu_set_find(g_fx.set, 0), v);
	cr_assert_null(vcpu_set_find(g_fx.set, 7));

	struct vcpu_set_config sc = {.system_suspend = true};
	struct vcpu_set *s2;
	cr_assert_eq(vcpu_set_create(g_fx.sys, g_fx.vm, &sc, &s2), -EOPNOTSUPP);
	cr_assert_eq(vcpu_set_create(NULL, g_fx.vm, NULL, &s2), -EINVAL);
	sc = (struct vcpu_set_config){.kick_signal = 9};
	cr_assert_eq(vcpu_set_create(g_fx.sys, g_fx.vm, &sc, &s2), -EINVAL);
}

Test(vcpu_x86, handler_error_ends_the_loop)
{
	setup_vm(vt_x86_dispatch_start, vt_x86_dispatch_end);
	g_rec.fail_port = 0x12;
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu *who = NULL;
	cr_assert_eq(vcpu_set_wait_any(g_fx.set, 10000, &who), 0);
	cr_assert_eq(who, v);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HANDLER);
	cr_assert_eq(end.error, -EIO);
	cr_assert_eq(end.exit_reason, KVM_EXIT_IO);
	cr_assert_eq(g_rec.n, 1);
}

Test(vcpu_x86, thread_started_runs_on_the_vcpu_thread_before_the_guest)
{
	setup_vm(vt_x86_dispatch_start, vt_x86_dispatch_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT);
	cr_assert_eq(atomic_load(&g_rec.started_calls), 1);
	cr_assert(atomic_load(&g_rec.started_on_vcpu), "thread_started ran on the caller's thread");
	cr_assert_eq(atomic_load(&g_rec.accesses_at_start), 0,
	             "the guest ran before thread_started");
	cr_assert_eq(g_rec.n, 7);
}

Test(vcpu_x86, thread_started_error_ends_before_any_guest_code)
{
	setup_vm(vt_x86_dispatch_start, vt_x86_dispatch_end);
	g_rec.started_result = -EPERM;
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HANDLER);
	cr_assert_eq(end.error, -EPERM);
	cr_assert_eq(g_rec.n, 0, "the guest ran %d accesses", g_rec.n);
	cr_assert_eq(atomic_load(&g_rec.stopped_calls), 1);
	struct vcpu_stats s;
	vcpu_get_stats(v, &s);
	cr_assert_eq(s.runs, 0);
}

Test(vcpu_x86, pause_resume_many_cycles_no_progress_while_paused)
{
	setup_vm(vt_x86_count_start, vt_x86_count_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	cr_assert(wait_count(0, 0, 5000), "the guest made no exits");
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(vcpu_pause(v), 0);
		cr_assert_eq(vcpu_get_state(v), VCPU_STATE_PAUSED, "cycle %d: %s", i,
		             vcpu_state_name(vcpu_get_state(v)));
		uint64_t c = atomic_load(&g_rec.count[0]);
		if (i % 50 == 0) {
			fx_sleep_ms(20);
			cr_assert_eq(atomic_load(&g_rec.count[0]), c, "progress while paused");
		}
		cr_assert_eq(vcpu_resume(v), 0);
		cr_assert(wait_count(0, c, 5000), "cycle %d: no progress after resume", i);
	}
	cr_assert_eq(vcpu_resume(v), -EINVAL);
	/* The guest's counter and ours agree: no exit was lost or handled twice. */
	cr_assert_eq(vcpu_pause(v), 0);
	uint64_t n = atomic_load(&g_rec.count[0]);
	cr_assert_eq((n - 1) & 0xffff, atomic_load(&g_rec.last[0]));
	struct vcpu_stats s;
	vcpu_get_stats(v, &s);
	cr_assert_eq(s.pauses, 301);
	cr_assert_eq(s.exits_pio, n);
	cr_assert_eq(vcpu_stop(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_STOPPED, "ended: %s", vcpu_end_reason_name(end.reason));
}

Test(vcpu_x86, nested_pauses_need_as_many_resumes)
{
	setup_vm(vt_x86_count_start, vt_x86_count_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	cr_assert(wait_count(0, 0, 5000));
	cr_assert_eq(vcpu_pause(v), 0);
	cr_assert_eq(vcpu_set_pause(g_fx.set), 0);
	cr_assert_eq(vcpu_resume(v), 0);
	uint64_t c = atomic_load(&g_rec.count[0]);
	fx_sleep_ms(30);
	cr_assert_eq(vcpu_get_state(v), VCPU_STATE_PAUSED);
	cr_assert_eq(atomic_load(&g_rec.count[0]), c);
	cr_assert_eq(vcpu_set_resume(g_fx.set), 0);
	cr_assert(wait_count(0, c, 5000));
}

Test(vcpu_x86, pause_before_start_parks_at_once_and_stop_while_paused)
{
	setup_vm(vt_x86_count_start, vt_x86_count_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_pause(v), 0);
	cr_assert_eq(vcpu_start(v), 0);
	cr_assert_eq(vcpu_pause(v), 0); /* waits for the park */
	cr_assert_eq(vcpu_get_state(v), VCPU_STATE_PAUSED);
	fx_sleep_ms(20);
	cr_assert_eq(atomic_load(&g_rec.count[0]), 0, "ran while paused from the start");
	cr_assert_eq(vcpu_stop(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_STOPPED);
	cr_assert_eq(vcpu_join(v, &end), -EALREADY);
	cr_assert_eq(vcpu_cpu_time_ns(v), -ESRCH);
}

Test(vcpu_x86, start_then_immediate_pause_or_stop_never_hangs)
{
	/* A request made while the thread is just starting or just entering KVM_RUN is the
	   classic lost wake-up; hundreds of fresh vCPUs give it many chances. */
	setup_vm(vt_x86_spin_start, vt_x86_spin_end);
	for (uint32_t i = 0; i < 200; i++) {
		struct vcpu *v = add_vcpu(i); /* KVM never frees a vCPU id within a VM */
		cr_assert_eq(vcpu_start(v), 0);
		if (i & 1) {
			cr_assert_eq(vcpu_pause(v), 0);
			cr_assert_eq(vcpu_get_state(v), VCPU_STATE_PAUSED);
			cr_assert_eq(vcpu_resume(v), 0);
		}
		cr_assert_eq(vcpu_stop(v), 0);
		struct vcpu_end end;
		cr_assert_eq(vcpu_join(v, &end), 0);
		cr_assert_eq(end.reason, VCPU_END_STOPPED, "vcpu %u ended: %s", i,
		             vcpu_end_reason_name(end.reason));
		vcpu_destroy(v);
	}
	cr_assert_eq(vcpu_set_count(g_fx.set), 0);
}

Test(vcpu_x86, guest_that_never_exits_is_kicked_paused_and_stopped)
{
	setup_vm(vt_x86_spin_start, vt_x86_spin_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	for (int i = 0; i < 100; i++) {
		/* Some kicks land while the thread is in KVM_RUN, others before it gets there. */
		if (i % 4 == 0)
			fx_sleep_ms(2);
		cr_assert_eq(vcpu_kick(v), 0);
		if (i % 10 == 0) {
			cr_assert_eq(vcpu_pause(v), 0);
			cr_assert_eq(vcpu_get_state(v), VCPU_STATE_PAUSED);
			cr_assert_eq(vcpu_resume(v), 0);
		}
	}
	uint32_t mp = 99;
	cr_assert_eq(vcpu_get_mp_state(v, &mp), 0);
	cr_assert_eq(mp, KVM_MP_STATE_RUNNABLE);
	fx_sleep_ms(50);
	struct vcpu_stats s;
	vcpu_get_stats(v, &s);
	cr_assert_gt(s.kicks, 0);
	cr_assert_geq(s.interruptions, 1);
	cr_assert_eq(vcpu_get_state(v), VCPU_STATE_RUNNING);
	int64_t t = vcpu_cpu_time_ns(v);
	cr_assert_gt(t, 0, "cpu time %ld", (long)t);
	cr_assert_eq(vcpu_stop(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_STOPPED);
}

/* Racing requesters: one pauses and resumes a vCPU, one the whole set, one kicks. */
struct race {
	struct vcpu *v[2];
	atomic_bool done;
	_Atomic int cycles[3];
};

static void *race_pause_one(void *arg)
{
	struct race *r = arg;
	while (!atomic_load(&r->done)) {
		cr_assert_eq(vcpu_pause(r->v[0]), 0);
		enum vcpu_state s = vcpu_get_state(r->v[0]);
		cr_assert_eq(s, VCPU_STATE_PAUSED, "state %s after pause", vcpu_state_name(s));
		cr_assert_eq(vcpu_resume(r->v[0]), 0);
		atomic_fetch_add(&r->cycles[0], 1);
	}
	return NULL;
}

static void *race_pause_all(void *arg)
{
	struct race *r = arg;
	while (!atomic_load(&r->done)) {
		cr_assert_eq(vcpu_set_pause(g_fx.set), 0);
		for (int i = 0; i < 2; i++) {
			uint64_t c = atomic_load(&g_rec.count[i]);
			cr_assert_eq(vcpu_get_state(r->v[i]), VCPU_STATE_PAUSED);
			cr_assert_eq(atomic_load(&g_rec.count[i]), c);
		}
		cr_assert_eq(vcpu_set_resume(g_fx.set), 0);
		atomic_fetch_add(&r->cycles[1], 1);
	}
	return NULL;
}

static void *race_kick(void *arg)
{
	struct race *r = arg;
	for (unsigned int i = 1; !atomic_load(&r->done); i++) {
		vcpu_kick(r->v[0]);
		vcpu_kick(r->v[1]);
		atomic_fetch_add(&r->cycles[2], 1);
		/* A kick loop that never sleeps would keep the set's lock to itself (mutexes
		   are not fair) and starve the other requesters on a two-CPU machine. */
		if (i % 16 == 0)
			usleep(10);
	}
	return NULL;
}

Test(vcpu_x86, pause_resume_kick_races_over_many_cycles)
{
	setup_vm(vt_x86_count_start, vt_x86_count_end);
	struct race r = {0};
	r.v[0] = add_vcpu(0);
	r.v[1] = add_vcpu(1);
	cr_assert_eq(vcpu_set_start(g_fx.set), 0);
	cr_assert(wait_count(0, 0, 5000) && wait_count(1, 0, 5000));
	pthread_t t[3];
	pthread_create(&t[0], NULL, race_pause_one, &r);
	pthread_create(&t[1], NULL, race_pause_all, &r);
	pthread_create(&t[2], NULL, race_kick, &r);
	uint64_t t0 = fx_now_ms();
	while (fx_now_ms() - t0 < 20000 &&
	       (fx_now_ms() - t0 < 1000 || atomic_load(&r.cycles[0]) < 1000 ||
	        atomic_load(&r.cycles[1]) < 300))
		fx_sleep_ms(10);
	atomic_store(&r.done, true);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	cr_assert_geq(atomic_load(&r.cycles[0]), 100,
	              "only %d pause cycles (set pause %d, kicks %d)", r.cycles[0], r.cycles[1],
	              r.cycles[2]);
	cr_assert_geq(atomic_load(&r.cycles[1]), 30,
	              "only %d set pause cycles (pause %d, kicks %d)", r.cycles[1], r.cycles[0],
	              r.cycles[2]);
	/* Both still make progress, and nothing is left paused. */
	uint64_t c0 = atomic_load(&g_rec.count[0]), c1 = atomic_load(&g_rec.count[1]);
	cr_assert(wait_count(0, c0, 5000) && wait_count(1, c1, 5000));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(vcpu_get_state(r.v[i]), VCPU_STATE_RUNNING);
		cr_assert_eq(vcpu_resume(r.v[i]), -EINVAL);
	}
	cr_assert_eq(vcpu_set_stop(g_fx.set), 0);
	for (int i = 0; i < 2; i++) {
		struct vcpu_end end;
		cr_assert_eq(vcpu_join(r.v[i], &end), 0);
		cr_assert_eq(end.reason, VCPU_END_STOPPED);
	}
	cr_log_info("cycles: pause %d, set pause %d, kicks %d", r.cycles[0], r.cycles[1],
	            r.cycles[2]);
}

Test(vcpu_x86, destroy_while_running_stops_and_joins)
{
	setup_vm(vt_x86_count_start, vt_x86_count_end);
	add_vcpu(0);
	add_vcpu(1);
	cr_assert_eq(vcpu_set_start(g_fx.set), 0);
	cr_assert(wait_count(0, 0, 5000));
	/* teardown destroys the set with both vCPUs running. */
}

Test(vcpu_x86, triple_fault_is_a_reset)
{
	/* On x86 KVM_EXIT_SHUTDOWN is a triple fault, which resets a real PC: the loop ends
	   with RESET (exit reason KVM_EXIT_SHUTDOWN), not as a power-off. A paravirtual KVM
	   that runs CPL0 code in its instruction emulator cannot deliver the #DE at all and
	   reports an emulation failure instead. */
	setup_vm(vt_x86_triple_start, vt_x86_triple_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	if (end.reason == VCPU_END_FAILURE && end.exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		cr_log_info("this KVM could not deliver the #DE: emulation failure");
		return;
	}
	cr_assert_eq(end.reason, VCPU_END_RESET, "ended: %s (exit %u)",
	             vcpu_end_reason_name(end.reason), end.exit_reason);
	cr_assert_eq(end.exit_reason, KVM_EXIT_SHUTDOWN);
}

Test(vcpu_x86, guest_running_where_there_is_no_memory_is_a_failure)
{
	/* Fetching instructions from an address with no memory is not something the loop
	   can continue from: KVM reports an error and the loop ends with FAILURE. */
	setup_vm(vt_x86_spin_start, vt_x86_spin_end);
	struct vcpu_config cfg = {.id = 0, .entry = 0xe0000, .mode = VCPU_X86_REAL};
	struct vcpu *v;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), 0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu *who;
	cr_assert_eq(vcpu_set_wait_any(g_fx.set, 20000, &who), 0, "the loop did not end");
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_log_info("no memory: %s, error %d, exit %u, detail %#lx",
	            vcpu_end_reason_name(end.reason), end.error, end.exit_reason,
	            (unsigned long)end.detail);
	cr_assert_eq(end.reason, VCPU_END_FAILURE, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(end.exit_reason, KVM_EXIT_INTERNAL_ERROR);
	cr_assert_eq(end.detail, KVM_INTERNAL_ERROR_EMULATION);
}

Test(vcpu_x86, guest_sees_the_hypervisor_cpuid_bit)
{
	setup_vm(vt_x86_cpuid_start, vt_x86_cpuid_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(g_rec.n, 1);
	cr_assert(g_rec.log[0].value & (1u << 31), "CPUID.1:ECX %#lx lacks the hypervisor bit",
	          (unsigned long)g_rec.log[0].value);
}

Test(vcpu_x86, stopped_handler_stops_the_whole_set)
{
	/* vCPU 0 runs into hlt; its stopped handler stops vCPU 1, which never would end. */
	setup_vm(vt_x86_dispatch_start, vt_x86_dispatch_end);
	fx_load(&g_fx, 0x2000, vt_x86_spin_start, vt_x86_spin_end);
	g_rec.stop_all_on_end = true;
	g_rec.set = g_fx.set;
	struct vcpu *v0 = add_vcpu(0);
	struct vcpu_config c1 = {.id = 1, .entry = 0x2000, .mode = VCPU_X86_REAL};
	struct vcpu *v1;
	cr_assert_eq(vcpu_create(g_fx.set, &c1, &v1), 0);
	struct vcpu *who = NULL;
	cr_assert_eq(vcpu_set_wait_any(g_fx.set, 0, &who), -EINVAL, "nothing started yet");
	cr_assert_eq(vcpu_start(v1), 0);
	cr_assert_eq(vcpu_set_wait_any(g_fx.set, 50, &who), -ETIMEDOUT);
	cr_assert_eq(vcpu_start(v0), 0);
	struct vcpu_end e0, e1;
	cr_assert_eq(vcpu_join(v0, &e0), 0);
	cr_assert_eq(vcpu_join(v1, &e1), 0);
	cr_assert_eq(e0.reason, VCPU_END_HLT);
	cr_assert_eq(e1.reason, VCPU_END_STOPPED);
	cr_assert_eq(g_rec.join_self, -EINVAL, "a vCPU joined itself");
	cr_assert_eq(atomic_load(&g_rec.stopped_calls), 2);
	cr_assert_eq(vcpu_set_wait_any(g_fx.set, 0, &who), 0);
	cr_assert_eq(who, v0);
}

Test(vcpu_x86, rep_outsb_gives_one_handler_call_per_element)
{
	setup_vm(vt_x86_rep_start, vt_x86_rep_end);
	struct vcpu *v = add_vcpu(0);
	cr_assert_eq(vcpu_start(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(g_rec.n, 3);
	for (int i = 0; i < 3; i++)
		cr_assert(g_rec.log[i].kind == 'p' && g_rec.log[i].write &&
		              g_rec.log[i].addr == 0x1a && g_rec.log[i].len == 1 &&
		              g_rec.log[i].value == (uint64_t)('a' + i),
		          "access %d: port %#lx value %#lx", i, (unsigned long)g_rec.log[i].addr,
		          (unsigned long)g_rec.log[i].value);
	struct vcpu_stats s;
	vcpu_get_stats(v, &s);
	cr_log_info("rep outsb: %lu PIO exits for 3 bytes", (unsigned long)s.exits_pio);
	cr_assert_leq(s.exits_pio, 3);
}

/* The S3 resume of a boot vCPU: paused while spinning in long mode, it is put back in real
   mode at a waking vector (CS = vector >> 4, IP = vector & 0xf) and runs the real-mode
   program there to its hlt. */
Test(vcpu_x86, sleep_reset_resumes_the_boot_vcpu_in_real_mode_at_the_waking_vector)
{
	const uint32_t vector = 0x2003;
	setup_vm(vt_x86_spin_start, vt_x86_spin_end); /* "jmp ." in long mode too */
	fx_load(&g_fx, vector, vt_x86_dispatch_start, vt_x86_dispatch_end);
	cr_assert_eq(vcpu_x86_identity_tables(g_fx.ram + TABLES, RAM_SIZE - TABLES, TABLES), 0);
	struct vcpu_config cfg = {.id = 0, .entry = LOAD, .mode = VCPU_X86_LONG, .cr3 = TABLES};
	struct vcpu *v;
	cr_assert_eq(vcpu_create(g_fx.set, &cfg, &v), 0);
	cr_assert_eq(vcpu_start(v), 0);
	fx_sleep_ms(20);
	cr_assert_eq(vcpu_x86_sleep_reset(v, true, vector), -EBUSY, "running: refused");
	cr_assert_eq(vcpu_pause(v), 0);
	cr_assert_eq(g_rec.n, 0, "the spinning guest made %d accesses", g_rec.n);
	cr_assert_eq(vcpu_x86_sleep_reset(NULL, true, vector), -EINVAL);
	cr_assert_eq(vcpu_x86_sleep_reset(v, true, 1u << 20), -EINVAL, "above 1 MiB");
	cr_assert_eq(vcpu_x86_sleep_reset(v, true, vector), 0);
	struct kvm_sregs s;
	cr_assert_eq(kvmio_vcpu_get_sregs(vcpu_kvm(v), &s), 0);
	cr_assert_eq(s.cs.selector, vector >> 4);
	cr_assert_eq(s.cs.base, vector & ~0xfu);
	cr_assert_eq(s.cr0, 0x60000010ull, "CR0 as after a reset");
	cr_assert_eq(s.efer, 0);
	cr_assert_eq(s.cr4, 0);
	cr_assert_eq(vcpu_resume(v), 0);
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT, "ended: %s (error %d, exit %u)",
	             vcpu_end_reason_name(end.reason), end.error, end.exit_reason);
	/* The real-mode program's accesses, as dispatches_pio_and_mmio_then_ends_on_hlt. */
	cr_assert_eq(g_rec.n, 7, "saw %d accesses", g_rec.n);
	cr_assert(g_rec.log[0].kind == 'p' && g_rec.log[0].addr == 0x10 && g_rec.log[0].len == 1 &&
	          g_rec.log[0].value == 0x42);
	cr_assert(g_rec.log[4].kind == 'm' && g_rec.log[4].addr == 0xd0010 &&
	          g_rec.log[4].value == 0x77);
}
