/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio transport, version 2. The register state machine follows the VIRTIO 1.x
 * device initialisation sequence; writes that break it are ignored (the driver sees that
 * on read-back), and guest errors that leave the device unusable set DEVICE_NEEDS_RESET.
 */
#include <cvmm/virtio.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define DRIVER_STATUS_BITS                                                                         \
	(VDEV_VIRTIO_STATUS_ACKNOWLEDGE | VDEV_VIRTIO_STATUS_DRIVER |                              \
	 VDEV_VIRTIO_STATUS_DRIVER_OK | VDEV_VIRTIO_STATUS_FEATURES_OK |                           \
	 VDEV_VIRTIO_STATUS_FAILED)

struct queue_regs {
	uint16_t num;
	bool ready;
	bool work_left; /* the last process call stopped at its budget with chains left */
	uint64_t desc, driver, device;
	struct vdev_virtq *q;
};

struct vdev_virtio_mmio {
	pthread_mutex_t lock;
	const struct vmem_map *mem;
	struct vdev_irq irq;
	struct vdev_virtio_device dev;
	void (*needs_reset)(void *ctx, int queue, const char *reason);
	void *needs_reset_ctx;
	void (*work_left)(void *ctx, uint16_t queue);
	void *work_left_ctx;
	uint64_t offered;
	uint64_t driver_features;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint32_t status;
	uint32_t int_status;
	uint32_t config_generation;
	bool line_high;
	struct queue_regs queues[VDEV_VIRTIO_MAX_QUEUES];
};

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int vdev_virtio_mmio_create(const struct vdev_virtio_mmio_config *cfg,
                            struct vdev_virtio_mmio **out)
{
	const struct vdev_virtio_device *d;
	struct vdev_virtio_mmio *t;

	if (!cfg || !out || !cfg->mem)
		return -EINVAL;
	d = &cfg->device;
	if (d->num_queues == 0 || d->num_queues > VDEV_VIRTIO_MAX_QUEUES ||
	    !is_pow2(d->queue_max_size) || d->queue_max_size > VDEV_VIRTQ_MAX_SIZE ||
	    d->config_size > VDEV_VIRTIO_MMIO_SIZE - VDEV_VIRTIO_MMIO_CONFIG || !d->process ||
	    (d->config_size && !d->config_read))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return -ENOMEM;
	}
	t->mem = cfg->mem;
	t->irq = cfg->irq;
	t->dev = *d;
	t->needs_reset = cfg->needs_reset;
	t->needs_reset_ctx = cfg->needs_reset_ctx;
	t->work_left = cfg->work_left;
	t->work_left_ctx = cfg->work_left_ctx;
	t->offered =
	    d->features | (1ull << VDEV_VIRTIO_F_VERSION_1) | (1ull << VDEV_VIRTIO_F_INDIRECT_DESC);
	/* EVENT_IDX is not implemented: never offer it, even if the device asked. */
	t->offered &= ~(1ull << VDEV_VIRTIO_F_EVENT_IDX);
	for (uint16_t i = 0; i < d->num_queues; i++) {
		if (vdev_virtq_create(cfg->mem, d->queue_max_size, &t->queues[i].q) < 0) {
			vdev_virtio_mmio_destroy(t);
			return -ENOMEM;
		}
	}
	*out = t;
	return 0;
}

void vdev_virtio_mmio_destroy(struct vdev_virtio_mmio *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < VDEV_VIRTIO_MAX_QUEUES; i++)
		vdev_virtq_destroy(t->queues[i].q);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Drives the line from InterruptStatus: high while any bit is set. */
static void raise_int(struct vdev_virtio_mmio *t, uint32_t bits)
{
	t->int_status |= bits;
	/* Asserted again even when already high: harmless for a level line, and an
	   embedder wiring it to an edge (irqfd) needs each new event signalled. */
	vdev_irq_assert(&t->irq);
	t->line_high = true;
}

static void update_line(struct vdev_virtio_mmio *t)
{
	if (!t->int_status && t->line_high) {
		vdev_irq_deassert(&t->irq);
		t->line_high = false;
	}
}

/* queue: the queue concerned, or -1; why: a static string for the embedder. */
static void set_needs_reset(struct vdev_virtio_mmio *t, int queue, const char *why)
{
	if (t->status & VDEV_VIRTIO_STATUS_NEEDS_RESET)
		return;
	t->status |= VDEV_VIRTIO_STATUS_NEEDS_RESET;
	/* The spec asks for a configuration change notification once DRIVER_OK is set. */
	if (t->status & VDEV_VIRTIO_STATUS_DRIVER_OK)
		raise_int(t, VDEV_VIRTIO_INT_CONFIG);
	if (t->needs_reset)
		t->needs_reset(t->needs_reset_ctx, queue, why);
}

static void reset_locked(struct vdev_virtio_mmio *t)
{
	for (unsigned i = 0; i < t->dev.num_queues; i++) {
		struct queue_regs *qr = &t->queues[i];
		vdev_virtq_disable(qr->q);
		qr->num = 0;
		qr->ready = false;
		qr->work_left = false;
		qr->desc = qr->driver = qr->device = 0;
	}
	t->driver_features = 0;
	t->device_features_sel = 0;
	t->driver_features_sel = 0;
	t->queue_sel = 0;
	t->shm_sel = 0;
	t->status = 0;
	t->int_status = 0;
	update_line(t);
	if (t->dev.reset)
		t->dev.reset(t->dev.ctx);
}

static int process_locked(struct vdev_virtio_mmio *t, uint32_t index)
{
	struct queue_regs *qr;
	int ret;

	if (index >= t->dev.num_queues)
		return -EINVAL;
	qr = &t->queues[index];
	if (!(t->status & VDEV_VIRTIO_STATUS_DRIVER_OK) ||
	    (t->status & (VDEV_VIRTIO_STATUS_NEEDS_RESET | VDEV_VIRTIO_STATUS_FAILED)) ||
	    !qr->ready)
		return 0;
	/* One call takes at most a queue's worth of chains, however fast the driver adds
	   more: whatever is left is the embedder's to schedule after its other work. */
	vdev_virtq_set_budget(qr->q, vdev_virtq_size(qr->q));
	ret = t->dev.process(t->dev.ctx, (uint16_t)index, qr->q);
	qr->work_left =
	    ret >= 0 && vdev_virtq_budget(qr->q) == 0 && vdev_virtq_has_available(qr->q);
	vdev_virtq_set_budget(qr->q, VDEV_VIRTQ_UNLIMITED);
	/* Buffers completed before an error still get their notification. */
	if (vdev_virtq_should_notify(qr->q))
		raise_int(t, VDEV_VIRTIO_INT_VRING);
	if (qr->work_left && t->work_left)
		t->work_left(t->work_left_ctx, (uint16_t)index);
	if (ret < 0) {
		/* The queue's own refusal says most; a device's -EBADMSG without one is a
		   request it could not parse. */
		const char *why = vdev_virtq_error(qr->q);
		if (!why)
			why = ret == -EBADMSG ? "malformed request" : "device error";
		set_needs_reset(t, (int)index, why);
	}
	return ret;
}

static void write_status(struct vdev_virtio_mmio *t, uint32_t val)
{
	uint32_t old = t->status & DRIVER_STATUS_BITS;
	uint32_t want = val & DRIVER_STATUS_BITS;
	uint32_t add, now;

	if (val == 0) {
		reset_locked(t);
		return;
	}
	/* The driver may only add bits; a write clearing one is not a valid step. */
	if (old & ~want)
		return;
	add = want & ~old;
	now = old;
	if (add & VDEV_VIRTIO_STATUS_FAILED)
		now |= VDEV_VIRTIO_STATUS_FAILED;
	if (add & VDEV_VIRTIO_STATUS_ACKNOWLEDGE)
		now |= VDEV_VIRTIO_STATUS_ACKNOWLEDGE;
	if ((add & VDEV_VIRTIO_STATUS_DRIVER) && (now & VDEV_VIRTIO_STATUS_ACKNOWLEDGE))
		now |= VDEV_VIRTIO_STATUS_DRIVER;
	if ((add & VDEV_VIRTIO_STATUS_FEATURES_OK) && (now & VDEV_VIRTIO_STATUS_DRIVER)) {
		/* Accept only a subset of what was offered, and never a legacy driver. */
		if (!(t->driver_features & ~t->offered) &&
		    (t->driver_features & (1ull << VDEV_VIRTIO_F_VERSION_1)))
			now |= VDEV_VIRTIO_STATUS_FEATURES_OK;
	}
	if ((add & VDEV_VIRTIO_STATUS_DRIVER_OK) && (now & VDEV_VIRTIO_STATUS_FEATURES_OK) &&
	    !(t->status & VDEV_VIRTIO_STATUS_NEEDS_RESET)) {
		now |= VDEV_VIRTIO_STATUS_DRIVER_OK;
		t->status = (t->status & ~DRIVER_STATUS_BITS) | now;
		if (t->dev.activate && t->dev.activate(t->dev.ctx, t->driver_features) < 0)
			set_needs_reset(t, -1, "activation failed");
		return;
	}
	t->status = (t->status & ~DRIVER_STATUS_BITS) | now;
}

static void queue_ready(struct vdev_virtio_mmio *t, struct queue_regs *qr, uint32_t val)
{
	if (val == 0) {
		vdev_virtq_disable(qr->q);
		qr->ready = false;
		qr->work_left = false;
		return;
	}
	if (qr->ready || !(t->status & VDEV_VIRTIO_STATUS_FEATURES_OK))
		return;
	struct vdev_virtq_layout l = {
	    .size = qr->num, .desc = qr->desc, .avail = qr->driver, .used = qr->device};
	if (vdev_virtq_enable(qr->q, &l, t->driver_features) < 0) {
		/* A queue the device cannot use: refuse it and say so. */
		set_needs_reset(t, (int)(qr - t->queues), "queue refused at QueueReady");
		return;
	}
	qr->ready = true;
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffull) | ((uint64_t)val << 32);
	else
		*v = (*v & ~0xffffffffull) | val;
}

static void write_reg(struct vdev_virtio_mmio *t, uint32_t off, uint32_t val)
{
	struct queue_regs *qr = t->queue_sel < t->dev.num_queues ? &t->queues[t->queue_sel] : NULL;
	/* Queue set-up is only valid after feature negotiation and while the queue is off. */
	bool q_writable = qr && !qr->ready && (t->status & VDEV_VIRTIO_STATUS_FEATURES_OK);

	switch (off) {
	case VDEV_VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = val;
		break;
	case VDEV_VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = val;
		break;
	case VDEV_VIRTIO_MMIO_DRIVER_FEATURES:
		if (!(t->status & VDEV_VIRTIO_STATUS_DRIVER) ||
		    (t->status & VDEV_VIRTIO_STATUS_FEATURES_OK) || t->driver_features_sel > 1)
			break;
		set_half(&t->driver_features, t->driver_features_sel == 1, val);
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_NUM:
		if (q_writable)
			qr->num = val > UINT16_MAX ? 0 : (uint16_t)val;
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (q_writable)
			set_half(&qr->desc, off == VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VDEV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (q_writable)
			set_half(&qr->driver, off == VDEV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, val);
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VDEV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (q_writable)
			set_half(&qr->device, off == VDEV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, val);
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_READY:
		if (qr)
			queue_ready(t, qr, val);
		break;
	case VDEV_VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index. */
		if (val < t->dev.num_queues)
			process_locked(t, val);
		break;
	case VDEV_VIRTIO_MMIO_INTERRUPT_ACK:
		t->int_status &= ~val;
		update_line(t);
		break;
	case VDEV_VIRTIO_MMIO_STATUS:
		write_status(t, val);
		break;
	case VDEV_VIRTIO_MMIO_SHM_SEL:
		t->shm_sel = val;
		break;
	default:
		break;
	}
}

static uint32_t read_reg(struct vdev_virtio_mmio *t, uint32_t off)
{
	struct queue_regs *qr = t->queue_sel < t->dev.num_queues ? &t->queues[t->queue_sel] : NULL;

	switch (off) {
	case VDEV_VIRTIO_MMIO_MAGIC_VALUE:
		return VDEV_VIRTIO_MMIO_MAGIC;
	case VDEV_VIRTIO_MMIO_VERSION:
		return 2;
	case VDEV_VIRTIO_MMIO_DEVICE_ID:
		return t->dev.device_id;
	case VDEV_VIRTIO_MMIO_VENDOR_ID:
		return VDEV_VIRTIO_MMIO_VENDOR;
	case VDEV_VIRTIO_MMIO_DEVICE_FEATURES:
		if (t->device_features_sel > 1)
			return 0;
		return (uint32_t)(t->offered >> (32 * t->device_features_sel));
	case VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX:
		return qr ? t->dev.queue_max_size : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_NUM:
		return qr ? qr->num : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_READY:
		return qr ? qr->ready : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_DESC_LOW:
		return qr ? (uint32_t)qr->desc : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return qr ? (uint32_t)(qr->desc >> 32) : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return qr ? (uint32_t)qr->driver : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return qr ? (uint32_t)(qr->driver >> 32) : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return qr ? (uint32_t)qr->device : 0;
	case VDEV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return qr ? (uint32_t)(qr->device >> 32) : 0;
	case VDEV_VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->int_status;
	case VDEV_VIRTIO_MMIO_STATUS:
		return t->status;
	case VDEV_VIRTIO_MMIO_SHM_LEN_LOW:
	case VDEV_VIRTIO_MMIO_SHM_LEN_HIGH:
	case VDEV_VIRTIO_MMIO_SHM_BASE_LOW:
	case VDEV_VIRTIO_MMIO_SHM_BASE_HIGH:
		/* No shared memory regions: the spec's answer is a length of all ones. */
		return UINT32_MAX;
	case VDEV_VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	default:
		return 0;
	}
}

static bool valid_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int vdev_virtio_mmio_read(struct vdev_virtio_mmio *t, uint64_t offset, uint8_t *data, uint32_t size)
{
	if (!t || !data || !valid_size(size))
		return -EINVAL;
	for (uint32_t i = 0; i < size; i++)
		data[i] = 0;
	pthread_mutex_lock(&t->lock);
	if (offset >= VDEV_VIRTIO_MMIO_CONFIG) {
		uint64_t coff = offset - VDEV_VIRTIO_MMIO_CONFIG;
		if (coff < t->dev.config_size && size <= t->dev.config_size - coff)
			t->dev.config_read(t->dev.ctx, (uint32_t)coff, data, size);
	} else if (size == 4 && !(offset & 3)) {
		vdev_le_put(data, 4, read_reg(t, (uint32_t)offset));
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int vdev_virtio_mmio_write(struct vdev_virtio_mmio *t, uint64_t offset, const uint8_t *data,
                           uint32_t size)
{
	if (!t || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	if (offset >= VDEV_VIRTIO_MMIO_CONFIG) {
		uint64_t coff = offset - VDEV_VIRTIO_MMIO_CONFIG;
		if (coff < t->dev.config_size && size <= t->dev.config_size - coff &&
		    t->dev.config_write)
			t->dev.config_write(t->dev.ctx, (uint32_t)coff, data, size);
	} else if (size == 4 && !(offset & 3)) {
		write_reg(t, (uint32_t)offset, (uint32_t)vdev_le_get(data, 4));
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_virtio_mmio_read(ctx, offset, data, size);
}

static int ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_virtio_mmio_write(ctx, offset, data, size);
}

static const struct vdev_ops mmio_ops = {.read = ops_read, .write = ops_write};

const struct vdev_ops *vdev_virtio_mmio_ops(void)
{
	return &mmio_ops;
}

int vdev_virtio_mmio_process_queue(struct vdev_virtio_mmio *t, uint16_t index)
{
	int ret;

	if (!t)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	ret = process_locked(t, index);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

bool vdev_virtio_mmio_work_left(struct vdev_virtio_mmio *t, uint16_t index)
{
	bool left;

	if (!t || index >= t->dev.num_queues)
		return false;
	pthread_mutex_lock(&t->lock);
	left = t->queues[index].work_left;
	pthread_mutex_unlock(&t->lock);
	return left;
}

int vdev_virtio_mmio_config_changed(struct vdev_virtio_mmio *t)
{
	if (!t)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	t->config_generation++;
	if (t->status & VDEV_VIRTIO_STATUS_DRIVER_OK)
		raise_int(t, VDEV_VIRTIO_INT_CONFIG);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

uint32_t vdev_virtio_mmio_status(struct vdev_virtio_mmio *t)
{
	uint32_t s;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	s = t->status;
	pthread_mutex_unlock(&t->lock);
	return s;
}

uint64_t vdev_virtio_mmio_driver_features(struct vdev_virtio_mmio *t)
{
	uint64_t f;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	f = t->driver_features;
	pthread_mutex_unlock(&t->lock);
	return f;
}

int vdev_virtio_mmio_irq_replay(struct vdev_virtio_mmio *t)
{
	if (!t)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	if (t->line_high) {
		vdev_irq_deassert(&t->irq);
		vdev_irq_assert(&t->irq);
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}
