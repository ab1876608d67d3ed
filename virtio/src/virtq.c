/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueue, device side. Everything in the rings comes from an untrusted driver:
 * each field is read once into a local copy and checked before use, and every access
 * goes through vm-memory, which refuses ranges outside guest RAM.
 *
 * Notification suppression (VIRTIO 1.2 2.7.7, 2.7.10) is the queue's own business, so
 * every device gets it: the device wants a kick only when it has taken every chain the
 * driver made available. vdev_virtq_pop() asks for kicks when it finds the ring empty
 * (clears VDEV_VIRTQ_USED_F_NO_NOTIFY, or with VIRTIO_F_EVENT_IDX sets avail_event to the
 * next index), then looks once more after a full fence; while the device works through
 * chains the driver does not kick (the flag is set at the first chain taken; with
 * EVENT_IDX avail_event simply stays behind).
 */
#include <cvmm/virtio.h>

#include <errno.h>
#include <stdlib.h>

#define DESC_SIZE 16u

struct vdev_virtq {
	const struct vmem_map *mem;
	uint16_t max_size;
	bool enabled;
	bool indirect;
	bool pushed;
	struct vdev_virtq_layout layout;
	uint16_t last_avail;
	uint16_t next_used;
	bool event_idx;       /* VIRTIO_F_EVENT_IDX negotiated */
	bool kicks_wanted;    /* the driver kicks for the chain at last_avail (see pop) */
	uint16_t kicks_from;  /* with EVENT_IDX: the avail_event written */
	bool signalled_valid; /* signalled_used holds the used index at the last notification
	                         decision (EVENT_IDX); false after enable and restore */
	uint16_t signalled_used;
	uint32_t seg_cap;
	struct vdev_virtq_seg *segs;
	const char *error; /* why the last vdev_virtq_pop() refused, or NULL */
	uint32_t budget;   /* chains vdev_virtq_pop() may still take (VDEV_VIRTQ_UNLIMITED) */
};

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Where the driver reads avail_event (after the used ring) and writes used_event (after
   the available ring). Both were checked to be in guest RAM with the rings. */
static uint64_t avail_event_addr(const struct vdev_virtq_layout *l)
{
	return l->used + 4 + 8 * (uint64_t)l->size;
}

static uint64_t used_event_addr(const struct vdev_virtq_layout *l)
{
	return l->avail + 4 + 2 * (uint64_t)l->size;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint32_t chain_limit(uint16_t size)
{
	return size > VDEV_VIRTQ_MIN_CHAIN ? size : VDEV_VIRTQ_MIN_CHAIN;
}

int vdev_virtq_create(const struct vmem_map *mem, uint16_t max_size, struct vdev_virtq **out)
{
	struct vdev_virtq *q;

	if (!mem || !out || max_size == 0 || max_size > VDEV_VIRTQ_MAX_SIZE)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->mem = mem;
	q->budget = VDEV_VIRTQ_UNLIMITED;
	q->max_size = max_size;
	q->seg_cap = chain_limit(max_size);
	q->segs = calloc(q->seg_cap, sizeof(*q->segs));
	if (!q->segs) {
		free(q);
		return -ENOMEM;
	}
	*out = q;
	return 0;
}

void vdev_virtq_destroy(struct vdev_virtq *q)
{
	if (!q)
		return;
	free(q->segs);
	free(q);
}

int vdev_virtq_check_layout(const struct vmem_map *mem, uint16_t max_size,
                            const struct vdev_virtq_layout *l)
{
	int ret;

	if (!mem || !l)
		return -EINVAL;
	if (!is_pow2(l->size) || l->size > max_size || l->size > VDEV_VIRTQ_MAX_SIZE)
		return -EINVAL;
	if ((l->desc & 15) || (l->avail & 1) || (l->used & 3))
		return -EINVAL;
	/* Sizes cannot overflow: size <= 32768. */
	ret = vmem_check_range(mem, l->desc, (size_t)DESC_SIZE * l->size, false);
	if (ret == 0)
		ret = vmem_check_range(mem, l->avail, 6 + 2 * (size_t)l->size, false);
	if (ret == 0)
		ret = vmem_check_range(mem, l->used, 6 + 8 * (size_t)l->size, true);
	return ret;
}

int vdev_virtq_enable(struct vdev_virtq *q, const struct vdev_virtq_layout *layout,
                      uint64_t features)
{
	int ret;

	if (!q || !layout)
		return -EINVAL;
	ret = vdev_virtq_check_layout(q->mem, q->max_size, layout);
	if (ret < 0)
		return ret;
	q->layout = *layout;
	q->indirect = features & (1ull << VDEV_VIRTIO_F_INDIRECT_DESC);
	q->event_idx = features & (1ull << VDEV_VIRTIO_F_EVENT_IDX);
	q->last_avail = 0;
	q->next_used = 0;
	/* Kicks are wanted until the device takes a chain: no flag, and (EVENT_IDX) an
	   avail_event of 0, as a newly set up ring has. */
	(void)vmem_atomic_store_u16(q->mem, q->layout.used, 0, VMEM_RELEASE);
	if (q->event_idx)
		(void)vmem_atomic_store_u16(q->mem, avail_event_addr(&q->layout), 0, VMEM_RELEASE);
	q->kicks_wanted = true;
	q->kicks_from = 0;
	q->signalled_valid = false;
	q->pushed = false;
	q->error = NULL;
	q->enabled = true;
	return 0;
}

void vdev_virtq_disable(struct vdev_virtq *q)
{
	if (!q)
		return;
	q->enabled = false;
	q->pushed = false;
	q->event_idx = false;
	q->error = NULL;
	q->last_avail = 0;
	q->next_used = 0;
	q->layout = (struct vdev_virtq_layout){0};
}

bool vdev_virtq_enabled(const struct vdev_virtq *q)
{
	return q && q->enabled;
}

uint16_t vdev_virtq_size(const struct vdev_virtq *q)
{
	return q && q->enabled ? q->layout.size : 0;
}

const struct vmem_map *vdev_virtq_mem(const struct vdev_virtq *q)
{
	return q ? q->mem : NULL;
}

uint16_t vdev_virtq_last_avail(const struct vdev_virtq *q)
{
	return q ? q->last_avail : 0;
}

uint16_t vdev_virtq_next_used(const struct vdev_virtq *q)
{
	return q ? q->next_used : 0;
}

const char *vdev_virtq_error(const struct vdev_virtq *q)
{
	return q ? q->error : NULL;
}

static int read_desc(const struct vdev_virtq *q, uint64_t table, uint32_t idx, struct desc *d)
{
	uint8_t raw[DESC_SIZE];
	int ret;

	/* table + idx * 16 cannot overflow: the whole table was checked to be mapped. */
	ret = vmem_read(q->mem, table + (uint64_t)idx * DESC_SIZE, raw, sizeof(raw));
	if (ret < 0)
		return ret;
	d->addr = vmem_ld_le64(raw);
	d->len = vmem_ld_le32(raw + 8);
	d->flags = vmem_ld_le16(raw + 12);
	d->next = vmem_ld_le16(raw + 14);
	return 0;
}

/* Records why the driver's ring was refused (a static string). Returns -EBADMSG. */
static int refuse(struct vdev_virtq *q, const char *why)
{
	q->error = why;
	return -EBADMSG;
}

/* Walks the chain starting at head into q->segs. -EBADMSG for any rule the driver broke. */
static int walk_chain(struct vdev_virtq *q, uint16_t head, struct vdev_virtq_chain *c)
{
	const uint32_t limit = chain_limit(q->layout.size);
	uint64_t table = q->layout.desc;
	uint32_t table_n = q->layout.size;
	uint32_t visited = 0; /* descriptors read from the current table */
	bool in_indirect = false;
	bool seen_write = false;
	uint32_t idx = head;
	struct desc d;
	int ret;

	*c = (struct vdev_virtq_chain){.head = head, .segs = q->segs};
	for (;;) {
		if (idx >= table_n)
			return refuse(q, "descriptor index out of range");
		/* A chain visiting more descriptors than its table holds has a loop. */
		if (++visited > table_n)
			return refuse(q, "descriptor loop");
		ret = read_desc(q, table, idx, &d);
		if (ret == -EFAULT || ret == -EOVERFLOW)
			return refuse(q, "descriptor table outside guest RAM");
		if (ret < 0)
			return ret;

		if (d.flags & VDEV_VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect)
				return refuse(q, "indirect descriptor not negotiated");
			if (in_indirect || (d.flags & VDEV_VIRTQ_DESC_F_NEXT))
				return refuse(q, "nested or chained indirect descriptor");
			if (d.len == 0 || d.len % DESC_SIZE || d.len / DESC_SIZE > limit)
				return refuse(q, "bad indirect table length");
			if (vmem_check_range(q->mem, d.addr, d.len, false) < 0)
				return refuse(q, "indirect table outside guest RAM");
			in_indirect = true;
			table = d.addr;
			table_n = d.len / DESC_SIZE;
			visited = 0;
			idx = 0;
			continue;
		}

		if (c->nsegs >= limit)
			return refuse(q, "descriptor chain too long");
		bool write = d.flags & VDEV_VIRTQ_DESC_F_WRITE;
		if (!write && seen_write)
			return refuse(q, "readable descriptor after a writable one");
		if (vmem_check_range(q->mem, d.addr, d.len, write) < 0)
			return refuse(q, "buffer outside guest RAM");
		q->segs[c->nsegs++] =
		    (struct vdev_virtq_seg){.gpa = d.addr, .len = d.len, .write = write};
		if (write) {
			seen_write = true;
			c->write_len += d.len;
		} else {
			c->nreadable++;
			c->read_len += d.len;
		}
		if (!(d.flags & VDEV_VIRTQ_DESC_F_NEXT))
			return 0;
		idx = d.next;
	}
}

/* Reads avail->idx (acquire: the ring entries and descriptors the driver wrote before
   publishing it are visible once we see the new index). */
static int load_avail_idx(struct vdev_virtq *q, uint16_t *idx)
{
	if (vmem_atomic_load_u16(q->mem, q->layout.avail + 2, idx, VMEM_ACQUIRE) < 0) {
		q->error = "available ring not readable";
		return -EFAULT;
	}
	return 0;
}

/*
 * The ring looked empty: asks the driver to kick for the next chain, unless that is asked
 * already, then looks again. The full fence orders the request before the second look;
 * the driver orders its avail->idx store before reading the request (VIRTIO 1.2 2.7.13.3
 * and its memory barrier), so a chain it adds now is seen here or kicked. Returns the
 * available index of the second look.
 */
static int want_kicks(struct vdev_virtq *q, uint16_t *avail_idx)
{
	int ret;

	if (q->kicks_wanted && (!q->event_idx || q->kicks_from == q->last_avail))
		return 0;
	if (q->event_idx)
		ret = vmem_atomic_store_u16(q->mem, avail_event_addr(&q->layout), q->last_avail,
		                            VMEM_RELEASE);
	else
		ret = vmem_atomic_store_u16(q->mem, q->layout.used, 0, VMEM_RELEASE);
	if (ret < 0)
		return ret;
	q->kicks_wanted = true;
	q->kicks_from = q->last_avail;
	vmem_fence(VMEM_SEQ_CST);
	return load_avail_idx(q, avail_idx);
}

/* The device takes chains: without EVENT_IDX the driver is told not to kick for the next
   ones (with it, avail_event stays behind last_avail, which says the same). */
static void no_kicks(struct vdev_virtq *q)
{
	if (!q->kicks_wanted || q->event_idx)
		return;
	if (vmem_atomic_store_u16(q->mem, q->layout.used, VDEV_VIRTQ_USED_F_NO_NOTIFY,
	                          VMEM_RELAXED) == 0)
		q->kicks_wanted = false;
}

int vdev_virtq_pop(struct vdev_virtq *q, struct vdev_virtq_chain *chain)
{
	uint16_t avail_idx, pending, head;
	int ret;

	if (!q || !chain || !q->enabled)
		return -EINVAL;
	q->error = NULL;
	ret = load_avail_idx(q, &avail_idx);
	if (ret < 0)
		return ret;
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0) {
		ret = want_kicks(q, &avail_idx);
		if (ret < 0)
			return ret;
		pending = (uint16_t)(avail_idx - q->last_avail);
		if (pending == 0)
			return 0;
	}
	if (q->budget == 0)
		return 0; /* this call's share is spent: the rest waits for the next one */
	if (pending > q->layout.size)
		return refuse(q, "available index too far ahead");
	ret = vmem_read_u16_le(
	    q->mem, q->layout.avail + 4 + 2 * (uint64_t)(q->last_avail % q->layout.size), &head);
	if (ret < 0) {
		q->error = "available ring not readable";
		return -EFAULT;
	}
	if (head >= q->layout.size)
		return refuse(q, "descriptor index out of range");
	ret = walk_chain(q, head, chain);
	if (ret < 0) {
		*chain = (struct vdev_virtq_chain){0};
		return ret;
	}
	no_kicks(q);
	q->last_avail++;
	if (q->budget != VDEV_VIRTQ_UNLIMITED)
		q->budget--;
	return 1;
}

void vdev_virtq_set_budget(struct vdev_virtq *q, uint32_t chains)
{
	if (q)
		q->budget = chains;
}

uint32_t vdev_virtq_budget(const struct vdev_virtq *q)
{
	return q ? q->budget : 0;
}

bool vdev_virtq_has_available(const struct vdev_virtq *q)
{
	uint16_t avail_idx;

	if (!q || !q->enabled)
		return false;
	if (vmem_atomic_load_u16(q->mem, q->layout.avail + 2, &avail_idx, VMEM_ACQUIRE) < 0)
		return false;
	return avail_idx != q->last_avail;
}

/* Copies between buf and the chain's readable (write false) or writable part. */
static ssize_t chain_copy(const struct vdev_virtq *q, const struct vdev_virtq_chain *c, bool write,
                          uint64_t off, void *buf, size_t len)
{
	uint32_t first = write ? c->nreadable : 0;
	uint32_t end = write ? c->nsegs : c->nreadable;
	size_t done = 0;

	if (end > c->nsegs || first > end)
		return -EINVAL;
	for (uint32_t i = first; i < end && done < len; i++) {
		const struct vdev_virtq_seg *s = &c->segs[i];
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		size_t n = s->len - off;
		if (n > len - done)
			n = len - done;
		int ret = write ? vmem_write(q->mem, s->gpa + off, (const uint8_t *)buf + done, n)
		                : vmem_read(q->mem, s->gpa + off, (uint8_t *)buf + done, n);
		if (ret < 0)
			return ret;
		done += n;
		off = 0;
	}
	return (ssize_t)done;
}

ssize_t vdev_virtq_chain_read(const struct vdev_virtq *q, const struct vdev_virtq_chain *chain,
                              uint64_t off, void *buf, size_t len)
{
	if (!q || !chain || (!buf && len))
		return -EINVAL;
	return chain_copy(q, chain, false, off, buf, len);
}

ssize_t vdev_virtq_chain_write(const struct vdev_virtq *q, const struct vdev_virtq_chain *chain,
                               uint64_t off, const void *buf, size_t len)
{
	if (!q || !chain || (!buf && len))
		return -EINVAL;
	return chain_copy(q, chain, true, off, (void *)buf, len);
}

int vdev_virtq_chain_ranges(const struct vdev_virtq_chain *c, bool write, uint64_t off,
                            uint64_t len, struct vmem_range *ranges, size_t max)
{
	uint32_t first, end;
	uint64_t part;
	size_t n = 0;

	if (!c || (!ranges && max))
		return -EINVAL;
	first = write ? c->nreadable : 0;
	end = write ? c->nsegs : c->nreadable;
	part = write ? c->write_len : c->read_len;
	if (end > c->nsegs || first > end)
		return -EINVAL;
	if (off > part || len > part - off)
		return -ERANGE;
	for (uint32_t i = first; i < end && len; i++) {
		const struct vdev_virtq_seg *s = &c->segs[i];
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		uint64_t take = s->len - off;
		if (take > len)
			take = len;
		if (n == max)
			return -ENOSPC;
		ranges[n++] = (struct vmem_range){.gpa = s->gpa + off, .len = (size_t)take};
		len -= take;
		off = 0;
	}
	return (int)n;
}

int vdev_virtq_push(struct vdev_virtq *q, uint16_t head, uint32_t len)
{
	uint64_t elem;
	int ret;

	if (!q || !q->enabled || head >= q->layout.size)
		return -EINVAL;
	elem = q->layout.used + 4 + 8 * (uint64_t)(q->next_used % q->layout.size);
	ret = vmem_write_u32_le(q->mem, elem, head);
	if (ret == 0)
		ret = vmem_write_u32_le(q->mem, elem + 4, len);
	if (ret < 0)
		return ret;
	/* Release: the element is visible before the index that hands it over. */
	ret = vmem_atomic_store_u16(q->mem, q->layout.used + 2, (uint16_t)(q->next_used + 1),
	                            VMEM_RELEASE);
	if (ret < 0)
		return ret;
	q->next_used++;
	q->pushed = true;
	return 0;
}

int vdev_virtq_push_many(struct vdev_virtq *q, const struct vdev_virtq_used_elem *elems, uint16_t n)
{
	uint16_t i;
	int ret;

	if (!q || !q->enabled || (!elems && n))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (elems[i].head >= q->layout.size)
			return -EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t elem = q->layout.used + 4 +
		                8 * (uint64_t)((uint16_t)(q->next_used + i) % q->layout.size);
		ret = vmem_write_u32_le(q->mem, elem, elems[i].head);
		if (ret == 0)
			ret = vmem_write_u32_le(q->mem, elem + 4, elems[i].len);
		if (ret < 0)
			return ret;
	}
	if (n == 0)
		return 0;
	/* Release: every element is visible before the index that hands them over. */
	ret = vmem_atomic_store_u16(q->mem, q->layout.used + 2, (uint16_t)(q->next_used + n),
	                            VMEM_RELEASE);
	if (ret < 0)
		return ret;
	q->next_used = (uint16_t)(q->next_used + n);
	q->pushed = true;
	return 0;
}

int vdev_virtq_unpop(struct vdev_virtq *q, uint16_t n)
{
	if (!q || !q->enabled || n > (uint16_t)(q->last_avail - q->next_used))
		return -EINVAL;
	q->last_avail = (uint16_t)(q->last_avail - n);
	if (q->budget != VDEV_VIRTQ_UNLIMITED) {
		uint64_t back = (uint64_t)q->budget + n;
		q->budget = back < VDEV_VIRTQ_UNLIMITED ? (uint32_t)back : VDEV_VIRTQ_UNLIMITED - 1;
	}
	return 0;
}

bool vdev_virtq_should_notify(struct vdev_virtq *q)
{
	uint16_t flags, used_event, old;
	bool valid;

	if (!q || !q->enabled || !q->pushed)
		return false;
	q->pushed = false;
	/* Full barrier: our used->idx store must not be ordered after the load of the
	   driver's request, or a driver asking for interrupts at the same time could miss
	   this one. */
	vmem_fence(VMEM_SEQ_CST);
	if (q->event_idx) {
		old = q->signalled_used;
		valid = q->signalled_valid;
		q->signalled_used = q->next_used;
		q->signalled_valid = true;
		if (!valid)
			return true;
		if (vmem_atomic_load_u16(q->mem, used_event_addr(&q->layout), &used_event,
		                         VMEM_RELAXED) < 0)
			return true;
		/* Whether used_event lies among the entries published since the last
		   decision: [old, next_used), in 16-bit ring arithmetic (2.7.10). */
		return (uint16_t)(q->next_used - used_event - 1) < (uint16_t)(q->next_used - old);
	}
	if (vmem_atomic_load_u16(q->mem, q->layout.avail, &flags, VMEM_RELAXED) < 0)
		return true;
	return !(flags & VDEV_VIRTQ_AVAIL_F_NO_INTERRUPT);
}

int vdev_virtq_set_indexes(struct vdev_virtq *q, uint16_t last_avail, uint16_t next_used)
{
	if (!q || !q->enabled || (uint16_t)(last_avail - next_used) > q->layout.size)
		return -EINVAL;
	q->last_avail = last_avail;
	q->next_used = next_used;
	q->pushed = false;
	q->error = NULL;
	/* What the driver was last asked is in guest memory, not here: the next empty look
	   asks again, and the next notification decision notifies. */
	q->kicks_wanted = false;
	q->signalled_valid = false;
	return 0;
}
