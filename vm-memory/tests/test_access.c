/* SPDX-License-Identifier: Apache-2.0 */
/* Checked access: every boundary (zero length, last byte, one past the end, address plus
   length overflow, ranges spanning touching regions, ranges crossing a gap), typed
   little-endian access, volatile copies, fill and slices. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

/* [0, 4P) and [4P, 8P) touch; a gap [8P, 16P); then [16P, 20P). */
static struct vmem_map *m;
#define P PG

static void setup(void)
{
	const uint64_t regs[][2] = {{0, 4 * P}, {4 * P, 4 * P}, {16 * P, 4 * P}};
	m = map_with(0, 3, regs);
}

static void teardown(void)
{
	vmem_map_destroy(m);
}

TestSuite(access, .init = setup, .fini = teardown);

Test(access, zero_length_succeeds_anywhere)
{
	char b = 'x';
	const uint64_t addrs[] = {0, 8 * P, 20 * P, UINT64_MAX, 4 * P - 1};
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		cr_assert_eq(vmem_read(m, addrs[i], &b, 0), 0);
		cr_assert_eq(vmem_write(m, addrs[i], &b, 0), 0);
		cr_assert_eq(vmem_read_volatile(m, addrs[i], &b, 0), 0);
		cr_assert_eq(vmem_write_volatile(m, addrs[i], &b, 0), 0);
		cr_assert_eq(vmem_fill(m, addrs[i], 0, 0), 0);
		cr_assert_eq(vmem_check_range(m, addrs[i], 0, true), 0);
		cr_assert_eq(vmem_dirty_mark(m, addrs[i], 0), 0);
		struct vmem_slice s;
		cr_assert_eq(vmem_slice(m, addrs[i], 0, VMEM_ACCESS_WRITE, &s), 0);
		cr_assert_null(s.host);
		cr_assert_eq(s.len, 0);
	}
	cr_assert_eq(b, 'x');
}

Test(access, first_and_last_byte)
{
	cr_assert_eq(vmem_write_u8(m, 0, 1), 0);
	cr_assert_eq(vmem_write_u8(m, 8 * P - 1, 2), 0);
	cr_assert_eq(vmem_write_u8(m, 16 * P, 3), 0);
	cr_assert_eq(vmem_write_u8(m, 20 * P - 1, 4), 0);
	uint8_t v;
	cr_assert_eq(vmem_read_u8(m, 20 * P - 1, &v), 0);
	cr_assert_eq(v, 4);
	char buf[8] = "abcdefgh";
	cr_assert_eq(vmem_write(m, 20 * P - 8, buf, 8), 0, "range ending on the last byte");
	char out[8];
	cr_assert_eq(vmem_read(m, 20 * P - 8, out, 8), 0);
	cr_assert_eq(memcmp(buf, out, 8), 0);
}

Test(access, one_past_the_end)
{
	char buf[8] = {0};
	uint8_t v;
	cr_assert_eq(vmem_read_u8(m, 8 * P, &v), -EFAULT);
	cr_assert_eq(vmem_read_u8(m, 20 * P, &v), -EFAULT);
	cr_assert_eq(vmem_write_u8(m, 20 * P, 1), -EFAULT);
	cr_assert_eq(vmem_read(m, 20 * P - 7, buf, 8), -EFAULT, "last byte one past the end");
	cr_assert_eq(vmem_write(m, 20 * P - 7, buf, 8), -EFAULT);
	cr_assert_eq(vmem_write_u64_le(m, 20 * P - 7, 1), -EFAULT);
	cr_assert_eq(vmem_read(m, 16 * P - 1, buf, 2), -EFAULT, "starts one before a region");
	cr_assert_eq(vmem_check_range(m, 20 * P - 7, 8, false), -EFAULT);
	cr_assert_null(vmem_translate(m, 20 * P - 7, 8));
	cr_assert_not_null(vmem_translate(m, 20 * P - 8, 8));
	struct vmem_slice s;
	cr_assert_eq(vmem_slice(m, 20 * P - 7, 8, VMEM_ACCESS_READ, &s), -EFAULT);
	cr_assert_eq(vmem_slice(m, 20 * P - 8, 8, VMEM_ACCESS_READ, &s), 0);
}

Test(access, failed_write_touches_nothing)
{
	char buf[64];
	memset(buf, 0x77, sizeof(buf));
	cr_assert_eq(vmem_write(m, 20 * P - 32, buf, 64), -EFAULT);
	cr_assert_eq(vmem_write(m, 8 * P - 32, buf, 64), -EFAULT, "across the gap");
	cr_assert_eq(vmem_fill(m, 8 * P - 32, 0x77, 64), -EFAULT);
	cr_assert_eq(vmem_write_volatile(m, 8 * P - 32, buf, 64), -EFAULT);
	uint8_t out[32];
	const uint64_t at[] = {20 * P - 32, 8 * P - 32};
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(vmem_read(m, at[k], out, 32), 0);
		for (int i = 0; i < 32; i++)
			cr_assert_eq(out[i], 0);
	}
}

Test(access, address_plus_length_overflow)
{
	/* A region at the very top: [2^64 - 4P, 2^64). */
	cr_assert_eq(vmem_map_add_anon(m, 0 - 4 * P, 4 * P, 0), 0);
	char buf[16] = {0};
	cr_assert_eq(vmem_write_u8(m, UINT64_MAX, 9), 0, "the last byte of the address space");
	uint8_t v;
	cr_assert_eq(vmem_read_u8(m, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 9);
	cr_assert_eq(vmem_read(m, UINT64_MAX - 15, buf, 16), 0, "ends exactly at 2^64");
	cr_assert_eq(buf[15], 9);
	cr_assert_eq(vmem_read(m, UINT64_MAX, buf, 2), -EOVERFLOW);
	cr_assert_eq(vmem_write(m, UINT64_MAX - 14, buf, 16), -EOVERFLOW);
	cr_assert_eq(vmem_read_u16_le(m, UINT64_MAX, &(uint16_t){0}), -EOVERFLOW);
	cr_assert_eq(vmem_write_u64_le(m, UINT64_MAX - 3, 0), -EOVERFLOW);
	cr_assert_eq(vmem_read(m, 0x10, buf, SIZE_MAX), -EOVERFLOW, "wraps to a mapped address");
	cr_assert_eq(vmem_read(m, 1, buf, SIZE_MAX), -EFAULT,
	             "[1, 2^64) does not wrap, but crosses gaps");
	cr_assert_eq(vmem_read(m, 0, buf, SIZE_MAX), -EFAULT, "[0, 2^64 - 1): gaps");
	cr_assert_eq(vmem_check_range(m, UINT64_MAX, 2, false), -EOVERFLOW);
	cr_assert_eq(vmem_fill(m, UINT64_MAX, 0, 2), -EOVERFLOW);
	cr_assert_eq(vmem_dirty_mark(m, UINT64_MAX, 2), -EOVERFLOW);
	struct vmem_slice s;
	cr_assert_eq(vmem_slice(m, UINT64_MAX, 2, VMEM_ACCESS_READ, &s), -EOVERFLOW);
	cr_assert_eq(vmem_slice(m, UINT64_MAX, 1, VMEM_ACCESS_READ, &s), 0);
	cr_assert_null(vmem_translate(m, UINT64_MAX, 2));
	cr_assert_eq(vmem_map_end(m), 0, "the top region ends at 2^64");
	cr_assert_eq(vmem_read_from_fd(m, UINT64_MAX, 0, 0, 2), -EOVERFLOW);
	/* The low regions were not touched by a wrap. */
	cr_assert_eq(vmem_read_u8(m, 0, &v), 0);
	cr_assert_eq(v, 0);
}

Test(access, ranges_spanning_touching_regions)
{
	size_t n = 3 * P;
	uint8_t *in = malloc(n), *out = malloc(n);
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)(i * 31 + 7);
	uint64_t g = 4 * P - P - 5; /* [3P - 5, 6P - 5): crosses 4P */
	cr_assert_eq(vmem_check_range(m, g, n, true), 0);
	cr_assert_eq(vmem_write(m, g, in, n), 0);
	cr_assert_eq(vmem_read(m, g, out, n), 0);
	cr_assert_eq(memcmp(in, out, n), 0);
	/* Each side landed in its own region. */
	uint8_t *a = vmem_translate(m, g, 1), *b = vmem_translate(m, 4 * P, 1);
	cr_assert_eq(memcmp(a, in, P + 5), 0);
	cr_assert_eq(memcmp(b, in + P + 5, n - P - 5), 0);
	/* volatile copies across the boundary too */
	memset(out, 0, n);
	cr_assert_eq(vmem_read_volatile(m, g, out, n), 0);
	cr_assert_eq(memcmp(in, out, n), 0);
	cr_assert_eq(vmem_write_volatile(m, g + 1, in, n - 1), 0);
	cr_assert_eq(vmem_read(m, g + 1, out, n - 1), 0);
	cr_assert_eq(memcmp(in, out, n - 1), 0);
	/* a typed value straddling the boundary */
	cr_assert_eq(vmem_write_u64_le(m, 4 * P - 3, 0x1122334455667788ull), 0);
	uint64_t v;
	cr_assert_eq(vmem_read_u64_le(m, 4 * P - 3, &v), 0);
	cr_assert_eq(v, 0x1122334455667788ull);
	cr_assert_eq(((uint8_t *)b)[0], 0x55);
	/* the whole of both regions at once */
	cr_assert_eq(vmem_fill(m, 0, 0xee, 8 * P), 0);
	cr_assert_eq(vmem_check_range(m, 0, 8 * P, true), 0);
	cr_assert_eq(vmem_check_range(m, 0, 8 * P + 1, true), -EFAULT);
	/* slices never span */
	struct vmem_slice s;
	cr_assert_eq(vmem_slice(m, 4 * P - 1, 2, VMEM_ACCESS_READ, &s), -EFAULT);
	cr_assert_null(vmem_translate(m, 4 * P - 1, 2));
	free(in);
	free(out);
}

Test(access, ranges_crossing_a_gap)
{
	char buf[32] = {0};
	cr_assert_eq(vmem_read(m, 8 * P - 16, buf, 32), -EFAULT);
	cr_assert_eq(vmem_write(m, 8 * P - 16, buf, 32), -EFAULT);
	cr_assert_eq(vmem_read(m, 0, buf, 32), 0);
	cr_assert_eq(vmem_check_range(m, 0, 20 * P, false), -EFAULT, "all three regions");
	cr_assert_eq(vmem_read(m, 12 * P, buf, 1), -EFAULT, "inside the gap");
	cr_assert_eq(vmem_read(m, 16 * P - 16, buf, 32), -EFAULT, "ends past the gap");
	cr_assert_eq(vmem_write_u32_le(m, 8 * P - 2, 1), -EFAULT);
}

Test(access, typed_values_are_little_endian)
{
	cr_assert_eq(vmem_write_u16_le(m, 0x100, 0xbeef), 0);
	cr_assert_eq(vmem_write_u32_le(m, 0x201, 0xdeadbeef), 0);
	cr_assert_eq(vmem_write_u64_le(m, 0x303, 0x0102030405060708ull), 0);
	cr_assert_eq(vmem_write_u8(m, 0x400, 0xab), 0);
	uint8_t raw[8];
	cr_assert_eq(vmem_read(m, 0x100, raw, 2), 0);
	cr_assert_eq(raw[0], 0xef);
	cr_assert_eq(raw[1], 0xbe);
	cr_assert_eq(vmem_read(m, 0x201, raw, 4), 0);
	cr_assert_eq(raw[0], 0xef);
	cr_assert_eq(raw[3], 0xde);
	cr_assert_eq(vmem_read(m, 0x303, raw, 8), 0);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(raw[i], 8 - i);
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	cr_assert_eq(vmem_read_u8(m, 0x400, &v8), 0);
	cr_assert_eq(vmem_read_u16_le(m, 0x100, &v16), 0);
	cr_assert_eq(vmem_read_u32_le(m, 0x201, &v32), 0);
	cr_assert_eq(vmem_read_u64_le(m, 0x303, &v64), 0);
	cr_assert_eq(v8, 0xab);
	cr_assert_eq(v16, 0xbeef);
	cr_assert_eq(v32, 0xdeadbeef);
	cr_assert_eq(v64, 0x0102030405060708ull);
	cr_assert_eq(vmem_ld_le16(raw), 0x0708);
	cr_assert_eq(vmem_ld_le32(raw), 0x05060708);
	cr_assert_eq(vmem_ld_le64(raw), 0x0102030405060708ull);
	vmem_st_le32(raw + 1, 0xa1b2c3d4);
	cr_assert_eq(raw[1], 0xd4);
	cr_assert_eq(raw[4], 0xa1);
	vmem_st_le16(raw, 0x1234);
	cr_assert_eq(raw[0], 0x34);
	vmem_st_le64(raw, 1);
	cr_assert_eq(raw[0], 1);
	cr_assert_eq(vmem_read_u32_le(m, 0x100, NULL), -EINVAL);
}

Test(access, volatile_copies_all_alignments_and_lengths)
{
	uint8_t in[80], out[80];
	for (int i = 0; i < 80; i++)
		in[i] = (uint8_t)(i + 1);
	for (unsigned off = 0; off < 9; off++) {
		for (unsigned len = 0; len < 40; len++) {
			uint64_t g = 0x1000 + off;
			cr_assert_eq(vmem_fill(m, 0x1000, 0, 64), 0);
			cr_assert_eq(vmem_write_volatile(m, g, in, len), 0);
			memset(out, 0xff, sizeof(out));
			cr_assert_eq(vmem_read(m, 0x1000, out, 64), 0);
			for (unsigned i = 0; i < 64; i++) {
				uint8_t want = (i >= off && i < off + len) ? in[i - off] : 0;
				cr_assert_eq(out[i], want, "off %u len %u byte %u", off, len, i);
			}
			memset(out, 0xff, sizeof(out));
			cr_assert_eq(vmem_read_volatile(m, g, out, len), 0);
			cr_assert_eq(memcmp(out, in, len), 0);
			cr_assert_eq(out[len], 0xff);
		}
	}
}

Test(access, fill)
{
	cr_assert_eq(vmem_fill(m, 4 * P - 10, 0x5a, 20), 0);
	uint8_t out[22];
	cr_assert_eq(vmem_read(m, 4 * P - 11, out, 22), 0);
	cr_assert_eq(out[0], 0);
	for (int i = 1; i < 21; i++)
		cr_assert_eq(out[i], 0x5a);
	cr_assert_eq(out[21], 0);
}

Test(access, slices)
{
	struct vmem_slice s, t;
	cr_assert_eq(vmem_slice(m, 16 * P + 100, 2 * P, VMEM_ACCESS_READ | VMEM_ACCESS_WRITE, &s),
	             0);
	cr_assert_eq(s.len, 2 * P);
	cr_assert_eq(s.gpa, 16 * P + 100);
	cr_assert_eq(s.region, vmem_map_find(m, 16 * P));
	cr_assert_eq(s.host, (uint8_t *)vmem_region_host(s.region) + 100);
	cr_assert_eq(s.host, vmem_translate(m, 16 * P + 100, 2 * P));
	cr_assert_eq(vmem_slice(m, 16 * P, 4 * P, VMEM_ACCESS_READ, &t), 0, "whole region");
	cr_assert_eq(vmem_slice(m, 16 * P, 4 * P + 1, VMEM_ACCESS_READ, &t), -EFAULT);
	cr_assert_eq(vmem_slice(m, 12 * P, 1, VMEM_ACCESS_READ, &t), -EFAULT);
	cr_assert_eq(vmem_slice(m, 0, 1, 4, &t), -EINVAL);

	cr_assert_eq(vmem_slice_write(&s, 10, "slice", 5), 0);
	char b[5];
	cr_assert_eq(vmem_read(m, 16 * P + 110, b, 5), 0);
	cr_assert_eq(memcmp(b, "slice", 5), 0);
	cr_assert_eq(vmem_slice_read(&s, 10, b, 5), 0);
	cr_assert_eq(vmem_slice_read(&s, 2 * P - 5, b, 5), 0, "last bytes");
	cr_assert_eq(vmem_slice_read(&s, 2 * P - 4, b, 5), -EFAULT, "one past");
	cr_assert_eq(vmem_slice_write(&s, 2 * P - 4, b, 5), -EFAULT);
	cr_assert_eq(vmem_slice_read(&s, SIZE_MAX, b, 2), -EOVERFLOW);
	cr_assert_eq(vmem_slice_read(&s, 2 * P, b, 0), 0, "zero length at the end");

	cr_assert_eq(vmem_slice_sub(&s, 10, 5, &t), 0);
	cr_assert_eq(t.gpa, 16 * P + 110);
	cr_assert_eq(t.len, 5);
	cr_assert_eq(memcmp(t.host, "slice", 5), 0);
	cr_assert_eq(vmem_slice_sub(&s, 2 * P - 1, 2, &t), -EFAULT);
	cr_assert_eq(vmem_slice_sub(&s, SIZE_MAX, 2, &t), -EOVERFLOW);
	cr_assert_eq(vmem_slice_sub(&s, 2 * P, 0, &t), 0);
	cr_assert_eq(t.len, 0);
	cr_assert_null(t.host);
}

Test(access, null_map)
{
	char b;
	cr_assert_eq(vmem_read(NULL, 0, &b, 1), -EINVAL);
	cr_assert_eq(vmem_write(NULL, 0, &b, 1), -EINVAL);
	cr_assert_eq(vmem_read_u8(NULL, 0, (uint8_t *)&b), -EINVAL);
	cr_assert_eq(vmem_write_u8(NULL, 0, 0), -EINVAL);
	cr_assert_null(vmem_translate(NULL, 0, 1));
	cr_assert_eq(vmem_check_range(NULL, 0, 1, false), -EINVAL);
}
