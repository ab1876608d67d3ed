/* SPDX-License-Identifier: Apache-2.0 */
/* A struct vdev_irq for tests that records every call and the resulting line level. */
#ifndef CVMM_TESTS_IRQ_RECORDER_H
#define CVMM_TESTS_IRQ_RECORDER_H

#include <cvmm/devices.h>
#include <pthread.h>
#include <stdbool.h>

struct irq_recorder {
	pthread_mutex_t lock;
	bool level;
	int asserts;
	int deasserts;
	int pulses;
	uint32_t last_line;
};

static inline int irq_rec_assert(void *ctx, uint32_t line)
{
	struct irq_recorder *r = ctx;
	pthread_mutex_lock(&r->lock);
	r->level = true;
	r->asserts++;
	r->last_line = line;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static inline int irq_rec_deassert(void *ctx, uint32_t line)
{
	struct irq_recorder *r = ctx;
	pthread_mutex_lock(&r->lock);
	r->level = false;
	r->deasserts++;
	r->last_line = line;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static inline int irq_rec_pulse(void *ctx, uint32_t line)
{
	struct irq_recorder *r = ctx;
	pthread_mutex_lock(&r->lock);
	r->pulses++;
	r->last_line = line;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* Initialises r and returns a trigger wired to it on the given line. */
static inline struct vdev_irq irq_rec_init(struct irq_recorder *r, uint32_t line)
{
	*r = (struct irq_recorder){0};
	pthread_mutex_init(&r->lock, NULL);
	return (struct vdev_irq){.assert_line = irq_rec_assert,
	                         .deassert_line = irq_rec_deassert,
	                         .pulse_line = irq_rec_pulse,
	                         .ctx = r,
	                         .line = line};
}

static inline bool irq_rec_level(struct irq_recorder *r)
{
	bool l;
	pthread_mutex_lock(&r->lock);
	l = r->level;
	pthread_mutex_unlock(&r->lock);
	return l;
}

#endif
