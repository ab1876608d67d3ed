/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for device state: a saved section as a byte buffer, changed field by field
   to check that restore refuses what it should, with the reason it gives. */
#ifndef CVMM_TESTS_STATE_UTIL_H
#define CVMM_TESTS_STATE_UTIL_H

#include <cvmm/devices.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of a section before its payload: tag, version, length. */
#define ST_HDR 12u

struct st_buf {
	uint8_t *p;
	size_t len;
};

/* Takes the writer's bytes (the writer is left empty). */
static inline struct st_buf st_take(struct vdev_state_writer *w)
{
	struct st_buf b = {w->buf, w->len};
	cr_assert_eq(w->error, 0);
	w->buf = NULL;
	vdev_state_writer_free(w);
	return b;
}

static inline struct st_buf st_copy(struct st_buf b)
{
	struct st_buf c = {malloc(b.len ? b.len : 1), b.len};
	cr_assert_not_null(c.p);
	memcpy(c.p, b.p, b.len);
	return c;
}

/* Stores v (n bytes, little-endian) at offset off of the payload of a copy of b. */
static inline struct st_buf st_patch(struct st_buf b, size_t off, uint64_t v, unsigned int n)
{
	struct st_buf c = st_copy(b);
	cr_assert_leq(ST_HDR + off + n, c.len);
	vdev_le_put(c.p + ST_HDR + off, n, v);
	return c;
}

/* A copy of b whose section carries version v. */
static inline struct st_buf st_version(struct st_buf b, uint32_t v)
{
	struct st_buf c = st_copy(b);
	vdev_le_put(c.p + 4, 4, v);
	return c;
}

/* A copy of b with one byte more in its payload (the section's length grows with it). */
static inline struct st_buf st_longer(struct st_buf b)
{
	struct st_buf c = {malloc(b.len + 1), b.len + 1};
	cr_assert_not_null(c.p);
	memcpy(c.p, b.p, b.len);
	c.p[b.len] = 0;
	vdev_le_put(c.p + 8, 4, vdev_le_get(c.p + 8, 4) + 1);
	return c;
}

/* A copy of b's section with its payload one byte shorter (the length says so too). */
static inline struct st_buf st_shorter(struct st_buf b)
{
	struct st_buf c = st_copy(b);
	c.len--;
	vdev_le_put(c.p + 8, 4, vdev_le_get(c.p + 8, 4) - 1);
	return c;
}

/* Restores b with fn into dev and expects -EINVAL with a reason containing want. Frees b. */
#define ST_REFUSED(fn, dev, b, want)                                                               \
	do {                                                                                       \
		struct st_buf b_ = (b);                                                            \
		struct vdev_state_reader r_;                                                       \
		vdev_state_reader_init(&r_, b_.p, b_.len);                                         \
		cr_expect_eq(fn(dev, &r_), -EINVAL, "restore accepted: expected \"%s\"", want);    \
		cr_expect(strstr(vdev_state_why(&r_), want) != NULL,                               \
		          "why \"%s\", expected \"%s\"", vdev_state_why(&r_), want);               \
		free(b_.p);                                                                        \
	} while (0)

/* The refusals every section shares: truncated, no payload left, a byte too many, another
   tag, version 0, a newer version. b is not freed. */
#define ST_REFUSED_COMMON(fn, dev, b)                                                              \
	do {                                                                                       \
		struct st_buf t_ = st_copy(b);                                                     \
		t_.len--;                                                                          \
		ST_REFUSED(fn, dev, t_, "truncated");                                              \
		ST_REFUSED(fn, dev, st_shorter(b), "truncated");                                   \
		ST_REFUSED(fn, dev, st_longer(b), "1 bytes left unread");                          \
		ST_REFUSED(fn, dev, st_version(b, 0), "state version 0 is not valid");             \
		ST_REFUSED(fn, dev, st_version(b, 7),                                              \
		           "state version 7 is newer than this build's 1");                        \
		struct st_buf g_ = st_copy(b);                                                     \
		g_.p[0] ^= 0x20;                                                                   \
		ST_REFUSED(fn, dev, g_, "expected section");                                       \
		struct vdev_state_reader e_;                                                       \
		vdev_state_reader_init(&e_, b.p, b.len);                                           \
		vdev_state_fail(&e_, "an earlier failure");                                        \
		cr_expect_eq(fn(dev, &e_), -EINVAL, "a failed reader is refused");                 \
		cr_expect_eq(fn(dev, NULL), -EINVAL);                                              \
	} while (0)

#endif
