/* SPDX-License-Identifier: Apache-2.0 */
/* The set of a VM's vCPUs: creation, set-wide requests, and VM-wide exclusive work. */
#include "vcpu_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The kick signal only has to interrupt KVM_RUN; the handler itself has nothing to do. */
static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_set_create(struct kvmio_system *sys, struct kvmio_vm *vm,
                    const struct vcpu_set_config *cfg, struct vcpu_set **out)
{
	struct vcpu_set_config defaults = {0};
	struct vcpu_set *set;
	pthread_condattr_t ca;
	struct sigaction sa;
	int r;

	if (!sys || !vm || !out)
		return -EINVAL;
	if (!cfg)
		cfg = &defaults;
	if ((cfg->n_ram && !cfg->ram) || (cfg->n_forward_smccc && !cfg->forward_smccc) ||
	    (cfg->wake != VCPU_WAKE_RESET && cfg->wake != VCPU_WAKE_PSCI_STATE))
		return -EINVAL;
	int sig = cfg->kick_signal ? cfg->kick_signal : SIGRTMIN;
	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;

	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->sys = sys;
	set->vm = vm;
	set->h = cfg->handlers;
	set->kick_signal = sig;
	set->system_suspend = cfg->system_suspend;
	set->wake = cfg->wake;
	if (cfg->n_ram) {
		set->ram = calloc(cfg->n_ram, sizeof(*set->ram));
		if (!set->ram) {
			free(set);
			return -ENOMEM;
		}
		memcpy(set->ram, cfg->ram, cfg->n_ram * sizeof(*set->ram));
		set->n_ram = cfg->n_ram;
	}
	if (cfg->n_forward_smccc) {
		set->forward_smccc = calloc(cfg->n_forward_smccc, sizeof(*set->forward_smccc));
		if (!set->forward_smccc) {
			free(set->ram);
			free(set);
			return -ENOMEM;
		}
		memcpy(set->forward_smccc, cfg->forward_smccc,
		       cfg->n_forward_smccc * sizeof(*set->forward_smccc));
		set->n_forward_smccc = cfg->n_forward_smccc;
	}
	pthread_mutex_init(&set->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&set->cond, &ca);
	pthread_condattr_destroy(&ca);

	/* No SA_RESTART: KVM_RUN must come back with EINTR rather than be restarted. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		r = -errno;
		goto fail;
	}
	r = vcpu_arch_set_init(set);
	if (r < 0)
		goto fail;
	*out = set;
	return 0;
fail:
	pthread_cond_destroy(&set->cond);
	pthread_mutex_destroy(&set->lock);
	free(set->ram);
	free(set->forward_smccc);
	free(set);
	return r;
}

size_t vcpu_set_count(const struct vcpu_set *set)
{
	size_t n;

	if (!set)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&set->lock);
	n = set->n;
	pthread_mutex_unlock((pthread_mutex_t *)&set->lock);
	return n;
}

struct vcpu *vcpu_set_find(struct vcpu_set *set, uint32_t id)
{
	struct vcpu *found = NULL;

	if (!set)
		return NULL;
	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i]->id == id) {
			found = set->vcpus[i];
			break;
		}
	}
	pthread_mutex_unlock(&set->lock);
	return found;
}

int vcpu_set_start(struct vcpu_set *set)
{
	struct vcpu **list;
	size_t n;
	int first = 0;

	if (!set)
		return -EINVAL;
	pthread_mutex_lock(&set->lock);
	n = set->n;
	list = malloc((n ? n : 1) * sizeof(*list));
	if (!list) {
		pthread_mutex_unlock(&set->lock);
		return -ENOMEM;
	}
	memcpy(list, set->vcpus, n * sizeof(*list));
	pthread_mutex_unlock(&set->lock);
	for (size_t i = 0; i < n; i++) {
		int r = vcpu_start(list[i]);
		if (r < 0 && r != -EALREADY && !first)
			first = r;
	}
	free(list);
	return first;
}

int vcpu_set_pause(struct vcpu_set *set)
{
	struct vcpu *self;

	if (!set)
		return -EINVAL;
	pthread_mutex_lock(&set->lock);
	self = vcpu__self_locked(set);
	/* Ask them all first so that they park in parallel, then wait for each. */
	for (size_t i = 0; i < set->n; i++)
		vcpu__pause_request_locked(set->vcpus[i]);
	for (size_t i = 0; i < set->n; i++)
		vcpu__pause_wait_locked(set->vcpus[i], self);
	pthread_mutex_unlock(&set->lock);
	return 0;
}

int vcpu_set_resume(struct vcpu_set *set)
{
	int r = 0;

	if (!set)
		return -EINVAL;
	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i]->pause_count == 0)
			r = -EINVAL;
		else
			set->vcpus[i]->pause_count--;
	}
	pthread_cond_broadcast(&set->cond);
	pthread_mutex_unlock(&set->lock);
	return r;
}

int vcpu_set_stop(struct vcpu_set *set)
{
	if (!set)
		return -EINVAL;
	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n; i++)
		vcpu__stop_locked(set->vcpus[i]);
	pthread_mutex_unlock(&set->lock);
	return 0;
}

int vcpu_set_wait_any(struct vcpu_set *set, int timeout_ms, struct vcpu **who)
{
	struct timespec deadline;
	int r = 0;

	if (!set)
		return -EINVAL;
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&set->lock);
	for (;;) {
		bool any_started = false;
		struct vcpu *found = NULL;
		for (size_t i = 0; i < set->n && !found; i++) {
			struct vcpu *v = set->vcpus[i];
			any_started |= v->started;
			if (v->started && v->state == VCPU_STATE_STOPPED)
				found = v;
		}
		if (found) {
			if (who)
				*who = found;
			break;
		}
		if (!any_started) {
			r = -EINVAL;
			break;
		}
		if (timeout_ms < 0) {
			pthread_cond_wait(&set->cond, &set->lock);
		} else if (pthread_cond_timedwait(&set->cond, &set->lock, &deadline) == ETIMEDOUT) {
			r = -ETIMEDOUT;
			timeout_ms = 0;
			/* One more look: the last change may have come with the timeout. */
			for (size_t i = 0; i < set->n; i++) {
				struct vcpu *v = set->vcpus[i];
				if (v->started && v->state == VCPU_STATE_STOPPED) {
					if (who)
						*who = v;
					r = 0;
					break;
				}
			}
			break;
		}
	}
	pthread_mutex_unlock(&set->lock);
	return r;
}

void vcpu_exclusive_enter(struct vcpu *v)
{
	struct vcpu_set *set = v->set;

	pthread_mutex_lock(&set->lock);
	while (set->exclusive && set->exclusive != v)
		vcpu__wait_locked(set, v);
	set->exclusive = v;
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i] != v)
			vcpu__pause_request_locked(set->vcpus[i]);
	}
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i] != v)
			vcpu__pause_wait_locked(set->vcpus[i], v);
	}
	pthread_mutex_unlock(&set->lock);
}

void vcpu_exclusive_leave(struct vcpu *v)
{
	struct vcpu_set *set = v->set;

	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n; i++) {
		if (set->vcpus[i] != v && set->vcpus[i]->pause_count > 0)
			set->vcpus[i]->pause_count--;
	}
	set->exclusive = NULL;
	pthread_cond_broadcast(&set->cond);
	pthread_mutex_unlock(&set->lock);
}

void vcpu_set_destroy(struct vcpu_set *set)
{
	if (!set)
		return;
	vcpu_set_stop(set);
	/* No new vCPU may be added now, so the list is stable without the lock. */
	for (size_t i = 0; i < set->n; i++)
		vcpu__stop_and_join(set->vcpus[i]);
	for (size_t i = 0; i < set->n; i++)
		vcpu__free(set->vcpus[i]);
	vcpu_arch_set_fini(set);
	free(set->vcpus);
	free(set->ram);
	free(set->forward_smccc);
	pthread_cond_destroy(&set->cond);
	pthread_mutex_destroy(&set->lock);
	free(set);
}
