/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 machine's own section of a snapshot (section "X86M", version 1), written
 * when the guest sleeps in ACPI S3: what outlives S3 on a PC, since the CPUs' state does
 * not (docs/SNAPSHOT.md). Pure format code, no KVM: machine_x86_64.c reads the state from
 * KVM and puts it back; this encodes it field by field, little-endian, and checks it on
 * the way in (a snapshot is input: fuzzed by vmm_ref_fuzz_x86_state).
 *
 *   u32 vCPU count
 *   u32 TSC rate (kHz), u64 the boot vCPU's TSC, u64 kvmclock (ns, KVM_GET_CLOCK),
 *   u64 the wall clock (CLOCK_REALTIME, ns) when they were read
 *   PIC master, PIC slave: the 16 bytes of struct kvm_pic_state each, in its order
 *   IOAPIC: u64 base address, u32 IOREGSEL, u32 id, u32 IRR, 24 x u64 redirection entries
 *   PIT: 3 channels of (u32 count, u16 latched count, 10 bytes: count latched, status
 *   latched, status, read state, write state, write latch, access mode, mode, BCD, gate),
 *   then u32 flags
 */
#ifndef VMM_REF_STATE_X86_64_H
#define VMM_REF_STATE_X86_64_H

#include <cvmm/devices.h>
#include <linux/kvm.h>
#include <stdint.h>

#define VMM_X86_STATE_TAG VDEV_STATE_TAG('X', '8', '6', 'M')
/* Where KVM's IOAPIC sits; a section that names another address is refused. */
#define VMM_X86_IOAPIC_BASE 0xfec00000ull

struct vmm_x86_machine_state {
	uint32_t vcpus;
	uint32_t tsc_khz;
	uint64_t tsc;
	uint64_t kvmclock;
	int64_t saved_at_ns;
	struct kvm_pic_state pic[2]; /* master, slave */
	struct kvm_ioapic_state ioapic;
	struct kvm_pit_state2 pit;
};

/* Appends the section to w. */
void vmm_x86_state_put(struct vdev_state_writer *w, const struct vmm_x86_machine_state *st);

/*
 * Reads the next section of r into *st, checking it: the vCPU count must be vcpus, the
 * TSC rate non-zero, the IOAPIC at VMM_X86_IOAPIC_BASE, each PIT channel's mode 0..5 (or
 * 0xff, KVM's mark of a channel never programmed), its access mode, BCD and gate flags
 * in range, the PIT's flags among those KVM defines. Returns 0, or -EINVAL with r's
 * failure set (vdev_state_why()).
 */
int vmm_x86_state_get(struct vdev_state_reader *r, uint32_t vcpus,
                      struct vmm_x86_machine_state *st);

#endif
