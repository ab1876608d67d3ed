/* SPDX-License-Identifier: Apache-2.0 */
/* One vCPU's life cycle: create, start, pause, resume, kick, stop, join, state. */
#include "vcpu_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The thread body lives in loop.c. */
void *vcpu_thread_main(void *arg);

uint64_t vcpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *vcpu_state_name(enum vcpu_state state)
{
	switch (state) {
	case VCPU_STATE_CREATED:
		return "created";
	case VCPU_STATE_RUNNING:
		return "running";
	case VCPU_STATE_PAUSED:
		return "paused";
	case VCPU_STATE_SUSPENDED:
		return "suspended";
	case VCPU_STATE_STOPPED:
		return "stopped";
	}
	return "?";
}

const char *vcpu_end_reason_name(enum vcpu_end_reason reason)
{
	switch (reason) {
	case VCPU_END_NONE:
		return "none";
	case VCPU_END_STOPPED:
		return "stopped";
	case VCPU_END_SHUTDOWN:
		return "shutdown";
	case VCPU_END_RESET:
		return "reset";
	case VCPU_END_CRASH:
		return "crash";
	case VCPU_END_HLT:
		return "hlt";
	case VCPU_END_HANDLER:
		return "handler";
	case VCPU_END_FAILURE:
		return "failure";
	}
	return "?";
}

/* The vCPU of the set whose thread is the caller, or NULL. Lock held. */
struct vcpu *vcpu__self_locked(struct vcpu_set *set)
{
	pthread_t me = pthread_self();

	for (size_t i = 0; i < set->n; i++) {
		struct vcpu *v = set->vcpus[i];
		if (v->started && v->thread_alive && pthread_equal(v->thread, me))
			return v;
	}
	return NULL;
}

/*
 * Waits on the set's condition. A vCPU thread waiting here is outside KVM_RUN and goes
 * through its request check before entering it again, so others may count it as parked
 * (two vCPU threads pausing each other would otherwise wait for each other forever).
 */
void vcpu__wait_locked(struct vcpu_set *set, struct vcpu *self)
{
	if (self) {
		self->in_wait = true;
		pthread_cond_broadcast(&set->cond);
	}
	pthread_cond_wait(&set->cond, &set->lock);
	if (self)
		self->in_wait = false;
}

/*
 * Parked: outside KVM_RUN and checking its requests before entering it again. For a
 * waiter on a vCPU thread, a vCPU that itself waits in this library counts (else two
 * vCPUs could wait for each other); any other waiter gets the vCPU really at rest, so
 * that it may then use the vCPU's registers. Lock held.
 */
static bool vcpu_parked_locked(const struct vcpu *v, const struct vcpu *waiter)
{
	return v->state == VCPU_STATE_PAUSED || v->state == VCPU_STATE_STOPPED ||
	       v->state == VCPU_STATE_CREATED || (waiter && v->in_wait);
}

/*
 * Makes the thread look at its requests. The thread publishes in_run before it reads
 * pending; here pending (and immediate_exit) are published before in_run is read. With
 * sequentially consistent atomics one side sees the other: either the thread sees the
 * request before KVM_RUN, or it is (about to be) in KVM_RUN and gets the signal, and
 * immediate_exit covers a signal that lands just before the ioctl. A thread in a
 * handler is not signalled, so the embedder's own system calls are rarely interrupted.
 * Lock held (so the thread cannot exit while it is signalled).
 */
static void vcpu_request_locked(struct vcpu *v)
{
	atomic_store(&v->pending, true);
	kvmio_vcpu_set_immediate_exit(v->kv, true);
	if (v->thread_alive && atomic_load(&v->in_run) && !pthread_equal(v->thread, pthread_self()))
		pthread_kill(v->thread, v->set->kick_signal);
	pthread_cond_broadcast(&v->set->cond);
}

int vcpu_create(struct vcpu_set *set, const struct vcpu_config *cfg, struct vcpu **out)
{
	struct vcpu *v;
	int r;

	if (!set || !cfg || !out)
		return -EINVAL;
	r = vcpu_arch_check_config(cfg);
	if (r < 0)
		return r;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->set = set;
	v->id = cfg->id;
	v->state = VCPU_STATE_CREATED;
	atomic_init(&v->pending, false);
	atomic_init(&v->in_run, false);

	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i]->id == cfg->id) {
			pthread_mutex_unlock(&set->lock);
			free(v);
			return -EEXIST;
		}
	}
	pthread_mutex_unlock(&set->lock);

	/* KVM itself refuses an id taken meanwhile by a concurrent vcpu_create(). */
	r = kvmio_vm_create_vcpu(set->vm, cfg->id, &v->kv);
	if (r < 0) {
		free(v);
		return r;
	}
	r = vcpu_arch_configure(v, cfg);
	pthread_mutex_lock(&set->lock);
	if (r == 0 && set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 4;
		struct vcpu **nv = realloc(set->vcpus, cap * sizeof(*nv));
		if (nv) {
			set->vcpus = nv;
			set->cap = cap;
		} else {
			r = -ENOMEM;
		}
	}
	if (r == 0)
		set->vcpus[set->n++] = v;
	pthread_mutex_unlock(&set->lock);
	if (r < 0) {
		kvmio_vcpu_destroy(v->kv);
		free(v);
		return r;
	}
	*out = v;
	return 0;
}

int vcpu_start(struct vcpu *v)
{
	struct vcpu_set *set;
	int r;

	if (!v)
		return -EINVAL;
	set = v->set;
	pthread_mutex_lock(&set->lock);
	if (v->started || v->state != VCPU_STATE_CREATED) {
		pthread_mutex_unlock(&set->lock);
		return -EALREADY;
	}
	/* Running from here on, so that a pause issued right now waits for the park. */
	v->state = VCPU_STATE_RUNNING;
	v->thread_alive = true;
	/* The thread looks at its requests before its first KVM_RUN: a pause or stop made
	   before the start takes effect at once. */
	atomic_store(&v->pending, true);
	r = pthread_create(&v->thread, NULL, vcpu_thread_main, v);
	if (r) {
		v->state = VCPU_STATE_CREATED;
		v->thread_alive = false;
		pthread_mutex_unlock(&set->lock);
		return -r;
	}
	v->started = true;
	pthread_mutex_unlock(&set->lock);
	return 0;
}

/* Adds one pause to v and asks it to park. Lock held. */
void vcpu__pause_request_locked(struct vcpu *v)
{
	v->pause_count++;
	if (v->state != VCPU_STATE_STOPPED && v->state != VCPU_STATE_CREATED)
		vcpu_request_locked(v);
}

/* Waits until v is parked, unless the caller is v's own thread. Lock held. */
void vcpu__pause_wait_locked(struct vcpu *v, struct vcpu *self)
{
	if (v == self)
		return;
	while (!vcpu_parked_locked(v, self) && v->pause_count > 0)
		vcpu__wait_locked(v->set, self);
}

int vcpu_pause(struct vcpu *v)
{
	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->set->lock);
	vcpu__pause_request_locked(v);
	vcpu__pause_wait_locked(v, vcpu__self_locked(v->set));
	pthread_mutex_unlock(&v->set->lock);
	return 0;
}

int vcpu_resume(struct vcpu *v)
{
	int r = 0;

	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->set->lock);
	if (v->pause_count == 0)
		r = -EINVAL;
	else if (--v->pause_count == 0)
		pthread_cond_broadcast(&v->set->cond);
	pthread_mutex_unlock(&v->set->lock);
	return r;
}

int vcpu_kick(struct vcpu *v)
{
	if (!v)
		return -EINVAL;
	/* A request already pending makes the thread leave KVM_RUN anyway: the kick joins
	   it without the lock, so that frequent kicks do not crowd out other requesters. */
	if (atomic_load(&v->pending))
		return 0;
	pthread_mutex_lock(&v->set->lock);
	if (v->state != VCPU_STATE_STOPPED && v->state != VCPU_STATE_CREATED) {
		v->kick_req = true;
		vcpu_request_locked(v);
	}
	pthread_mutex_unlock(&v->set->lock);
	return 0;
}

void vcpu__stop_locked(struct vcpu *v)
{
	v->stop_req = true;
	if (v->state != VCPU_STATE_STOPPED)
		vcpu_request_locked(v);
}

int vcpu_stop(struct vcpu *v)
{
	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->set->lock);
	vcpu__stop_locked(v);
	pthread_mutex_unlock(&v->set->lock);
	return 0;
}

int vcpu_join(struct vcpu *v, struct vcpu_end *end)
{
	struct vcpu_set *set;
	bool already;
	pthread_t t;

	if (!v)
		return -EINVAL;
	set = v->set;
	pthread_mutex_lock(&set->lock);
	if (!v->started || pthread_equal(v->thread, pthread_self())) {
		pthread_mutex_unlock(&set->lock);
		return -EINVAL;
	}
	already = v->joined;
	v->joined = true;
	t = v->thread;
	if (already) {
		while (v->state != VCPU_STATE_STOPPED)
			pthread_cond_wait(&set->cond, &set->lock);
	}
	pthread_mutex_unlock(&set->lock);
	if (!already)
		pthread_join(t, NULL);
	if (end) {
		pthread_mutex_lock(&set->lock);
		*end = v->end;
		pthread_mutex_unlock(&set->lock);
	}
	return already ? -EALREADY : 0;
}

enum vcpu_state vcpu_get_state(const struct vcpu *v)
{
	enum vcpu_state s;
	struct vcpu_set *set;

	if (!v)
		return VCPU_STATE_STOPPED;
	set = v->set;

	pthread_mutex_lock(&set->lock);
	s = v->state;
	pthread_mutex_unlock(&set->lock);
	return s;
}

struct vcpu_end vcpu_get_end(const struct vcpu *v)
{
	struct vcpu_end e = {0};
	struct vcpu_set *set;

	if (!v)
		return e;
	set = v->set;

	pthread_mutex_lock(&set->lock);
	e = v->end;
	pthread_mutex_unlock(&set->lock);
	return e;
}

int vcpu_get_mp_state(struct vcpu *v, uint32_t *mp_state)
{
	int r, r2;

	if (!v || !mp_state)
		return -EINVAL;
	r = vcpu_pause(v);
	if (r < 0)
		return r;
	r = kvmio_vcpu_get_mp_state(v->kv, mp_state);
	r2 = vcpu_resume(v);
	return r < 0 ? r : r2;
}

void vcpu_get_stats(const struct vcpu *v, struct vcpu_stats *s)
{
	const struct vcpu_counters *c;

	if (!s)
		return;
	if (!v) {
		memset(s, 0, sizeof(*s));
		return;
	}
	c = &v->counters;

	s->runs = atomic_load_explicit(&c->runs, memory_order_relaxed);
	s->exits_mmio = atomic_load_explicit(&c->exits_mmio, memory_order_relaxed);
	s->exits_pio = atomic_load_explicit(&c->exits_pio, memory_order_relaxed);
	s->interruptions = atomic_load_explicit(&c->interruptions, memory_order_relaxed);
	s->kicks = atomic_load_explicit(&c->kicks, memory_order_relaxed);
	s->pauses = atomic_load_explicit(&c->pauses, memory_order_relaxed);
	s->suspends = atomic_load_explicit(&c->suspends, memory_order_relaxed);
	s->suspend_denied = atomic_load_explicit(&c->suspend_denied, memory_order_relaxed);
	s->wakeups = atomic_load_explicit(&c->wakeups, memory_order_relaxed);
	s->suspend_ns = atomic_load_explicit(&c->suspend_ns, memory_order_relaxed);
	s->wakeup_ns = atomic_load_explicit(&c->wakeup_ns, memory_order_relaxed);
}

int64_t vcpu_cpu_time_ns(const struct vcpu *v)
{
	struct vcpu_set *set;
	struct timespec ts;
	clockid_t clk;
	int r;

	if (!v)
		return -EINVAL;
	set = v->set;

	pthread_mutex_lock(&set->lock);
	if (!v->thread_alive) {
		pthread_mutex_unlock(&set->lock);
		return -ESRCH;
	}
	r = pthread_getcpuclockid(v->thread, &clk);
	pthread_mutex_unlock(&set->lock);
	if (r)
		return -r;
	if (clock_gettime(clk, &ts) < 0)
		return -errno;
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

uint32_t vcpu_id(const struct vcpu *v)
{
	return v ? v->id : 0;
}

struct vcpu_set *vcpu_get_set(const struct vcpu *v)
{
	return v ? v->set : NULL;
}

struct kvmio_vcpu *vcpu_kvm(struct vcpu *v)
{
	return v ? v->kv : NULL;
}

void vcpu_mark_suspended(struct vcpu *v, bool suspended)
{
	pthread_mutex_lock(&v->set->lock);
	v->suspended = suspended;
	if (v->state == VCPU_STATE_RUNNING || v->state == VCPU_STATE_SUSPENDED)
		v->state = suspended ? VCPU_STATE_SUSPENDED : VCPU_STATE_RUNNING;
	pthread_cond_broadcast(&v->set->cond);
	pthread_mutex_unlock(&v->set->lock);
}

/* Stops and joins v if it runs. Not from a vCPU thread. */
void vcpu__stop_and_join(struct vcpu *v)
{
	bool started;

	pthread_mutex_lock(&v->set->lock);
	vcpu__stop_locked(v);
	started = v->started;
	pthread_mutex_unlock(&v->set->lock);
	if (started)
		vcpu_join(v, NULL);
}

void vcpu__free(struct vcpu *v)
{
	kvmio_vcpu_destroy(v->kv);
	free(v);
}

void vcpu_destroy(struct vcpu *v)
{
	struct vcpu_set *set;

	if (!v)
		return;
	set = v->set;
	vcpu__stop_and_join(v);
	pthread_mutex_lock(&set->lock);
	/* A vCPU handling a VM-wide exit may be looking at this one: let it finish. */
	while (set->exclusive)
		pthread_cond_wait(&set->cond, &set->lock);
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i] == v) {
			memmove(&set->vcpus[i], &set->vcpus[i + 1], (set->n - i - 1) * sizeof(v));
			set->n--;
			break;
		}
	}
	pthread_mutex_unlock(&set->lock);
	vcpu__free(v);
}
