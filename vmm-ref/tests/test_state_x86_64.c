/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 machine's snapshot section (state_x86_64.h): a state written and read back
 * field for field, and each way a section is refused with its one-line reason.
 */
#include "state_x86_64.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A state with a distinct value in every field that is saved. */
static void sample(struct vmm_x86_machine_state *st)
{
	memset(st, 0, sizeof(*st));
	st->vcpus = 2;
	st->tsc_khz = 2000000;
	st->tsc = 0x123456789abcull;
	st->kvmclock = 987654321012ull;
	st->saved_at_ns = 1764700000123456789ll;
	for (int c = 0; c < 2; c++) {
		uint8_t *p = (uint8_t *)&st->pic[c];
		for (size_t i = 0; i < sizeof(st->pic[c]); i++)
			p[i] = (uint8_t)(16 * c + i + 1);
	}
	st->ioapic.base_address = VMM_X86_IOAPIC_BASE;
	st->ioapic.ioregsel = 0x10;
	st->ioapic.id = 3;
	st->ioapic.irr = 0x8004;
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		st->ioapic.redirtbl[i].bits =
		    0x10000ull | (uint64_t)(0x20 + i) << 0 | (uint64_t)i << 56;
	for (int i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &st->pit.channels[i];
		c->count = 0x10000 + (uint32_t)i;
		c->latched_count = (uint16_t)(0x100 + i);
		c->count_latched = 1;
		c->status_latched = 0;
		c->status = (uint8_t)(0x30 + i);
		c->read_state = 2;
		c->write_state = 3;
		c->write_latch = (uint8_t)(0x40 + i);
		c->rw_mode = 3;
		c->mode = i == 1 ? 0xff : (uint8_t)(2 * i);
		c->bcd = 0;
		c->gate = 1;
	}
	st->pit.flags = 0x1;
}

/* The section of st, read back with the configuration's vcpus: the reader's status. */
static int round_trip(const struct vmm_x86_machine_state *st, uint32_t vcpus,
                      struct vmm_x86_machine_state *back, char *why, size_t why_size)
{
	struct vdev_state_writer w;
	struct vdev_state_reader r;

	vdev_state_writer_init(&w);
	vmm_x86_state_put(&w, st);
	cr_assert_eq(w.error, 0);
	vdev_state_reader_init(&r, w.buf, w.len);
	int ret = vmm_x86_state_get(&r, vcpus, back);
	snprintf(why, why_size, "%s", ret < 0 ? vdev_state_why(&r) : "");
	vdev_state_writer_free(&w);
	return ret;
}

Test(state_x86_64, a_state_reads_back_field_for_field)
{
	struct vmm_x86_machine_state st, back;
	char why[160];

	sample(&st);
	cr_assert_eq(round_trip(&st, 2, &back, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(memcmp(&st, &back, sizeof(st)), 0);
}

/* One field made wrong at a time: each is refused with its own reason. */
Test(state_x86_64, wrong_fields_are_refused_with_their_reason)
{
	static const struct {
		const char *reason;
		int field;
	} cases[] = {
	    {"X86M: 2 vCPUs, the configuration has 4", 0},
	    {"X86M: a TSC of 0 kHz", 1},
	    {"X86M: the IOAPIC at 0xfee00000, not 0xfec00000", 2},
	    {"X86M: PIT channel 0: mode 6, access 3", 3},
	    {"X86M: PIT channel 2: mode 4, access 4", 4},
	    {"X86M: PIT flags 0x5", 5},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct vmm_x86_machine_state st, back;
		uint32_t vcpus = 2;
		char why[160];

		sample(&st);
		switch (cases[k].field) {
		case 0:
			vcpus = 4;
			break;
		case 1:
			st.tsc_khz = 0;
			break;
		case 2:
			st.ioapic.base_address = 0xfee00000ull;
			break;
		case 3:
			st.pit.channels[0].mode = 6;
			break;
		case 4:
			st.pit.channels[2].rw_mode = 4;
			break;
		case 5:
			st.pit.flags = 0x5;
			break;
		}
		cr_assert_eq(round_trip(&st, vcpus, &back, why, sizeof(why)), -EINVAL, "case %zu",
		             k);
		cr_assert_str_eq(why, cases[k].reason);
	}
}

Test(state_x86_64, truncated_or_foreign_sections_are_refused)
{
	struct vmm_x86_machine_state st, back;
	struct vdev_state_writer w;
	struct vdev_state_reader r;

	sample(&st);
	vdev_state_writer_init(&w);
	vmm_x86_state_put(&w, &st);
	for (size_t len = 0; len < w.len; len += 7) {
		vdev_state_reader_init(&r, w.buf, len);
		cr_assert_eq(vmm_x86_state_get(&r, 2, &back), -EINVAL, "length %zu", len);
		cr_assert(strlen(vdev_state_why(&r)) > 0);
	}
	/* Another section where X86M belongs. */
	w.buf[0] = 'Y';
	vdev_state_reader_init(&r, w.buf, w.len);
	cr_assert_eq(vmm_x86_state_get(&r, 2, &back), -EINVAL);
	cr_assert(strstr(vdev_state_why(&r), "X86M"), "%s", vdev_state_why(&r));
	vdev_state_writer_free(&w);
}
