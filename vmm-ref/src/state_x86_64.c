/* SPDX-License-Identifier: Apache-2.0 */
/* The x86_64 machine's snapshot section (state_x86_64.h). */
#include "state_x86_64.h"

#include <errno.h>
#include <string.h>

/* KVM_PIT_FLAGS_HPET_LEGACY | KVM_PIT_FLAGS_SPEAKER_DATA_ON (Linux 6.6): the flags KVM
   defines for KVM_SET_PIT2. */
#define PIT_FLAGS_KNOWN 0x3u
/* KVM's mode of a PIT channel never programmed (kvm_pit_reset()). */
#define PIT_MODE_UNSET 0xffu

static void put_pic(struct vdev_state_writer *w, const struct kvm_pic_state *p)
{
	const uint8_t f[16] = {p->last_irr,
	                       p->irr,
	                       p->imr,
	                       p->isr,
	                       p->priority_add,
	                       p->irq_base,
	                       p->read_reg_select,
	                       p->poll,
	                       p->special_mask,
	                       p->init_state,
	                       p->auto_eoi,
	                       p->rotate_on_auto_eoi,
	                       p->special_fully_nested_mode,
	                       p->init4,
	                       p->elcr,
	                       p->elcr_mask};
	vdev_state_put_bytes(w, f, sizeof(f));
}

static void get_pic(struct vdev_state_reader *r, struct kvm_pic_state *p)
{
	uint8_t f[16];

	vdev_state_get_bytes(r, f, sizeof(f));
	*p = (struct kvm_pic_state){.last_irr = f[0],
	                            .irr = f[1],
	                            .imr = f[2],
	                            .isr = f[3],
	                            .priority_add = f[4],
	                            .irq_base = f[5],
	                            .read_reg_select = f[6],
	                            .poll = f[7],
	                            .special_mask = f[8],
	                            .init_state = f[9],
	                            .auto_eoi = f[10],
	                            .rotate_on_auto_eoi = f[11],
	                            .special_fully_nested_mode = f[12],
	                            .init4 = f[13],
	                            .elcr = f[14],
	                            .elcr_mask = f[15]};
}

void vmm_x86_state_put(struct vdev_state_writer *w, const struct vmm_x86_machine_state *st)
{
	const struct kvm_ioapic_state *io = &st->ioapic;
	size_t mark = vdev_state_begin(w, VMM_X86_STATE_TAG, 1);

	vdev_state_put_u32(w, st->vcpus);
	vdev_state_put_u32(w, st->tsc_khz);
	vdev_state_put_u64(w, st->tsc);
	vdev_state_put_u64(w, st->kvmclock);
	vdev_state_put_u64(w, (uint64_t)st->saved_at_ns);
	put_pic(w, &st->pic[0]);
	put_pic(w, &st->pic[1]);
	vdev_state_put_u64(w, io->base_address);
	vdev_state_put_u32(w, io->ioregsel);
	vdev_state_put_u32(w, io->id);
	vdev_state_put_u32(w, io->irr);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		vdev_state_put_u64(w, io->redirtbl[i].bits);
	for (int i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *c = &st->pit.channels[i];
		const uint8_t f[10] = {
		    c->count_latched, c->status_latched, c->status, c->read_state, c->write_state,
		    c->write_latch,   c->rw_mode,        c->mode,   c->bcd,        c->gate};
		vdev_state_put_u32(w, c->count);
		vdev_state_put_u16(w, c->latched_count);
		vdev_state_put_bytes(w, f, sizeof(f));
	}
	vdev_state_put_u32(w, st->pit.flags);
	vdev_state_end(w, mark);
}

int vmm_x86_state_get(struct vdev_state_reader *r, uint32_t vcpus, struct vmm_x86_machine_state *st)
{
	struct kvm_ioapic_state *io = &st->ioapic;
	struct vdev_state_reader sub;
	uint32_t version;

	memset(st, 0, sizeof(*st));
	if (vdev_state_open(r, VMM_X86_STATE_TAG, 1, &version, &sub) < 0)
		return -EINVAL;
	st->vcpus = vdev_state_get_u32(&sub);
	st->tsc_khz = vdev_state_get_u32(&sub);
	st->tsc = vdev_state_get_u64(&sub);
	st->kvmclock = vdev_state_get_u64(&sub);
	st->saved_at_ns = (int64_t)vdev_state_get_u64(&sub);
	get_pic(&sub, &st->pic[0]);
	get_pic(&sub, &st->pic[1]);
	io->base_address = vdev_state_get_u64(&sub);
	io->ioregsel = vdev_state_get_u32(&sub);
	io->id = vdev_state_get_u32(&sub);
	io->irr = vdev_state_get_u32(&sub);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		io->redirtbl[i].bits = vdev_state_get_u64(&sub);
	for (int i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &st->pit.channels[i];
		uint8_t f[10];
		c->count = vdev_state_get_u32(&sub);
		c->latched_count = vdev_state_get_u16(&sub);
		vdev_state_get_bytes(&sub, f, sizeof(f));
		c->count_latched = f[0];
		c->status_latched = f[1];
		c->status = f[2];
		c->read_state = f[3];
		c->write_state = f[4];
		c->write_latch = f[5];
		c->rw_mode = f[6];
		c->mode = f[7];
		c->bcd = f[8];
		c->gate = f[9];
		if (!sub.error && ((c->mode > 5 && c->mode != PIT_MODE_UNSET) || c->rw_mode > 3 ||
		                   c->bcd > 1 || c->gate > 1))
			vdev_state_fail(&sub, "X86M: PIT channel %d: mode %u, access %u", i,
			                c->mode, c->rw_mode);
	}
	st->pit.flags = vdev_state_get_u32(&sub);
	if (!sub.error && st->vcpus != vcpus)
		vdev_state_fail(&sub, "X86M: %u vCPUs, the configuration has %u", st->vcpus, vcpus);
	if (!sub.error && st->tsc_khz == 0)
		vdev_state_fail(&sub, "X86M: a TSC of 0 kHz");
	if (!sub.error && io->base_address != VMM_X86_IOAPIC_BASE)
		vdev_state_fail(&sub, "X86M: the IOAPIC at %#llx, not %#llx",
		                (unsigned long long)io->base_address, VMM_X86_IOAPIC_BASE);
	if (!sub.error && (st->pit.flags & ~PIT_FLAGS_KNOWN))
		vdev_state_fail(&sub, "X86M: PIT flags %#x", st->pit.flags);
	return vdev_state_close(r, &sub) < 0 ? -EINVAL : 0;
}
