/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ARM PrimeCell PL061 GPIO controller: eight pins, each an input the embedder drives
 * (vdev_pl061_set_input(): a button, a key) or an output the guest drives; interrupts on
 * either edge, both edges or a level, per pin; one interrupt line, asserted while a
 * pin's masked interrupt status is set.
 */
#include <cvmm/devices.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define GPIO_DATA_END 0x400 /* 0x000..0x3fc: data, address bits [9:2] mask the access */
#define GPIO_DIR 0x400      /* 1: output */
#define GPIO_IS 0x404       /* 1: level-sensitive, 0: edge */
#define GPIO_IBE 0x408      /* edge: 1 both edges */
#define GPIO_IEV 0x40c      /* 1: rising edge / high level */
#define GPIO_IE 0x410       /* interrupt mask: 1 enabled */
#define GPIO_RIS 0x414      /* raw interrupt status, read-only */
#define GPIO_MIS 0x418      /* masked interrupt status, read-only */
#define GPIO_IC 0x41c       /* interrupt clear (edge), write-only */
#define GPIO_AFSEL 0x420    /* mode control: kept, no alternate function here */
#define GPIO_ID_BASE 0xfe0

/* PeriphID0-3 then PCellID0-3: part 0x061, designer ARM (0x41), revision 0; Linux's
   driver matches 0x00041061. */
static const uint8_t gpio_ids[8] = {0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

struct vdev_pl061 {
	pthread_mutex_t lock;
	struct vdev_pl061_config cfg;
	uint8_t in;  /* levels the embedder drives on the pins */
	uint8_t out; /* levels the guest wrote (pins set as outputs) */
	uint8_t dir, is, ibe, iev, ie, afsel;
	uint8_t edge_ris; /* latched edge interrupts */
	bool irq_level;
};

/* The pins' levels: outputs as written, inputs as driven. */
static uint8_t levels(const struct vdev_pl061 *g)
{
	return (uint8_t)((g->out & g->dir) | (g->in & ~g->dir));
}

/* Raw status: latched edges, and level-sensitive pins at their active level. */
static uint8_t ris(const struct vdev_pl061 *g)
{
	uint8_t active = (uint8_t) ~(levels(g) ^ g->iev); /* pins at the level IEV asks for */
	return (uint8_t)((g->edge_ris & ~g->is) | (active & g->is));
}

static void update_irq(struct vdev_pl061 *g)
{
	bool level = (ris(g) & g->ie) != 0;

	if (level == g->irq_level)
		return;
	g->irq_level = level;
	if (level)
		vdev_irq_assert(&g->cfg.irq);
	else
		vdev_irq_deassert(&g->cfg.irq);
}

/* The pins went from old to new: latch the edges their configuration asks for. */
static void edges(struct vdev_pl061 *g, uint8_t old, uint8_t new)
{
	uint8_t changed = old ^ new, rising = changed &new, falling = changed &old;
	uint8_t hit = (uint8_t)((changed & g->ibe) | (rising & g->iev & ~g->ibe) |
	                        (falling & ~g->iev & ~g->ibe));
	g->edge_ris |= (uint8_t)(hit & ~g->is);
}

int vdev_pl061_create(const struct vdev_pl061_config *cfg, struct vdev_pl061 **out)
{
	struct vdev_pl061 *g;

	if (!cfg || !out)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	g->cfg = *cfg;
	*out = g;
	return 0;
}

void vdev_pl061_destroy(struct vdev_pl061 *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static bool valid_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int vdev_pl061_read(struct vdev_pl061 *g, uint64_t offset, uint8_t *data, uint32_t size)
{
	uint32_t v = 0;

	if (!g || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&g->lock);
	if (offset < GPIO_DATA_END && (offset & 3) == 0) {
		v = levels(g) & (uint8_t)(offset >> 2);
	} else if (offset >= GPIO_ID_BASE && offset < VDEV_PL061_SIZE && (offset & 3) == 0) {
		v = gpio_ids[(offset - GPIO_ID_BASE) / 4];
	} else {
		switch (offset) {
		case GPIO_DIR:
			v = g->dir;
			break;
		case GPIO_IS:
			v = g->is;
			break;
		case GPIO_IBE:
			v = g->ibe;
			break;
		case GPIO_IEV:
			v = g->iev;
			break;
		case GPIO_IE:
			v = g->ie;
			break;
		case GPIO_RIS:
			v = ris(g);
			break;
		case GPIO_MIS:
			v = ris(g) & g->ie;
			break;
		case GPIO_AFSEL:
			v = g->afsel;
			break;
		default:
			break; /* IC is write-only; the rest reads 0 */
		}
	}
	pthread_mutex_unlock(&g->lock);
	vdev_le_put(data, size, v);
	return 0;
}

int vdev_pl061_write(struct vdev_pl061 *g, uint64_t offset, const uint8_t *data, uint32_t size)
{
	uint8_t v, before;

	if (!g || !data || !valid_size(size))
		return -EINVAL;
	v = (uint8_t)vdev_le_get(data, size);
	pthread_mutex_lock(&g->lock);
	before = levels(g);
	if (offset < GPIO_DATA_END && (offset & 3) == 0) {
		/* Only the outputs take the write: an input's bit is not kept either. */
		uint8_t mask = (uint8_t)(offset >> 2) & g->dir;
		g->out = (uint8_t)((g->out & ~mask) | (v & mask));
	} else {
		switch (offset) {
		case GPIO_DIR:
			g->dir = v;
			break;
		case GPIO_IS:
			g->is = v;
			break;
		case GPIO_IBE:
			g->ibe = v;
			break;
		case GPIO_IEV:
			g->iev = v;
			break;
		case GPIO_IE:
			g->ie = v;
			break;
		case GPIO_IC:
			g->edge_ris &= (uint8_t)~v;
			break;
		case GPIO_AFSEL:
			g->afsel = v;
			break;
		default:
			break; /* read-only or reserved: ignored */
		}
	}
	/* A pin the guest turned or drove is an edge like any other. */
	edges(g, before, levels(g));
	update_irq(g);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

int vdev_pl061_set_input(struct vdev_pl061 *g, unsigned int pin, bool level)
{
	uint8_t before, bit;

	if (!g || pin >= VDEV_PL061_PINS)
		return -EINVAL;
	bit = (uint8_t)(1u << pin);
	pthread_mutex_lock(&g->lock);
	before = levels(g);
	g->in = (uint8_t)(level ? g->in | bit : g->in & ~bit);
	edges(g, before, levels(g));
	update_irq(g);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

int vdev_pl061_irq_replay(struct vdev_pl061 *g)
{
	if (!g)
		return -EINVAL;
	pthread_mutex_lock(&g->lock);
	if (g->irq_level) {
		vdev_irq_deassert(&g->cfg.irq);
		vdev_irq_assert(&g->cfg.irq);
	}
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static int ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_pl061_read(ctx, offset, data, size);
}

static int ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_pl061_write(ctx, offset, data, size);
}

static const struct vdev_ops pl061_ops = {.read = ops_read, .write = ops_write};

const struct vdev_ops *vdev_pl061_ops(void)
{
	return &pl061_ops;
}

/*
 * Saved state, version 1: the input levels the embedder drove, the output levels the
 * guest wrote, GPIODIR, GPIOIS, GPIOIBE, GPIOIEV, GPIOIE, GPIOAFSEL and the latched edge
 * interrupts (each a u8, one bit per pin). Every value of each byte is a state the
 * registers can reach, so only the section itself can be refused.
 */
#define PL061_STATE_TAG VDEV_STATE_TAG('P', '0', '6', '1')
#define PL061_STATE_VERSION 1u

int vdev_pl061_save(const struct vdev_pl061 *g, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!g || !w)
		return -EINVAL;
	lock = (pthread_mutex_t *)&g->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, PL061_STATE_TAG, PL061_STATE_VERSION);
	vdev_state_put_u8(w, g->in);
	vdev_state_put_u8(w, g->out);
	vdev_state_put_u8(w, g->dir);
	vdev_state_put_u8(w, g->is);
	vdev_state_put_u8(w, g->ibe);
	vdev_state_put_u8(w, g->iev);
	vdev_state_put_u8(w, g->ie);
	vdev_state_put_u8(w, g->afsel);
	vdev_state_put_u8(w, g->edge_ris);
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

int vdev_pl061_restore(struct vdev_pl061 *g, struct vdev_state_reader *r)
{
	struct vdev_state_reader s;
	uint8_t v[9];

	if (!g || !r)
		return -EINVAL;
	if (vdev_state_open(r, PL061_STATE_TAG, PL061_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	vdev_state_get_bytes(&s, v, sizeof(v));
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&g->lock);
	g->in = v[0];
	g->out = v[1];
	g->dir = v[2];
	g->is = v[3];
	g->ibe = v[4];
	g->iev = v[5];
	g->ie = v[6];
	g->afsel = v[7];
	g->edge_ris = v[8];
	/* Set, not driven: the embedder replays the line (vdev_pl061_irq_replay()). */
	g->irq_level = (ris(g) & g->ie) != 0;
	pthread_mutex_unlock(&g->lock);
	return 0;
}
