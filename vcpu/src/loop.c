/* SPDX-License-Identifier: Apache-2.0 */
/* A vCPU's thread: its requests (pause, kick, stop) and its exit loop. */
#include "vcpu_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

void *vcpu_thread_main(void *arg);

/*
 * Takes the vCPU's requests: clears immediate_exit, parks while paused.
 * Returns false when the loop must end (stop). Lock held.
 */
static bool vcpu_take_requests_locked(struct vcpu *v)
{
	struct vcpu_set *set = v->set;

	/* Both cleared under the lock that every requester holds to set them again. */
	atomic_store(&v->pending, false);
	kvmio_vcpu_set_immediate_exit(v->kv, false);
	if (v->kick_req) {
		v->kick_req = false;
		VCPU_COUNT(v, kicks);
	}
	while (v->pause_count > 0 && !v->stop_req) {
		if (v->state != VCPU_STATE_PAUSED) {
			v->state = VCPU_STATE_PAUSED;
			VCPU_COUNT(v, pauses);
			pthread_cond_broadcast(&set->cond);
		}
		pthread_cond_wait(&set->cond, &set->lock);
	}
	if (v->stop_req)
		return false;
	enum vcpu_state s = v->suspended ? VCPU_STATE_SUSPENDED : VCPU_STATE_RUNNING;
	if (v->state != s) {
		v->state = s;
		pthread_cond_broadcast(&set->cond);
	}
	return true;
}

static int vcpu_handle_mmio(struct vcpu *v, struct kvmio_exit *ex)
{
	const struct vcpu_handlers *h = &v->set->h;

	VCPU_COUNT(v, exits_mmio);
	if (!ex->mmio.is_write)
		memset(ex->mmio.data, 0, ex->mmio.len);
	if (!h->mmio)
		return 0;
	return h->mmio(h->opaque, v, ex->mmio.addr, ex->mmio.data, ex->mmio.len, ex->mmio.is_write);
}

static int vcpu_handle_pio(struct vcpu *v, struct kvmio_exit *ex)
{
	const struct vcpu_handlers *h = &v->set->h;
	bool is_write = ex->io.direction == KVMIO_IO_OUT;

	VCPU_COUNT(v, exits_pio);
	if (!is_write)
		memset(ex->io.data, 0, ex->io.len);
	if (!h->pio)
		return 0;
	/* kvm-ioctls checked that size * count bytes lie inside kvm_run. */
	for (uint32_t i = 0; i < ex->io.count; i++) {
		int r = h->pio(h->opaque, v, ex->io.port, ex->io.data + (size_t)i * ex->io.size,
		               ex->io.size, is_write);
		if (r < 0)
			return r;
	}
	return 0;
}

/* 1: the loop ends (end filled); 0: go on. */
static int vcpu_handle_system_event(struct vcpu *v, struct kvmio_exit *ex, struct vcpu_end *end)
{
	int r;

	end->detail = ex->system_event.raw_type;
	switch (ex->system_event.type) {
	case KVMIO_SYSTEM_EVENT_SHUTDOWN:
		end->reason = VCPU_END_SHUTDOWN;
		return 1;
	case KVMIO_SYSTEM_EVENT_RESET:
		end->reason = VCPU_END_RESET;
		return 1;
	case KVMIO_SYSTEM_EVENT_CRASH:
		end->reason = VCPU_END_CRASH;
		return 1;
	case KVMIO_SYSTEM_EVENT_SUSPEND:
		r = vcpu_arch_suspend_exit(v);
		break;
	case KVMIO_SYSTEM_EVENT_WAKEUP:
		r = vcpu_arch_wakeup_exit(v);
		break;
	default:
		r = -EPROTO;
		break;
	}
	if (r < 0) {
		end->reason = VCPU_END_FAILURE;
		end->error = r;
		return 1;
	}
	end->detail = 0;
	return 0;
}

/*
 * One exit. Returns 1 when the loop ends (end filled), 0 to go on.
 */
static int vcpu_handle_exit(struct vcpu *v, struct kvmio_exit *ex, struct vcpu_end *end)
{
	int r;

	end->exit_reason = ex->reason;
	switch (ex->kind) {
	case KVMIO_EXIT_INTR:
		VCPU_COUNT(v, interruptions);
		return 0;
	case KVMIO_EXIT_MMIO:
		r = vcpu_handle_mmio(v, ex);
		break;
	case KVMIO_EXIT_IO:
		r = vcpu_handle_pio(v, ex);
		break;
	case KVMIO_EXIT_HLT:
		end->reason = VCPU_END_HLT;
		return 1;
	case KVMIO_EXIT_SHUTDOWN:
		/* x86: a triple fault, which resets a real PC (exit_reason tells it apart). */
		end->reason = VCPU_END_RESET;
		return 1;
	case KVMIO_EXIT_SYSTEM_EVENT:
		return vcpu_handle_system_event(v, ex, end);
	case KVMIO_EXIT_HYPERCALL:
		return vcpu_arch_hypercall_exit(v, ex, end);
	case KVMIO_EXIT_INTERNAL_ERROR:
		end->reason = VCPU_END_FAILURE;
		end->detail = ex->internal.suberror;
		return 1;
	case KVMIO_EXIT_FAIL_ENTRY:
		end->reason = VCPU_END_FAILURE;
		end->detail = ex->fail_entry.hardware_entry_failure_reason;
		return 1;
	case KVMIO_EXIT_UNKNOWN:
		end->reason = VCPU_END_FAILURE;
		end->detail = ex->unknown.hardware_exit_reason;
		return 1;
	case KVMIO_EXIT_ARM_NISV:
		/* arm64 (KVM_CAP_ARM_NISV_TO_USER): an MMIO access KVM could not decode, which
		   the embedder may name in its report; the guest cannot go on past it. */
		end->reason = VCPU_END_FAILURE;
		end->addr = ex->arm_nisv.fault_ipa;
		end->detail = ex->arm_nisv.esr_iss;
		return 1;
	default:
		/* An exit this loop has no handler for: continuing could spin on it. */
		end->reason = VCPU_END_FAILURE;
		end->error = -ENOSYS;
		return 1;
	}
	if (r < 0) {
		end->reason = VCPU_END_HANDLER;
		end->error = r;
		return 1;
	}
	return 0;
}

/*
 * The vCPU's own signal mask: only the kick signal (and faults, which cannot be
 * blocked usefully) are delivered here, so the embedder's signals go to its threads.
 */
static void vcpu_thread_signals(const struct vcpu_set *set)
{
	sigset_t m;

	sigfillset(&m);
	sigdelset(&m, set->kick_signal);
	sigdelset(&m, SIGSEGV);
	sigdelset(&m, SIGBUS);
	sigdelset(&m, SIGFPE);
	sigdelset(&m, SIGILL);
	sigdelset(&m, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &m, NULL);
}

void *vcpu_thread_main(void *arg)
{
	struct vcpu *v = arg;
	struct vcpu_set *set = v->set;
	struct vcpu_end end = {0};
	struct kvmio_exit ex;
	int r;

	vcpu_thread_signals(set);
	if (set->h.thread_started) {
		r = set->h.thread_started(set->h.opaque, v);
		if (r < 0) {
			end.reason = VCPU_END_HANDLER;
			end.error = r;
			goto ended;
		}
	}
	for (;;) {
		/* in_run first, pending second: see vcpu_request_locked(). */
		atomic_store(&v->in_run, true);
		if (atomic_load(&v->pending)) {
			bool go;
			atomic_store(&v->in_run, false);
			pthread_mutex_lock(&set->lock);
			go = vcpu_take_requests_locked(v);
			pthread_mutex_unlock(&set->lock);
			if (!go) {
				end.reason = VCPU_END_STOPPED;
				break;
			}
			continue;
		}
		r = kvmio_vcpu_run(v->kv, &ex);
		atomic_store(&v->in_run, false);
		VCPU_COUNT(v, runs);
		if (r == -EINTR || r == -EAGAIN) {
			VCPU_COUNT(v, interruptions);
			continue;
		}
		if (r < 0) {
			end.reason = VCPU_END_FAILURE;
			end.error = r;
			break;
		}
		if (vcpu_handle_exit(v, &ex, &end))
			break;
	}

ended:
	/* Recorded before the stopped handler runs, so that whoever the handler wakes finds
	   the end with vcpu_get_end(). */
	pthread_mutex_lock(&set->lock);
	v->end = end;
	pthread_mutex_unlock(&set->lock);
	if (set->h.stopped)
		set->h.stopped(set->h.opaque, v, &end);
	pthread_mutex_lock(&set->lock);
	v->state = VCPU_STATE_STOPPED;
	v->thread_alive = false;
	pthread_cond_broadcast(&set->cond);
	pthread_mutex_unlock(&set->lock);
	return NULL;
}
