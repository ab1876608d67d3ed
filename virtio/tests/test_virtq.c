/* SPDX-License-Identifier: Apache-2.0 */
/* Split virtqueue: chains built by hand in guest memory, well-formed and malformed. */
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>

#define INDIRECT_F (1ull << VDEV_VIRTIO_F_INDIRECT_DESC)

static struct vmem_map *mem;
static struct vdev_virtq *q;
static struct tq t;

static void setup_features(uint16_t size, uint64_t features)
{
	mem = t_mem_create();
	cr_assert_not_null(mem);
	cr_assert_eq(vdev_virtq_create(mem, 256, &q), 0);
	tq_init(&t, mem, size);
	struct vdev_virtq_layout l = tq_layout(&t);
	cr_assert_eq(vdev_virtq_enable(q, &l, features), 0);
}

static void setup(void)
{
	setup_features(16, INDIRECT_F);
}

static void teardown(void)
{
	vdev_virtq_destroy(q);
	vmem_map_destroy(mem);
}

TestSuite(virtq, .init = setup, .fini = teardown);

Test(virtq, create_arguments)
{
	struct vdev_virtq *x = NULL;
	cr_expect_eq(vdev_virtq_create(NULL, 16, &x), -EINVAL);
	cr_expect_eq(vdev_virtq_create(mem, 0, &x), -EINVAL);
	cr_expect_eq(vdev_virtq_create(mem, 16, NULL), -EINVAL);
	cr_expect_eq(vdev_virtq_create(mem, 32768, &x), 0);
	vdev_virtq_destroy(x);
	vdev_virtq_destroy(NULL);
}

Test(virtq, empty_ring_pops_nothing)
{
	struct vdev_virtq_chain c;
	cr_expect_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(vdev_virtq_size(q), 16);
	cr_expect(vdev_virtq_enabled(q));
}

Test(virtq, chain_read_write_push)
{
	struct vdev_virtq_chain c;
	uint8_t out[8] = "request";
	uint8_t in[12];

	vmem_write(mem, T_BUF, out, 3);
	vmem_write(mem, T_BUF + 0x100, out + 3, 5);
	tq_desc(&t, 3, T_BUF, 3, VDEV_VIRTQ_DESC_F_NEXT, 7);
	tq_desc(&t, 7, T_BUF + 0x100, 5, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, T_BUF + 0x200, 4, VDEV_VIRTQ_DESC_F_WRITE | VDEV_VIRTQ_DESC_F_NEXT, 2);
	tq_desc(&t, 2, T_BUF + 0x300, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 3);

	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(c.head, 3);
	cr_expect_eq(c.nsegs, 4);
	cr_expect_eq(c.nreadable, 2);
	cr_expect_eq(c.read_len, 8);
	cr_expect_eq(c.write_len, 12);
	cr_expect_eq(c.segs[1].gpa, T_BUF + 0x100);
	cr_expect(c.segs[2].write);

	cr_expect_eq(vdev_virtq_chain_read(q, &c, 0, in, sizeof(in)), 8);
	cr_expect_arr_eq(in, out, 8);
	cr_expect_eq(vdev_virtq_chain_read(q, &c, 2, in, 3), 3);
	cr_expect_arr_eq(in, "que", 3);
	cr_expect_eq(vdev_virtq_chain_read(q, &c, 8, in, 3), 0);

	/* A write that spans both writable buffers. */
	cr_expect_eq(vdev_virtq_chain_write(q, &c, 2, "ABCDEFGHIJKLMN", 14), 10);
	uint8_t got[8];
	vmem_read(mem, T_BUF + 0x200, got, 4);
	cr_expect_arr_eq(got + 2, "AB", 2);
	vmem_read(mem, T_BUF + 0x300, got, 8);
	cr_expect_arr_eq(got, "CDEFGHIJ", 8);

	struct vmem_range r[4];
	cr_expect_eq(vdev_virtq_chain_ranges(&c, true, 1, 6, r, 4), 2);
	cr_expect_eq(r[0].gpa, T_BUF + 0x201);
	cr_expect_eq(r[0].len, 3);
	cr_expect_eq(r[1].gpa, T_BUF + 0x300);
	cr_expect_eq(r[1].len, 3);
	cr_expect_eq(vdev_virtq_chain_ranges(&c, true, 1, 12, r, 4), -ERANGE);
	cr_expect_eq(vdev_virtq_chain_ranges(&c, false, 0, 8, r, 1), -ENOSPC);

	cr_expect_eq(vdev_virtq_push(q, c.head, 12), 0);
	uint32_t id, len;
	cr_expect_eq(tq_used_idx(&t), 1);
	tq_used_elem(&t, 0, &id, &len);
	cr_expect_eq(id, 3);
	cr_expect_eq(len, 12);
	cr_expect(vdev_virtq_should_notify(q));
	cr_expect_not(vdev_virtq_should_notify(q), "no second notification without a push");
	cr_expect_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(vdev_virtq_push(q, 16, 0), -EINVAL, "head beyond the queue");
}

Test(virtq, no_interrupt_flag)
{
	struct vdev_virtq_chain c;
	tq_desc(&t, 0, T_BUF, 16, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	tq_set_avail_flags(&t, VDEV_VIRTQ_AVAIL_F_NO_INTERRUPT);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect_not(vdev_virtq_should_notify(q));
}

Test(virtq, indexes_wrap_around)
{
	struct vdev_virtq_chain c;
	/* 65536 + 10 requests through a 16-entry queue: both 16-bit indexes wrap. */
	tq_desc(&t, 5, T_BUF, 32, VDEV_VIRTQ_DESC_F_WRITE, 0);
	for (uint32_t i = 0; i < 65546; i++) {
		tq_publish(&t, 5);
		cr_assert_eq(vdev_virtq_pop(q, &c), 1, "round %u", i);
		cr_assert_eq(c.head, 5);
		cr_assert_eq(vdev_virtq_push(q, 5, i & 0xffff), 0);
		cr_assert_eq(tq_used_idx(&t), (uint16_t)(i + 1));
	}
	cr_expect_eq(vdev_virtq_last_avail(q), 10);
	cr_expect_eq(vdev_virtq_next_used(q), 10);
	uint32_t id, len;
	tq_used_elem(&t, 9, &id, &len);
	cr_expect_eq(id, 5);
	cr_expect_eq(len, 65545 & 0xffff);
}

Test(virtq, several_pending_in_order)
{
	struct vdev_virtq_chain c;
	for (uint16_t i = 0; i < 16; i++) {
		tq_desc(&t, i, T_BUF + 64ull * i, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
		tq_publish(&t, (uint16_t)(15 - i));
	}
	for (uint16_t i = 0; i < 16; i++) {
		cr_assert_eq(vdev_virtq_pop(q, &c), 1);
		cr_expect_eq(c.head, 15 - i);
		cr_expect_eq(c.segs[0].gpa, T_BUF + 64ull * (15 - i));
	}
	cr_expect_eq(vdev_virtq_pop(q, &c), 0);
}

/* Publishes head and expects the pop to refuse it without moving. */
static void expect_bad(uint16_t head)
{
	struct vdev_virtq_chain c;
	uint16_t before = vdev_virtq_last_avail(q);
	tq_publish(&t, head);
	cr_expect_eq(vdev_virtq_pop(q, &c), -EBADMSG);
	cr_expect_eq(vdev_virtq_last_avail(q), before, "a refused chain is not consumed");
	cr_expect_eq(vdev_virtq_pop(q, &c), -EBADMSG, "and stays refused");
}

Test(virtq, head_out_of_range)
{
	expect_bad(16);
	cr_expect_str_eq(vdev_virtq_error(q), "descriptor index out of range");
}

Test(virtq, next_out_of_range)
{
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 200);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "descriptor index out of range");
}

Test(virtq, loop_is_refused)
{
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 2);
	tq_desc(&t, 2, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "descriptor loop");
}

Test(virtq, self_loop_is_refused)
{
	tq_desc(&t, 4, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 4);
	expect_bad(4);
}

Test(virtq, full_length_chain_is_fine)
{
	struct vdev_virtq_chain c;
	for (uint16_t i = 0; i < 16; i++)
		tq_desc(&t, i, T_BUF, 1, i < 15 ? VDEV_VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	tq_publish(&t, 0);
	cr_expect_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(c.nsegs, 16);
}

Test(virtq, buffer_outside_ram)
{
	tq_desc(&t, 0, T_MEM_BASE + T_MEM_SIZE - 4, 8, 0, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "buffer outside guest RAM");
}

Test(virtq, buffer_before_ram)
{
	tq_desc(&t, 0, 0x1000, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	expect_bad(0);
}

Test(virtq, buffer_address_overflow)
{
	tq_desc(&t, 0, UINT64_MAX - 3, 8, 0, 0);
	expect_bad(0);
	tq_desc(&t, 0, T_BUF, UINT32_MAX, 0, 0);
	expect_bad(0);
}

Test(virtq, readable_after_writable)
{
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE | VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, T_BUF, 8, 0, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "readable descriptor after a writable one");
}

Test(virtq, avail_index_runs_ahead)
{
	struct vdev_virtq_chain c;
	tq_desc(&t, 0, T_BUF, 8, 0, 0);
	tq_set_avail_idx(&t, 17);
	cr_expect_eq(vdev_virtq_pop(q, &c), -EBADMSG);
	cr_expect_str_eq(vdev_virtq_error(q), "available index too far ahead");
	tq_set_avail_idx(&t, 16);
	cr_expect_eq(vdev_virtq_pop(q, &c), 1, "exactly a full ring is fine");
	cr_expect_null(vdev_virtq_error(q), "a good pop clears the reason");
	cr_expect_null(vdev_virtq_error(NULL));
}

Test(virtq, writable_buffer_in_readonly_memory)
{
	struct vdev_virtq_chain c;
	cr_assert_eq(vmem_map_add_anon(mem, 0x400000, 0x10000, VMEM_REGION_READONLY), 0);
	tq_desc(&t, 0, 0x400000, 8, 0, 0);
	tq_publish(&t, 0);
	cr_expect_eq(vdev_virtq_pop(q, &c), 1, "reading read-only memory is fine");
	tq_desc(&t, 1, 0x400000, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	expect_bad(1);
}

Test(virtq, indirect_table)
{
	struct vdev_virtq_chain c;
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 16, VDEV_VIRTQ_DESC_F_NEXT, 2);
	t_desc_at(mem, T_INDIRECT, 2, T_BUF + 0x100, 4, VDEV_VIRTQ_DESC_F_NEXT, 1);
	t_desc_at(mem, T_INDIRECT, 1, T_BUF + 0x200, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	/* The WRITE flag of the descriptor pointing at the table is ignored. */
	tq_desc(&t, 6, T_INDIRECT, 48, VDEV_VIRTQ_DESC_F_INDIRECT | VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 6);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(c.head, 6);
	cr_expect_eq(c.nsegs, 3);
	cr_expect_eq(c.nreadable, 2);
	cr_expect_eq(c.read_len, 20);
	cr_expect_eq(c.write_len, 1);
	cr_expect_eq(c.segs[2].gpa, T_BUF + 0x200);
}

Test(virtq, direct_then_indirect)
{
	struct vdev_virtq_chain c;
	t_desc_at(mem, T_INDIRECT, 0, T_BUF + 0x100, 4, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_desc(&t, 0, T_BUF, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	tq_publish(&t, 0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(c.nsegs, 2);
	cr_expect_eq(c.write_len, 4);
}

Test(virtq, indirect_without_feature)
{
	teardown();
	setup_features(16, 0);
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 16, 0, 0);
	tq_desc(&t, 0, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "indirect descriptor not negotiated");
}

Test(virtq, indirect_with_next)
{
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 16, 0, 0);
	tq_desc(&t, 0, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT | VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, T_BUF, 16, 0, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "nested or chained indirect descriptor");
}

Test(virtq, nested_indirect)
{
	t_desc_at(mem, T_INDIRECT, 0, T_INDIRECT + 0x100, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	t_desc_at(mem, T_INDIRECT + 0x100, 0, T_BUF, 16, 0, 0);
	tq_desc(&t, 0, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "nested or chained indirect descriptor");
}

Test(virtq, indirect_bad_length)
{
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 16, 0, 0);
	tq_desc(&t, 0, T_INDIRECT, 24, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	tq_desc(&t, 0, T_INDIRECT, 0, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	/* More entries than any chain may hold (max(queue size, 256)). */
	tq_desc(&t, 0, T_INDIRECT, 16 * 257, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
}

Test(virtq, indirect_table_outside_ram)
{
	tq_desc(&t, 0, T_MEM_BASE + T_MEM_SIZE - 16, 32, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	tq_desc(&t, 0, UINT64_MAX - 15, 32, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	cr_expect_str_eq(vdev_virtq_error(q), "indirect table outside guest RAM");
}

Test(virtq, indirect_loop_and_next_out_of_table)
{
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	t_desc_at(mem, T_INDIRECT, 1, T_BUF, 16, VDEV_VIRTQ_DESC_F_NEXT, 0);
	tq_desc(&t, 0, T_INDIRECT, 32, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(0);
	t_desc_at(mem, T_INDIRECT, 1, T_BUF, 16, VDEV_VIRTQ_DESC_F_NEXT, 2);
	expect_bad(0);
}

Test(virtq, layout_checks)
{
	struct vdev_virtq_layout l = tq_layout(&t);
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), 0);
	l.size = 12;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EINVAL, "not a power of 2");
	l.size = 0;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EINVAL);
	l.size = 512;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EINVAL, "above the maximum");
	l = tq_layout(&t);
	l.desc += 8;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EINVAL, "descriptor alignment");
	l = tq_layout(&t);
	l.avail += 1;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EINVAL, "avail alignment");
	l = tq_layout(&t);
	l.used += 2;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EINVAL, "used alignment");
	l = tq_layout(&t);
	l.used = T_MEM_BASE + T_MEM_SIZE - 8;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EFAULT, "used ring past RAM");
	l = tq_layout(&t);
	l.desc = UINT64_MAX - 15;
	cr_expect_lt(vdev_virtq_check_layout(mem, 256, &l), 0, "wraps past 2^64");
	cr_assert_eq(vmem_map_add_anon(mem, 0x400000, 0x10000, VMEM_REGION_READONLY), 0);
	l = tq_layout(&t);
	l.used = 0x400000;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), -EACCES, "used ring read-only");
	l.avail = 0x400000;
	l.used = T_USED;
	cr_expect_eq(vdev_virtq_check_layout(mem, 256, &l), 0, "avail ring may be read-only");

	struct vdev_virtq_chain c;
	vdev_virtq_disable(q);
	cr_expect_not(vdev_virtq_enabled(q));
	cr_expect_eq(vdev_virtq_pop(q, &c), -EINVAL);
	l = tq_layout(&t);
	l.size = 3;
	cr_expect_eq(vdev_virtq_enable(q, &l, 0), -EINVAL);
	cr_expect_not(vdev_virtq_enabled(q));
}

Test(virtq, unpop_gives_chains_back_in_order)
{
	struct vdev_virtq_chain c;
	for (uint16_t i = 0; i < 3; i++) {
		tq_desc(&t, i, T_BUF + 0x100 * i, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
		tq_publish(&t, i);
	}
	vdev_virtq_set_budget(q, 3);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(vdev_virtq_budget(q), 1);
	cr_expect_eq(vdev_virtq_unpop(q, 3), -EINVAL, "only two were taken");
	cr_assert_eq(vdev_virtq_unpop(q, 2), 0);
	cr_expect_eq(vdev_virtq_budget(q), 3, "their budget comes back");
	cr_expect_eq(vdev_virtq_last_avail(q), 0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(c.head, 0, "the same chains again, in order");
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect_eq(vdev_virtq_unpop(q, 1), -EINVAL, "a pushed chain cannot be given back");
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(c.head, 1);
	vdev_virtq_set_budget(q, VDEV_VIRTQ_UNLIMITED);
	cr_assert_eq(vdev_virtq_unpop(q, 1), 0);
	cr_expect_eq(vdev_virtq_budget(q), VDEV_VIRTQ_UNLIMITED);
	cr_expect_eq(vdev_virtq_unpop(NULL, 0), -EINVAL);
}

static uint16_t used_flags(void)
{
	uint16_t v = 0xffff;
	vmem_read_u16_le(mem, T_USED, &v);
	return v;
}

/* avail_event: after the used ring's elements (VIRTIO 1.2 2.7.8). */
static uint16_t avail_event(void)
{
	uint16_t v = 0xffff;
	vmem_read_u16_le(mem, T_USED + 4 + 8ull * t.size, &v);
	return v;
}

/* used_event: after the available ring's entries (2.7.6). */
static void set_used_event(uint16_t v)
{
	vmem_write_u16_le(mem, T_AVAIL + 4 + 2ull * t.size, v);
}

static void publish_n(uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		tq_desc(&t, i, T_BUF + 64ull * i, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
		tq_publish(&t, i);
	}
}

Test(virtq, kicks_are_off_while_the_device_takes_chains_and_on_when_the_ring_is_empty)
{
	struct vdev_virtq_chain c;

	cr_expect_eq(used_flags(), 0, "a new queue wants kicks");
	publish_n(2);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(used_flags(), VDEV_VIRTQ_USED_F_NO_NOTIFY, "busy: no kicks");
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(used_flags(), VDEV_VIRTQ_USED_F_NO_NOTIFY);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(used_flags(), 0, "empty: kicks wanted again");

	/* A spent budget with chains left keeps kicks off: the caller comes back (its
	   budget says so). A spent budget on an empty ring asks for kicks all the same, or
	   nobody would come back for the next chain. */
	publish_n(2);
	vdev_virtq_set_budget(q, 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(used_flags(), VDEV_VIRTQ_USED_F_NO_NOTIFY);
	cr_expect(vdev_virtq_has_available(q));
	vdev_virtq_set_budget(q, 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(used_flags(), 0);

	/* Chains given back (unpop) and taken again: off while taken, on when empty. */
	publish_n(1);
	vdev_virtq_set_budget(q, VDEV_VIRTQ_UNLIMITED);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(used_flags(), 0);
	cr_assert_eq(vdev_virtq_unpop(q, 1), 0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(used_flags(), VDEV_VIRTQ_USED_F_NO_NOTIFY);

	/* Enabling the queue, and restoring its indexes, want kicks again. */
	struct vdev_virtq_layout l = tq_layout(&t);
	cr_assert_eq(vdev_virtq_enable(q, &l, 0), 0);
	cr_expect_eq(used_flags(), 0);
	tq_set_avail_idx(&t, 7);
	cr_assert_eq(vdev_virtq_set_indexes(q, 7, 7), 0);
	vmem_write_u16_le(mem, T_USED, VDEV_VIRTQ_USED_F_NO_NOTIFY); /* as saved */
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(used_flags(), 0, "a restored queue asks again at its first empty look");
}

Test(virtq, event_idx_moves_avail_event_only_when_the_ring_is_empty)
{
	struct vdev_virtq_chain c;

	teardown();
	setup_features(16, 1ull << VDEV_VIRTIO_F_EVENT_IDX);
	cr_expect_eq(avail_event(), 0);
	publish_n(3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(vdev_virtq_pop(q, &c), 1);
		cr_expect_eq(avail_event(), 0, "left behind while the device is busy");
	}
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(avail_event(), 3, "kick for the chain at index 3");
	cr_expect_eq(used_flags(), 0, "the flag is not used with EVENT_IDX");
	publish_n(2);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(avail_event(), 3);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(avail_event(), 5);
	/* Taken and given back: the ring is not empty, so nothing moves until it is. */
	publish_n(1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(avail_event(), 6);
	cr_assert_eq(vdev_virtq_unpop(q, 1), 0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_expect_eq(avail_event(), 6);
	/* A restored queue writes it again at its first empty look. */
	vmem_write_u16_le(mem, T_USED + 4 + 8ull * t.size, 0);
	cr_assert_eq(vdev_virtq_set_indexes(q, 6, 6), 0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 0);
	cr_expect_eq(avail_event(), 6);
}

Test(virtq, event_idx_interrupts_when_used_event_is_passed)
{
	struct vdev_virtq_chain c;

	teardown();
	setup_features(16, 1ull << VDEV_VIRTIO_F_EVENT_IDX);
	tq_set_avail_flags(&t, VDEV_VIRTQ_AVAIL_F_NO_INTERRUPT); /* ignored with EVENT_IDX */
	publish_n(12);
	cr_expect_not(vdev_virtq_should_notify(q), "nothing pushed");
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect(vdev_virtq_should_notify(q), "the first decision notifies");
	/* The driver wants an interrupt once the element at index 5 is used. */
	set_used_event(5);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(vdev_virtq_pop(q, &c), 1);
		cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	}
	cr_expect_not(vdev_virtq_should_notify(q), "used index 3: element 5 not used yet");
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(vdev_virtq_pop(q, &c), 1);
		cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	}
	cr_expect(vdev_virtq_should_notify(q), "used index 6: element 5 is among the new");
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect_not(vdev_virtq_should_notify(q), "element 5 was signalled already");
	/* Element 7 is the next one used: it is asked for, and one push passes it. */
	set_used_event(7);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect(vdev_virtq_should_notify(q), "used index 8: element 7 is new");
	/* A used_event far behind (0xfff0: 16-bit ring arithmetic, not "less than 9") is
	   not among the new elements. */
	set_used_event(0xfff0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect_not(vdev_virtq_should_notify(q));
	/* After a restore the first decision notifies, whatever used_event says. */
	set_used_event(1000);
	cr_assert_eq(vdev_virtq_set_indexes(q, 10, 10), 0);
	cr_assert_eq(vdev_virtq_pop(q, &c), 1);
	cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
	cr_expect(vdev_virtq_should_notify(q));
}

Test(virtq, push_many_publishes_once_after_every_element)
{
	struct vdev_virtq_chain c;
	struct vdev_virtq_used_elem e[3];
	uint32_t id, len;
	for (uint16_t i = 0; i < 3; i++) {
		tq_desc(&t, i, T_BUF + 0x100 * i, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
		tq_publish(&t, i);
		cr_assert_eq(vdev_virtq_pop(q, &c), 1);
		e[i] = (struct vdev_virtq_used_elem){.head = c.head, .len = 10u + i};
	}
	struct vdev_virtq_used_elem bad[2] = {e[0], {.head = 16, .len = 1}};
	cr_expect_eq(vdev_virtq_push_many(q, bad, 2), -EINVAL);
	cr_expect_eq(tq_used_idx(&t), 0, "nothing published for a bad head");
	cr_expect_eq(vdev_virtq_push_many(q, e, 0), 0);
	cr_expect_not(vdev_virtq_should_notify(q), "nothing pushed");
	cr_assert_eq(vdev_virtq_push_many(q, e, 3), 0);
	cr_expect_eq(tq_used_idx(&t), 3);
	for (uint16_t i = 0; i < 3; i++) {
		tq_used_elem(&t, i, &id, &len);
		cr_expect_eq(id, i);
		cr_expect_eq(len, 10u + i);
	}
	cr_expect_eq(vdev_virtq_next_used(q), 3);
	cr_expect(vdev_virtq_should_notify(q));
}
