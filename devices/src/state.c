/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device state encoding: little-endian integers and sections (tag, version, payload
 * length), written into a growing buffer and read back with bounds checks and sticky
 * errors. See <cvmm/devices.h>.
 */
#include <cvmm/devices.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTION_HEADER 12u /* tag, version, length: three u32 */

void vdev_state_writer_init(struct vdev_state_writer *w)
{
	if (w)
		*w = (struct vdev_state_writer){0};
}

void vdev_state_writer_free(struct vdev_state_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	*w = (struct vdev_state_writer){0};
}

/* Room for n more bytes; false (and the error recorded) when there is none. */
static bool reserve(struct vdev_state_writer *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (w->error)
		return false;
	if (n <= w->cap - w->len)
		return true;
	if (n > SIZE_MAX / 2 - w->len) {
		w->error = -ENOMEM;
		return false;
	}
	cap = w->cap ? w->cap : 256;
	while (cap - w->len < n)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		w->error = -ENOMEM;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

static void put_le(struct vdev_state_writer *w, uint64_t v, unsigned int n)
{
	if (!w || !reserve(w, n))
		return;
	vdev_le_put(w->buf + w->len, n, v);
	w->len += n;
}

void vdev_state_put_u8(struct vdev_state_writer *w, uint8_t v)
{
	put_le(w, v, 1);
}

void vdev_state_put_u16(struct vdev_state_writer *w, uint16_t v)
{
	put_le(w, v, 2);
}

void vdev_state_put_u32(struct vdev_state_writer *w, uint32_t v)
{
	put_le(w, v, 4);
}

void vdev_state_put_u64(struct vdev_state_writer *w, uint64_t v)
{
	put_le(w, v, 8);
}

void vdev_state_put_bytes(struct vdev_state_writer *w, const void *p, size_t n)
{
	if (!w || n == 0)
		return;
	if (!p) {
		if (!w->error)
			w->error = -EINVAL;
		return;
	}
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

size_t vdev_state_begin(struct vdev_state_writer *w, uint32_t tag, uint32_t version)
{
	size_t mark;

	if (!w)
		return 0;
	vdev_state_put_u32(w, tag);
	vdev_state_put_u32(w, version);
	mark = w->len;
	vdev_state_put_u32(w, 0); /* the payload's length, patched by vdev_state_end() */
	return mark;
}

void vdev_state_end(struct vdev_state_writer *w, size_t mark)
{
	size_t payload;

	if (!w || w->error)
		return;
	if (mark > w->len || w->len - mark < 4) {
		w->error = -EINVAL;
		return;
	}
	payload = w->len - mark - 4;
	if (payload > UINT32_MAX) {
		w->error = -EOVERFLOW;
		return;
	}
	vdev_le_put(w->buf + mark, 4, payload);
}

void vdev_state_reader_init(struct vdev_state_reader *r, const void *buf, size_t len)
{
	if (!r)
		return;
	*r = (struct vdev_state_reader){.buf = buf, .len = buf ? len : 0};
}

void vdev_state_fail(struct vdev_state_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (!r || r->error)
		return;
	r->error = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

const char *vdev_state_why(const struct vdev_state_reader *r)
{
	if (!r || !r->error)
		return "";
	return r->why;
}

size_t vdev_state_remaining(const struct vdev_state_reader *r)
{
	if (!r || r->pos > r->len)
		return 0;
	return r->len - r->pos;
}

/* A tag as text: its four characters, or hex when one is not printable. */
static void tag_text(uint32_t tag, char out[12])
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(tag >> (8 * i));
		if (c < 0x20 || c > 0x7e) {
			snprintf(out, 12, "%#x", tag);
			return;
		}
		out[i] = (char)c;
	}
	out[4] = '\0';
}

/* The next n bytes, or NULL (and the reader failed) when they are not all there. */
static const uint8_t *take(struct vdev_state_reader *r, size_t n)
{
	const uint8_t *p;

	if (!r || r->error)
		return NULL;
	if (vdev_state_remaining(r) < n) {
		char name[12];
		if (r->tag) {
			tag_text(r->tag, name);
			vdev_state_fail(r, "%s: truncated", name);
		} else {
			vdev_state_fail(r, "truncated");
		}
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

static uint64_t get_le(struct vdev_state_reader *r, unsigned int n)
{
	const uint8_t *p = take(r, n);

	return p ? vdev_le_get(p, n) : 0;
}

uint8_t vdev_state_get_u8(struct vdev_state_reader *r)
{
	return (uint8_t)get_le(r, 1);
}

uint16_t vdev_state_get_u16(struct vdev_state_reader *r)
{
	return (uint16_t)get_le(r, 2);
}

uint32_t vdev_state_get_u32(struct vdev_state_reader *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t vdev_state_get_u64(struct vdev_state_reader *r)
{
	return get_le(r, 8);
}

void vdev_state_get_bytes(struct vdev_state_reader *r, void *p, size_t n)
{
	const uint8_t *src;

	if (!p || n == 0)
		return;
	src = take(r, n);
	if (src)
		memcpy(p, src, n);
	else
		memset(p, 0, n);
}

int vdev_state_open(struct vdev_state_reader *r, uint32_t tag, uint32_t max_version,
                    uint32_t *version, struct vdev_state_reader *sub)
{
	char want[12], found[12];
	uint32_t t, v, n;

	if (sub)
		*sub = (struct vdev_state_reader){0};
	if (!r)
		return -EINVAL;
	if (r->error)
		return r->error;
	if (!sub) {
		vdev_state_fail(r, "vdev_state_open: no section reader");
		return r->error;
	}
	tag_text(tag, want);
	if (vdev_state_remaining(r) < SECTION_HEADER) {
		vdev_state_fail(r, "truncated: %zu bytes left where section %s starts",
		                vdev_state_remaining(r), want);
		return r->error;
	}
	t = vdev_state_get_u32(r);
	v = vdev_state_get_u32(r);
	n = vdev_state_get_u32(r);
	if (t != tag) {
		tag_text(t, found);
		vdev_state_fail(r, "expected section %s, found %s", want, found);
		return r->error;
	}
	if (v == 0) {
		vdev_state_fail(r, "%s: state version 0 is not valid", want);
		return r->error;
	}
	if (v > max_version) {
		vdev_state_fail(r, "%s: state version %u is newer than this build's %u", want, v,
		                max_version);
		return r->error;
	}
	if (n > vdev_state_remaining(r)) {
		vdev_state_fail(r, "%s: truncated: section of %u bytes, %zu left", want, n,
		                vdev_state_remaining(r));
		return r->error;
	}
	sub->buf = r->buf + r->pos;
	sub->len = n;
	sub->tag = tag;
	r->pos += n;
	if (version)
		*version = v;
	return 0;
}

int vdev_state_close(struct vdev_state_reader *r, struct vdev_state_reader *sub)
{
	if (!r)
		return -EINVAL;
	if (!sub) {
		vdev_state_fail(r, "vdev_state_close: no section reader");
		return r->error;
	}
	if (!r->error && sub->error) {
		r->error = sub->error;
		memcpy(r->why, sub->why, sizeof(r->why));
	}
	if (!r->error && sub->pos != sub->len) {
		char name[12];
		tag_text(sub->tag, name);
		vdev_state_fail(r, "%s: %zu bytes left unread at the end of the section", name,
		                vdev_state_remaining(sub));
	}
	return r->error;
}
