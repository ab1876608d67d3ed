/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio transport, version 2. The register state machine follows the VIRTIO 1.x
 * device initialisation sequence; writes that break it are ignored (the driver sees that
 * on read-back), and guest errors that leave the device unusable set DEVICE_NEEDS_RESET.
 */
#include <cvmm/virtio.h>

#include <errno.h>
#include <inttypes.h>
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
	/* The ring features are the queues' (virtq.c), so every device offers them. */
	t->offered = d->features | (1ull << VDEV_VIRTIO_F_VERSION_1) |
	             (1ull << VDEV_VIRTIO_F_INDIRECT_DESC) | (1ull << VDEV_VIRTIO_F_EVENT_IDX);
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

/*
 * Saved state, version 1. What identifies the device, compared with this transport's on
 * restore: device id (u32), number of queues (u16), QueueNumMax (u16), config space size
 * (u32), features offered (u64). The registers: status (u32), the driver's features (u64),
 * DeviceFeaturesSel, DriverFeaturesSel, QueueSel, SHMSel, InterruptStatus and
 * ConfigGeneration (u32 each). Then for each queue: QueueNum (u16), QueueReady (u8),
 * the descriptor, driver and device areas (u64 each), and the device's ring positions,
 * last_avail and next_used (u16 each).
 */
#define MMIO_STATE_TAG VDEV_STATE_TAG('V', 'M', 'I', 'O')
#define MMIO_STATE_VERSION 1u

struct saved_queue {
	uint16_t num;
	uint8_t ready;
	uint64_t desc, driver, device;
	uint16_t last_avail, next_used;
};

int vdev_virtio_mmio_save(const struct vdev_virtio_mmio *t, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!t || !w)
		return -EINVAL;
	lock = (pthread_mutex_t *)&t->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, MMIO_STATE_TAG, MMIO_STATE_VERSION);
	vdev_state_put_u32(w, t->dev.device_id);
	vdev_state_put_u16(w, t->dev.num_queues);
	vdev_state_put_u16(w, t->dev.queue_max_size);
	vdev_state_put_u32(w, t->dev.config_size);
	vdev_state_put_u64(w, t->offered);
	vdev_state_put_u32(w, t->status);
	vdev_state_put_u64(w, t->driver_features);
	vdev_state_put_u32(w, t->device_features_sel);
	vdev_state_put_u32(w, t->driver_features_sel);
	vdev_state_put_u32(w, t->queue_sel);
	vdev_state_put_u32(w, t->shm_sel);
	vdev_state_put_u32(w, t->int_status);
	vdev_state_put_u32(w, t->config_generation);
	for (unsigned int i = 0; i < t->dev.num_queues; i++) {
		const struct queue_regs *qr = &t->queues[i];
		vdev_state_put_u16(w, qr->num);
		vdev_state_put_u8(w, qr->ready);
		vdev_state_put_u64(w, qr->desc);
		vdev_state_put_u64(w, qr->driver);
		vdev_state_put_u64(w, qr->device);
		vdev_state_put_u16(w, vdev_virtq_last_avail(qr->q));
		vdev_state_put_u16(w, vdev_virtq_next_used(qr->q));
	}
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

/* Checks a saved queue against this transport (s fails with the reason). */
static void check_queue(const struct vdev_virtio_mmio *t, struct vdev_state_reader *s,
                        unsigned int i, const struct saved_queue *sq, uint32_t status)
{
	struct vdev_virtq_layout l = {
	    .size = sq->num, .desc = sq->desc, .avail = sq->driver, .used = sq->device};
	uint16_t in_flight = (uint16_t)(sq->last_avail - sq->next_used);
	int ret;

	if (sq->ready > 1) {
		vdev_state_fail(s, "virtio-mmio: queue %u ready flag %u is not 0 or 1", i,
		                sq->ready);
		return;
	}
	if (!sq->ready) {
		/* The registers of a queue not ready are only checked when the driver sets
		   QueueReady; its ring positions are 0 (disabling resets them). */
		if (sq->last_avail || sq->next_used)
			vdev_state_fail(s,
			                "virtio-mmio: queue %u is not ready but has ring positions "
			                "(last_avail %u, next_used %u)",
			                i, sq->last_avail, sq->next_used);
		return;
	}
	if (!(status & VDEV_VIRTIO_STATUS_FEATURES_OK)) {
		vdev_state_fail(s, "virtio-mmio: queue %u is ready before FEATURES_OK (status %#x)",
		                i, status);
		return;
	}
	if (!is_pow2(sq->num)) {
		vdev_state_fail(s, "virtio-mmio: queue %u size %u is not a power of two", i,
		                sq->num);
		return;
	}
	if (sq->num > t->dev.queue_max_size) {
		vdev_state_fail(s, "virtio-mmio: queue %u size %u is above its maximum %u", i,
		                sq->num, t->dev.queue_max_size);
		return;
	}
	/* The check QueueReady makes when the driver writes it. */
	ret = vdev_virtq_check_layout(t->mem, t->dev.queue_max_size, &l);
	if (ret == -EINVAL)
		vdev_state_fail(s,
		                "virtio-mmio: queue %u rings are misaligned (desc %#" PRIx64
		                ", avail %#" PRIx64 ", used %#" PRIx64 ")",
		                i, sq->desc, sq->driver, sq->device);
	else if (ret == -EACCES)
		vdev_state_fail(s, "virtio-mmio: queue %u used ring %#" PRIx64 " is not writable",
		                i, sq->device);
	else if (ret < 0)
		vdev_state_fail(s,
		                "virtio-mmio: queue %u rings are not in guest RAM (desc %#" PRIx64
		                ", avail %#" PRIx64 ", used %#" PRIx64 ")",
		                i, sq->desc, sq->driver, sq->device);
	else if (in_flight > sq->num)
		vdev_state_fail(s,
		                "virtio-mmio: queue %u has %u chains in flight (last_avail %u, "
		                "next_used %u), more than its size %u",
		                i, in_flight, sq->last_avail, sq->next_used, sq->num);
}

int vdev_virtio_mmio_restore(struct vdev_virtio_mmio *t, struct vdev_state_reader *r)
{
	struct saved_queue sq[VDEV_VIRTIO_MAX_QUEUES] = {0};
	struct vdev_state_reader s;
	uint32_t device_id, config_size, status, dfsel, drfsel, qsel, shmsel, isr, gen;
	uint16_t num_queues, max_size;
	uint64_t offered, features;
	const uint32_t known = DRIVER_STATUS_BITS | VDEV_VIRTIO_STATUS_NEEDS_RESET;

	if (!t || !r)
		return -EINVAL;
	if (vdev_state_open(r, MMIO_STATE_TAG, MMIO_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	device_id = vdev_state_get_u32(&s);
	num_queues = vdev_state_get_u16(&s);
	max_size = vdev_state_get_u16(&s);
	config_size = vdev_state_get_u32(&s);
	offered = vdev_state_get_u64(&s);
	status = vdev_state_get_u32(&s);
	features = vdev_state_get_u64(&s);
	dfsel = vdev_state_get_u32(&s);
	drfsel = vdev_state_get_u32(&s);
	qsel = vdev_state_get_u32(&s);
	shmsel = vdev_state_get_u32(&s);
	isr = vdev_state_get_u32(&s);
	gen = vdev_state_get_u32(&s);
	if (device_id != t->dev.device_id || num_queues != t->dev.num_queues ||
	    max_size != t->dev.queue_max_size || config_size != t->dev.config_size) {
		vdev_state_fail(&s,
		                "virtio-mmio: saved device %u with %u queues of %u and %u config "
		                "bytes, this one is %u with %u of %u and %u",
		                device_id, num_queues, max_size, config_size, t->dev.device_id,
		                t->dev.num_queues, t->dev.queue_max_size, t->dev.config_size);
		num_queues = 0; /* the rest cannot be read as this device's */
	}
	if (!s.error && offered != t->offered)
		vdev_state_fail(&s,
		                "virtio-mmio: saved device offered features %#" PRIx64
		                ", this one offers %#" PRIx64,
		                offered, t->offered);
	for (unsigned int i = 0; i < num_queues; i++) {
		sq[i].num = vdev_state_get_u16(&s);
		sq[i].ready = vdev_state_get_u8(&s);
		sq[i].desc = vdev_state_get_u64(&s);
		sq[i].driver = vdev_state_get_u64(&s);
		sq[i].device = vdev_state_get_u64(&s);
		sq[i].last_avail = vdev_state_get_u16(&s);
		sq[i].next_used = vdev_state_get_u16(&s);
	}
	if (status & ~known)
		vdev_state_fail(&s, "virtio-mmio: status %#x has unknown bits", status);
	if ((status & VDEV_VIRTIO_STATUS_DRIVER) && !(status & VDEV_VIRTIO_STATUS_ACKNOWLEDGE))
		vdev_state_fail(&s, "virtio-mmio: status %#x has DRIVER without ACKNOWLEDGE",
		                status);
	if ((status & VDEV_VIRTIO_STATUS_FEATURES_OK) && !(status & VDEV_VIRTIO_STATUS_DRIVER))
		vdev_state_fail(&s, "virtio-mmio: status %#x has FEATURES_OK without DRIVER",
		                status);
	if ((status & VDEV_VIRTIO_STATUS_DRIVER_OK) && !(status & VDEV_VIRTIO_STATUS_FEATURES_OK))
		vdev_state_fail(&s, "virtio-mmio: status %#x has DRIVER_OK without FEATURES_OK",
		                status);
	if ((status & VDEV_VIRTIO_STATUS_NEEDS_RESET) && !(status & VDEV_VIRTIO_STATUS_FEATURES_OK))
		vdev_state_fail(&s,
		                "virtio-mmio: status %#x has DEVICE_NEEDS_RESET before FEATURES_OK",
		                status);
	if (!(status & VDEV_VIRTIO_STATUS_DRIVER) && features)
		vdev_state_fail(
		    &s, "virtio-mmio: driver features %#" PRIx64 " without DRIVER in status",
		    features);
	if ((status & VDEV_VIRTIO_STATUS_FEATURES_OK) && (features & ~offered))
		vdev_state_fail(&s,
		                "virtio-mmio: features acked %#" PRIx64
		                " are not a subset of those offered %#" PRIx64,
		                features, offered);
	if ((status & VDEV_VIRTIO_STATUS_FEATURES_OK) &&
	    !(features & (1ull << VDEV_VIRTIO_F_VERSION_1)))
		vdev_state_fail(&s, "virtio-mmio: features acked %#" PRIx64 " lack VERSION_1",
		                features);
	if (isr & ~(uint32_t)(VDEV_VIRTIO_INT_VRING | VDEV_VIRTIO_INT_CONFIG))
		vdev_state_fail(&s, "virtio-mmio: InterruptStatus %#x has unknown bits", isr);
	if (isr && !(status & VDEV_VIRTIO_STATUS_DRIVER_OK))
		vdev_state_fail(&s, "virtio-mmio: InterruptStatus %#x before DRIVER_OK", isr);
	for (unsigned int i = 0; i < num_queues && !s.error; i++)
		check_queue(t, &s, i, &sq[i], status);
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&t->lock);
	/* Whatever the device model was doing before is over, as at a reset. */
	if (t->dev.reset)
		t->dev.reset(t->dev.ctx);
	for (unsigned int i = 0; i < t->dev.num_queues; i++) {
		struct queue_regs *qr = &t->queues[i];
		struct vdev_virtq_layout l = {.size = sq[i].num,
		                              .desc = sq[i].desc,
		                              .avail = sq[i].driver,
		                              .used = sq[i].device};
		vdev_virtq_disable(qr->q);
		qr->num = sq[i].num;
		qr->ready = false;
		qr->work_left = false;
		qr->desc = sq[i].desc;
		qr->driver = sq[i].driver;
		qr->device = sq[i].device;
		/* Both were checked above: neither can fail now. */
		if (sq[i].ready &&
		    (vdev_virtq_enable(qr->q, &l, features) < 0 ||
		     vdev_virtq_set_indexes(qr->q, sq[i].last_avail, sq[i].next_used) < 0)) {
			reset_locked(t);
			pthread_mutex_unlock(&t->lock);
			vdev_state_fail(r, "virtio-mmio: queue %u could not be enabled", i);
			return r->error;
		}
		qr->ready = sq[i].ready;
	}
	t->driver_features = features;
	t->device_features_sel = dfsel;
	t->driver_features_sel = drfsel;
	t->queue_sel = qsel;
	t->shm_sel = shmsel;
	t->status = status;
	t->config_generation = gen;
	/* The device model is running again with the features the driver accepted. */
	if ((status & VDEV_VIRTIO_STATUS_DRIVER_OK) && !(status & VDEV_VIRTIO_STATUS_NEEDS_RESET) &&
	    t->dev.activate) {
		int ret = t->dev.activate(t->dev.ctx, features);
		if (ret < 0) {
			reset_locked(t);
			pthread_mutex_unlock(&t->lock);
			vdev_state_fail(r,
			                "virtio-mmio: the device refused activation with features "
			                "%#" PRIx64 " (error %d)",
			                features, ret);
			return r->error;
		}
	}
	t->int_status = isr;
	/* Set, not driven: the embedder replays the line (vdev_virtio_mmio_irq_replay()). */
	t->line_high = isr != 0;
	pthread_mutex_unlock(&t->lock);
	return 0;
}
