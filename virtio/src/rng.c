/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng: fills the writable buffers of each request with bytes from getrandom(2).
 * A request is capped (VDEV_VIRTIO_RNG_MAX_REQUEST) so that a guest cannot keep the
 * caller busy with one huge chain.
 */
#include <cvmm/virtio.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#define CHUNK 4096u

struct vdev_virtio_rng {
	struct vdev_virtio_device dev;
};

/* Fills buf from getrandom; returns the bytes obtained (short only on failure). */
static size_t get_random(uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

static int rng_process(void *ctx, uint16_t index, struct vdev_virtq *q)
{
	uint8_t buf[CHUNK];
	struct vdev_virtq_chain c;
	int done = 0, ret;

	(void)ctx;
	(void)index;
	for (;;) {
		ret = vdev_virtq_pop(q, &c);
		if (ret <= 0)
			return ret < 0 ? ret : done;
		uint64_t want = c.write_len < VDEV_VIRTIO_RNG_MAX_REQUEST
		                    ? c.write_len
		                    : VDEV_VIRTIO_RNG_MAX_REQUEST;
		uint32_t written = 0;
		while (written < want) {
			size_t n = want - written < CHUNK ? (size_t)(want - written) : CHUNK;
			size_t got = get_random(buf, n);
			if (got == 0)
				break;
			ssize_t w = vdev_virtq_chain_write(q, &c, written, buf, got);
			if (w < 0)
				return (int)w;
			written += (uint32_t)w;
			if (got < n)
				break;
		}
		ret = vdev_virtq_push(q, c.head, written);
		if (ret < 0)
			return ret;
		if (done < INT32_MAX)
			done++;
	}
}

static int rng_config_read(void *ctx, uint32_t off, uint8_t *data, uint32_t size)
{
	(void)ctx;
	(void)off;
	(void)data;
	(void)size;
	return 0;
}

int vdev_virtio_rng_create(uint16_t queue_size, struct vdev_virtio_rng **out)
{
	struct vdev_virtio_rng *r;

	if (!out)
		return -EINVAL;
	if (queue_size == 0)
		queue_size = 64;
	if (queue_size & (queue_size - 1))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dev = (struct vdev_virtio_device){
	    .device_id = VDEV_VIRTIO_ID_RNG,
	    .num_queues = 1,
	    .queue_max_size = queue_size,
	    .config_size = 0,
	    .ctx = r,
	    .config_read = rng_config_read,
	    .process = rng_process,
	};
	*out = r;
	return 0;
}

void vdev_virtio_rng_destroy(struct vdev_virtio_rng *r)
{
	free(r);
}

const struct vdev_virtio_device *vdev_virtio_rng_device(const struct vdev_virtio_rng *r)
{
	return r ? &r->dev : NULL;
}

/*
 * Saved state, version 1: the queue size (u16), compared on restore. The device holds
 * nothing else: each request is answered whole when the driver makes it available.
 */
#define RNG_STATE_TAG VDEV_STATE_TAG('V', 'R', 'N', 'G')
#define RNG_STATE_VERSION 1u

int vdev_virtio_rng_save(const struct vdev_virtio_rng *r, struct vdev_state_writer *w)
{
	size_t mark;

	if (!r || !w)
		return -EINVAL;
	mark = vdev_state_begin(w, RNG_STATE_TAG, RNG_STATE_VERSION);
	vdev_state_put_u16(w, r->dev.queue_max_size);
	vdev_state_end(w, mark);
	return w->error;
}

int vdev_virtio_rng_restore(struct vdev_virtio_rng *r, struct vdev_state_reader *rd)
{
	struct vdev_state_reader s;
	uint16_t size;

	if (!r || !rd)
		return -EINVAL;
	if (vdev_state_open(rd, RNG_STATE_TAG, RNG_STATE_VERSION, NULL, &s) < 0)
		return rd->error;
	size = vdev_state_get_u16(&s);
	if (size != r->dev.queue_max_size)
		vdev_state_fail(&s, "virtio-rng: saved queue size %u, this device's is %u", size,
		                r->dev.queue_max_size);
	return vdev_state_close(rd, &s);
}
