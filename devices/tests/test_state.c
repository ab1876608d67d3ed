/* SPDX-License-Identifier: Apache-2.0 */
/* The device state encoding: integers, sections, sticky errors and their reasons. */
#include <cvmm/devices.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#define TAG_A VDEV_STATE_TAG('T', 'S', 'T', 'A')
#define TAG_B VDEV_STATE_TAG('T', 'S', 'T', 'B')

Test(state, integers_are_little_endian)
{
	struct vdev_state_writer w;
	static const uint8_t want[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x01, 0x02,
	                               0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 'x',  'y'};

	vdev_state_writer_init(&w);
	vdev_state_put_u8(&w, 0x11);
	vdev_state_put_u16(&w, 0x3322);
	vdev_state_put_u32(&w, 0x77665544);
	vdev_state_put_u64(&w, 0x0807060504030201ull);
	vdev_state_put_bytes(&w, "xy", 2);
	cr_assert_eq(w.error, 0);
	cr_assert_eq(w.len, sizeof(want));
	cr_assert_arr_eq(w.buf, want, sizeof(want));

	struct vdev_state_reader r;
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_expect_eq(vdev_state_get_u8(&r), 0x11);
	cr_expect_eq(vdev_state_get_u16(&r), 0x3322);
	cr_expect_eq(vdev_state_get_u32(&r), 0x77665544u);
	cr_expect_eq(vdev_state_get_u64(&r), 0x0807060504030201ull);
	char xy[2];
	vdev_state_get_bytes(&r, xy, 2);
	cr_expect(memcmp(xy, "xy", 2) == 0);
	cr_expect_eq(r.error, 0);
	cr_expect_str_empty(vdev_state_why(&r));
	cr_expect_eq(vdev_state_remaining(&r), 0);
	vdev_state_writer_free(&w);
	cr_expect_null(w.buf);
	cr_expect_eq(w.len, 0);
}

Test(state, writer_grows)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	for (uint32_t i = 0; i < 10000; i++)
		vdev_state_put_u32(&w, i);
	cr_assert_eq(w.error, 0);
	cr_assert_eq(w.len, 40000);
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, w.buf, w.len);
	for (uint32_t i = 0; i < 10000; i++)
		cr_assert_eq(vdev_state_get_u32(&r), i);
	vdev_state_writer_free(&w);
}

Test(state, truncation_is_sticky)
{
	static const uint8_t buf[3] = {1, 2, 3};
	struct vdev_state_reader r;

	vdev_state_reader_init(&r, buf, sizeof(buf));
	cr_expect_eq(vdev_state_get_u16(&r), 0x0201);
	cr_expect_eq(vdev_state_get_u16(&r), 0, "past the end reads 0");
	cr_expect_eq(r.error, -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "truncated");
	cr_expect_eq(vdev_state_get_u8(&r), 0, "sticky: the byte left is not read");
	cr_expect_eq(r.pos, 2);
	uint8_t b[4] = {9, 9, 9, 9};
	vdev_state_get_bytes(&r, b, 4);
	cr_expect(b[0] == 0 && b[3] == 0, "bytes not there read as zeros");
	vdev_state_fail(&r, "later %d", 1);
	cr_expect_str_eq(vdev_state_why(&r), "truncated", "the first reason wins");
}

Test(state, fail_formats_reason)
{
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, NULL, 0);
	cr_expect_str_empty(vdev_state_why(&r));
	vdev_state_fail(&r, "uart: LSR %#x has reserved bits", 0x80);
	cr_expect_eq(r.error, -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "uart: LSR 0x80 has reserved bits");
	cr_expect_str_empty(vdev_state_why(NULL));
}

/* Writes section A (version va) holding a u32 and a nested section B holding a u16. */
static void write_nested(struct vdev_state_writer *w, uint32_t va)
{
	size_t a, b;

	vdev_state_writer_init(w);
	a = vdev_state_begin(w, TAG_A, va);
	vdev_state_put_u32(w, 0xdeadbeef);
	b = vdev_state_begin(w, TAG_B, 1);
	vdev_state_put_u16(w, 0x1234);
	vdev_state_end(w, b);
	vdev_state_end(w, a);
	cr_assert_eq(w->error, 0);
}

Test(state, sections_nest)
{
	struct vdev_state_writer w;
	struct vdev_state_reader r, a, b;
	uint32_t v = 0;

	write_nested(&w, 3);
	cr_assert_eq(w.len, 12 + 4 + 12 + 2);
	cr_expect_eq(vdev_le_get(w.buf, 4), TAG_A);
	cr_expect_eq(vdev_le_get(w.buf + 4, 4), 3);
	cr_expect_eq(vdev_le_get(w.buf + 8, 4), 4 + 12 + 2, "length of A's payload");
	cr_expect_eq(vdev_le_get(w.buf + 24, 4), 2, "length of B's payload");

	vdev_state_reader_init(&r, w.buf, w.len);
	cr_assert_eq(vdev_state_open(&r, TAG_A, 3, &v, &a), 0);
	cr_expect_eq(v, 3);
	cr_expect_eq(vdev_state_remaining(&r), 0, "the parent moved past the section");
	cr_expect_eq(vdev_state_get_u32(&a), 0xdeadbeef);
	cr_assert_eq(vdev_state_open(&a, TAG_B, 1, NULL, &b), 0);
	cr_expect_eq(vdev_state_get_u16(&b), 0x1234);
	cr_expect_eq(vdev_state_close(&a, &b), 0);
	cr_expect_eq(vdev_state_close(&r, &a), 0);
	cr_expect_eq(r.error, 0);
	vdev_state_writer_free(&w);
}

Test(state, open_refusals)
{
	struct vdev_state_writer w;
	struct vdev_state_reader r, a;

	write_nested(&w, 2);
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_expect_eq(vdev_state_open(&r, TAG_B, 5, NULL, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "expected section TSTB, found TSTA");

	vdev_state_reader_init(&r, w.buf, w.len);
	cr_expect_eq(vdev_state_open(&r, TAG_A, 1, NULL, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "TSTA: state version 2 is newer than this build's 1");

	vdev_state_reader_init(&r, w.buf, 11);
	cr_expect_eq(vdev_state_open(&r, TAG_A, 5, NULL, &a), -EINVAL);
	cr_expect(strstr(vdev_state_why(&r), "truncated"), "%s", vdev_state_why(&r));

	vdev_state_reader_init(&r, w.buf, w.len - 1);
	cr_expect_eq(vdev_state_open(&r, TAG_A, 5, NULL, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "TSTA: truncated: section of 18 bytes, 17 left");

	w.buf[4] = 0; /* version 0 */
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_expect_eq(vdev_state_open(&r, TAG_A, 5, NULL, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "TSTA: state version 0 is not valid");

	w.buf[0] = 0x01; /* a tag that is not text */
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_expect_eq(vdev_state_open(&r, TAG_A, 5, NULL, &a), -EINVAL);
	cr_expect(strstr(vdev_state_why(&r), "found 0x"), "%s", vdev_state_why(&r));

	/* A reader that failed opens nothing. */
	vdev_state_reader_init(&r, w.buf, w.len);
	vdev_state_fail(&r, "earlier");
	cr_expect_eq(vdev_state_open(&r, TAG_A, 5, NULL, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "earlier");
	vdev_state_writer_free(&w);
}

Test(state, close_needs_payload_read_exactly)
{
	struct vdev_state_writer w;
	struct vdev_state_reader r, a;

	write_nested(&w, 1);
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_assert_eq(vdev_state_open(&r, TAG_A, 1, NULL, &a), 0);
	vdev_state_get_u32(&a);
	cr_expect_eq(vdev_state_close(&r, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r),
	                 "TSTA: 14 bytes left unread at the end of the section");

	/* Reading past the payload fails inside the section, even with bytes after it. */
	uint8_t two[64];
	memcpy(two, w.buf, w.len);
	memcpy(two + w.len, w.buf, w.len);
	vdev_state_reader_init(&r, two, 2 * w.len);
	cr_assert_eq(vdev_state_open(&r, TAG_A, 1, NULL, &a), 0);
	for (int i = 0; i < 5; i++)
		vdev_state_get_u32(&a);
	cr_expect_eq(vdev_state_close(&r, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "TSTA: truncated");

	/* A section's own failure becomes the parent's. */
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_assert_eq(vdev_state_open(&r, TAG_A, 1, NULL, &a), 0);
	vdev_state_fail(&a, "device: field %u is bad", 7u);
	cr_expect_eq(vdev_state_close(&r, &a), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "device: field 7 is bad");
	vdev_state_writer_free(&w);
}

Test(state, end_with_bad_mark)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	vdev_state_put_u8(&w, 1);
	vdev_state_end(&w, 5);
	cr_expect_eq(w.error, -EINVAL);
	vdev_state_put_u8(&w, 2);
	cr_expect_eq(w.len, 1, "sticky: nothing written after the error");
	vdev_state_writer_free(&w);
	vdev_state_writer_free(NULL);
	vdev_state_put_u8(NULL, 1);
}
