/* SPDX-License-Identifier: Apache-2.0 */
/* The arch-neutral part of boot.h: the machine record. */
#include "boot.h"

#include <errno.h>

int vmm_machine_record_add(struct vmm_machine_record *rec, enum vmm_device_kind kind, uint64_t base,
                           uint64_t size, uint32_t line)
{
	if (rec->num_devices >= VMM_DEVICES_MAX)
		return -ENOSPC;
	rec->devices[rec->num_devices++] =
	    (struct vmm_device_record){.kind = kind, .base = base, .size = size, .line = line};
	return 0;
}
