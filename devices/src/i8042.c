/* SPDX-License-Identifier: Apache-2.0 */
/*
 * i8042 keyboard controller with a keyboard that answers commands but has no keys, and no
 * mouse. Enough for Linux's i8042 and atkbd probes, and for the reset line: the usual way
 * an x86 guest reboots (reboot=k) is command 0xFE, which pulses the CPU reset output.
 *
 * Bytes for the guest wait in a small queue behind the one-byte output buffer; each one
 * loaded into the buffer is a fresh interrupt edge, as the real controller gives, because
 * the ISA lines are edge-triggered and Linux reads one byte per interrupt.
 */
#include <cvmm/devices.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DATA_PORT 0
#define CMD_PORT 4

/* Status register. */
#define STR_OBF 0x01
#define STR_SYS 0x04
#define STR_CMD 0x08
#define STR_KEYLOCK 0x10 /* set: keyboard not inhibited */
#define STR_AUXDATA 0x20

/* Controller configuration byte ("command byte"). */
#define CTR_KBDINT 0x01
#define CTR_AUXINT 0x02
#define CTR_SYS 0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE 0x40

/* Output port: bit 0 is the CPU reset line (active low), bit 1 the A20 gate. */
#define OUTP_RESET 0x01
#define OUTP_A20 0x02

/* Keyboard answers. */
#define KBD_ACK 0xfa
#define KBD_NAK 0xfe
#define KBD_BAT_OK 0xaa

#define QUEUE_SIZE 16u
#define FROM_AUX 0x100

struct vdev_i8042 {
	pthread_mutex_t lock;
	struct vdev_i8042_config cfg;
	uint16_t queue[QUEUE_SIZE]; /* byte, | FROM_AUX when it comes from the aux port */
	unsigned int q_head, q_count;
	uint8_t ctr;
	uint8_t outp;
	uint8_t last_data;
	uint8_t status_cmd;  /* STR_CMD: the last write went to the command port */
	uint8_t pending;     /* controller command waiting for its data byte, or 0 */
	uint8_t kbd_pending; /* keyboard command waiting for its parameter, or 0 */
	uint8_t scancode_set;
	bool kbd_level, aux_level;
	bool reset_requested;
};

static void set_line(struct vdev_i8042 *d, bool aux, bool level)
{
	bool *cur = aux ? &d->aux_level : &d->kbd_level;
	const struct vdev_irq *irq = aux ? &d->cfg.aux_irq : &d->cfg.kbd_irq;

	if (*cur == level)
		return;
	*cur = level;
	if (level)
		vdev_irq_assert(irq);
	else
		vdev_irq_deassert(irq);
}

static void update_irqs(struct vdev_i8042 *d)
{
	bool full = d->q_count > 0;
	bool aux = full && (d->queue[d->q_head] & FROM_AUX);

	set_line(d, false, full && !aux && (d->ctr & CTR_KBDINT));
	set_line(d, true, full && aux && (d->ctr & CTR_AUXINT));
}

/* A full queue drops the byte: the guest is not reading its answers. */
static void queue_put(struct vdev_i8042 *d, uint16_t v)
{
	if (d->q_count >= QUEUE_SIZE)
		return;
	d->queue[(d->q_head + d->q_count) % QUEUE_SIZE] = v;
	d->q_count++;
}

static void out_kbd(struct vdev_i8042 *d, uint8_t b)
{
	queue_put(d, b);
}

static void out_aux(struct vdev_i8042 *d, uint8_t b)
{
	queue_put(d, (uint16_t)(b | FROM_AUX));
}

static uint8_t read_data(struct vdev_i8042 *d)
{
	if (d->q_count == 0)
		return d->last_data;
	d->last_data = (uint8_t)d->queue[d->q_head];
	d->q_head = (d->q_head + 1) % QUEUE_SIZE;
	d->q_count--;
	/* The buffer empties for a moment: the next byte, if any, is a new edge. */
	set_line(d, false, false);
	set_line(d, true, false);
	return d->last_data;
}

static uint8_t read_status(const struct vdev_i8042 *d)
{
	uint8_t s = STR_KEYLOCK | d->status_cmd;

	if (d->ctr & CTR_SYS)
		s |= STR_SYS;
	if (d->q_count > 0) {
		s |= STR_OBF;
		if (d->queue[d->q_head] & FROM_AUX)
			s |= STR_AUXDATA;
	}
	return s;
}

static void request_reset(struct vdev_i8042 *d)
{
	d->reset_requested = true;
}

static void keyboard_command(struct vdev_i8042 *d, uint8_t b)
{
	uint8_t cmd = d->kbd_pending;

	/* Writing to the keyboard enables its interface, as on real controllers. */
	d->ctr &= (uint8_t)~CTR_KBDDIS;
	if (cmd) {
		d->kbd_pending = 0;
		if (cmd == 0xf0) { /* get/set scan code set */
			out_kbd(d, KBD_ACK);
			if (b == 0)
				out_kbd(d, d->scancode_set);
			else if (b <= 3)
				d->scancode_set = b;
			return;
		}
		out_kbd(d, KBD_ACK); /* 0xed LEDs, 0xf3 typematic rate: parameter taken */
		return;
	}
	switch (b) {
	case 0xed:
	case 0xf0:
	case 0xf3:
		d->kbd_pending = b;
		out_kbd(d, KBD_ACK);
		break;
	case 0xee: /* echo */
		out_kbd(d, 0xee);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		out_kbd(d, KBD_ACK);
		out_kbd(d, 0xab);
		out_kbd(d, 0x83);
		break;
	case 0xff: /* reset and self-test */
		d->scancode_set = 2;
		out_kbd(d, KBD_ACK);
		out_kbd(d, KBD_BAT_OK);
		break;
	default:
		/* Enable, disable, set defaults, typematic modes, resend: acknowledged. */
		out_kbd(d, KBD_ACK);
		break;
	}
}

static void write_data(struct vdev_i8042 *d, uint8_t b)
{
	uint8_t cmd = d->pending;

	d->status_cmd = 0;
	d->pending = 0;
	switch (cmd) {
	case 0x60:
		d->ctr = b;
		break;
	case 0xd1:
		d->outp = b;
		if (!(b & OUTP_RESET))
			request_reset(d);
		break;
	case 0xd2:
		out_kbd(d, b);
		break;
	case 0xd3:
		out_aux(d, b);
		break;
	case 0xd4:
		/* No mouse answers: the controller reports the failed transfer as a NAK. */
		out_aux(d, KBD_NAK);
		break;
	default:
		if (cmd >= 0x61 && cmd <= 0x7f)
			break; /* controller RAM beyond the command byte: not kept */
		keyboard_command(d, b);
		break;
	}
}

static void write_command(struct vdev_i8042 *d, uint8_t c)
{
	d->status_cmd = STR_CMD;
	d->pending = 0;
	switch (c) {
	case 0x20:
		out_kbd(d, d->ctr);
		break;
	case 0xa7:
		d->ctr |= CTR_AUXDIS;
		break;
	case 0xa8:
		d->ctr &= (uint8_t)~CTR_AUXDIS;
		break;
	case 0xa9: /* aux interface test: "clock line stuck low", there is no mouse port */
		out_kbd(d, 0x01);
		break;
	case 0xaa: /* controller self-test */
		d->ctr |= CTR_SYS;
		out_kbd(d, 0x55);
		break;
	case 0xab: /* keyboard interface test */
		out_kbd(d, 0x00);
		break;
	case 0xad:
		d->ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		d->ctr &= (uint8_t)~CTR_KBDDIS;
		break;
	case 0xc0: /* input port */
		out_kbd(d, 0x00);
		break;
	case 0xd0:
		out_kbd(d, d->outp);
		break;
	case 0x60:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xd4:
		d->pending = c;
		break;
	default:
		if (c >= 0x21 && c <= 0x3f)
			out_kbd(d, 0x00); /* controller RAM: not kept */
		else if (c >= 0x61 && c <= 0x7f)
			d->pending = c;
		else if (c >= 0xf0 && !(c & OUTP_RESET))
			/* Pulse output lines: a low pulse on bit 0 resets the CPU (0xFE). */
			request_reset(d);
		break;
	}
}

int vdev_i8042_create(const struct vdev_i8042_config *cfg, struct vdev_i8042 **out)
{
	struct vdev_i8042 *d;
	int ret;

	if (!cfg || !out)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = pthread_mutex_init(&d->lock, NULL);
	if (ret) {
		free(d);
		return -ret;
	}
	d->cfg = *cfg;
	/* As firmware leaves it: keyboard interrupt on, self-test passed, translation on. */
	d->ctr = CTR_KBDINT | CTR_SYS | CTR_AUXDIS | CTR_XLATE;
	d->outp = OUTP_RESET | OUTP_A20;
	d->scancode_set = 2;
	*out = d;
	return 0;
}

void vdev_i8042_destroy(struct vdev_i8042 *dev)
{
	if (!dev)
		return;
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static bool valid_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Unlocks, then reports a reset the access asked for. */
static void finish(struct vdev_i8042 *d)
{
	bool reset = d->reset_requested;

	d->reset_requested = false;
	pthread_mutex_unlock(&d->lock);
	if (reset && d->cfg.reset)
		d->cfg.reset(d->cfg.reset_ctx);
}

int vdev_i8042_read(struct vdev_i8042 *dev, uint64_t offset, uint8_t *data, uint32_t size)
{
	uint8_t v = 0;

	if (!dev || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (offset == DATA_PORT)
		v = read_data(dev);
	else if (offset == CMD_PORT)
		v = read_status(dev);
	update_irqs(dev);
	finish(dev);
	vdev_le_put(data, size, v);
	return 0;
}

int vdev_i8042_write(struct vdev_i8042 *dev, uint64_t offset, const uint8_t *data, uint32_t size)
{
	if (!dev || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (offset == DATA_PORT)
		write_data(dev, data[0]);
	else if (offset == CMD_PORT)
		write_command(dev, data[0]);
	update_irqs(dev);
	finish(dev);
	return 0;
}

static int i8042_ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_i8042_read(ctx, offset, data, size);
}

static int i8042_ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_i8042_write(ctx, offset, data, size);
}

static const struct vdev_ops i8042_ops = {.read = i8042_ops_read, .write = i8042_ops_write};

const struct vdev_ops *vdev_i8042_ops(void)
{
	return &i8042_ops;
}

static int i8042_cmd_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_i8042_read(ctx, offset == 0 ? CMD_PORT : VDEV_I8042_SIZE, data, size);
}

static int i8042_cmd_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_i8042_write(ctx, offset == 0 ? CMD_PORT : VDEV_I8042_SIZE, data, size);
}

static const struct vdev_ops i8042_cmd_ops = {.read = i8042_cmd_read, .write = i8042_cmd_write};

const struct vdev_ops *vdev_i8042_cmd_ops(void)
{
	return &i8042_cmd_ops;
}

/*
 * Saved state, version 1: the command byte, the output port, the last byte read, the
 * status register's command flag, the controller command and the keyboard command
 * waiting for their data byte (0: none), the scan code set (each a u8), then the bytes
 * queued for the guest: their count (u8) and each (u16: the byte, with bit 8 set when it
 * comes from the aux port), oldest first.
 */
#define I8042_STATE_TAG VDEV_STATE_TAG('I', '8', '4', '2')
#define I8042_STATE_VERSION 1u

int vdev_i8042_save(const struct vdev_i8042 *d, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!d || !w)
		return -EINVAL;
	lock = (pthread_mutex_t *)&d->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, I8042_STATE_TAG, I8042_STATE_VERSION);
	vdev_state_put_u8(w, d->ctr);
	vdev_state_put_u8(w, d->outp);
	vdev_state_put_u8(w, d->last_data);
	vdev_state_put_u8(w, d->status_cmd);
	vdev_state_put_u8(w, d->pending);
	vdev_state_put_u8(w, d->kbd_pending);
	vdev_state_put_u8(w, d->scancode_set);
	vdev_state_put_u8(w, (uint8_t)d->q_count);
	for (unsigned int i = 0; i < d->q_count; i++)
		vdev_state_put_u16(w, d->queue[(d->q_head + i) % QUEUE_SIZE]);
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

static bool controller_command_takes_data(uint8_t c)
{
	return c == 0x60 || (c >= 0x61 && c <= 0x7f) || (c >= 0xd1 && c <= 0xd4);
}

int vdev_i8042_restore(struct vdev_i8042 *dev, struct vdev_state_reader *r)
{
	struct vdev_state_reader s;
	uint8_t ctr, outp, last, status_cmd, pending, kbd_pending, set, count;
	uint16_t queue[QUEUE_SIZE] = {0};

	if (!dev || !r)
		return -EINVAL;
	if (vdev_state_open(r, I8042_STATE_TAG, I8042_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	ctr = vdev_state_get_u8(&s);
	outp = vdev_state_get_u8(&s);
	last = vdev_state_get_u8(&s);
	status_cmd = vdev_state_get_u8(&s);
	pending = vdev_state_get_u8(&s);
	kbd_pending = vdev_state_get_u8(&s);
	set = vdev_state_get_u8(&s);
	count = vdev_state_get_u8(&s);
	if (count > QUEUE_SIZE)
		vdev_state_fail(&s, "i8042: %u bytes queued, more than the queue holds (%u)", count,
		                QUEUE_SIZE);
	for (unsigned int i = 0; i < count && i < QUEUE_SIZE; i++) {
		queue[i] = vdev_state_get_u16(&s);
		if (queue[i] & ~(FROM_AUX | 0xff))
			vdev_state_fail(&s,
			                "i8042: queued entry %u (%#x) is not a byte and its port",
			                i, queue[i]);
	}
	if (status_cmd & ~STR_CMD)
		vdev_state_fail(&s, "i8042: status command flag %#x is not 0 or %#x", status_cmd,
		                STR_CMD);
	if (pending && !controller_command_takes_data(pending))
		vdev_state_fail(&s, "i8042: controller command %#x takes no data byte", pending);
	if (pending && !status_cmd)
		vdev_state_fail(&s, "i8042: controller command %#x pending after a data write",
		                pending);
	if (kbd_pending && kbd_pending != 0xed && kbd_pending != 0xf0 && kbd_pending != 0xf3)
		vdev_state_fail(&s, "i8042: keyboard command %#x takes no parameter", kbd_pending);
	if (set < 1 || set > 3)
		vdev_state_fail(&s, "i8042: scan code set %u is not 1, 2 or 3", set);
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&dev->lock);
	dev->ctr = ctr;
	dev->outp = outp;
	dev->last_data = last;
	dev->status_cmd = status_cmd;
	dev->pending = pending;
	dev->kbd_pending = kbd_pending;
	dev->scancode_set = set;
	memcpy(dev->queue, queue, sizeof(dev->queue));
	dev->q_head = 0;
	dev->q_count = count;
	dev->reset_requested = false;
	/* The lines as the restored state has them, set without driving them: the embedder
	   replays them. */
	bool full = count > 0, aux = full && (queue[0] & FROM_AUX);
	dev->kbd_level = full && !aux && (ctr & CTR_KBDINT);
	dev->aux_level = full && aux && (ctr & CTR_AUXINT);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

int vdev_i8042_irq_replay(struct vdev_i8042 *dev)
{
	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (dev->kbd_level) {
		vdev_irq_deassert(&dev->cfg.kbd_irq);
		vdev_irq_assert(&dev->cfg.kbd_irq);
	}
	if (dev->aux_level) {
		vdev_irq_deassert(&dev->cfg.aux_irq);
		vdev_irq_assert(&dev->cfg.aux_irq);
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
