// SPDX-License-Identifier: Apache-2.0
/* arm64: Image at the bottom of RAM, FDT at the top, initrd just below the FDT. */
#include "boot.h"

#include "fdt_aarch64.h"
#include "layout_aarch64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Room reserved for the tree; it is packed to a few KiB, far below the 2 MiB limit. */
#define FDT_RESERVE 0x10000u

int vmm_boot_ram_range(uint64_t mem_bytes, uint64_t *base, uint64_t *size)
{
	if (!base || !size || mem_bytes == 0 || mem_bytes > UINT64_MAX - VMM_A64_RAM_BASE)
		return -EINVAL;
	*base = VMM_A64_RAM_BASE;
	*size = mem_bytes;
	return 0;
}

int vmm_boot_ram_regions(uint64_t mem_bytes, struct vmm_ram_region out[VMM_RAM_REGIONS_MAX])
{
	int ret = vmm_boot_ram_range(mem_bytes, &out[0].gpa, &out[0].size);
	return ret < 0 ? ret : 1;
}

static const char *image_error(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "is not an arm64 Image (no ARM\\x64 magic at offset 0x38)";
	case -EINVAL:
		return "has a malformed arm64 Image header";
	case -ENOTSUP:
		return "is a big-endian arm64 Image, which vmm-ref does not boot";
	case -ENOSPC:
		return "does not fit in guest RAM";
	default:
		return "could not be copied into guest RAM";
	}
}

int vmm_boot_prepare(const struct vmm_boot_request *req, struct vmm_boot_info *out, char *err,
                     size_t err_size)
{
	const struct ll_guest_ram *ram = req->ram;
	struct ll_fdt_arm64 *fdt_cfg = NULL;
	uint64_t initrd_size = req->initrd ? req->initrd->size : 0;
	uint8_t *fdt = NULL;
	int ret;

	*out = (struct vmm_boot_info){.format = "arm64 Image"};
	ret = ll_arm64_image_load(ram, req->kernel->data, req->kernel->size, NULL, &out->kernel);
	if (ret < 0) {
		snprintf(err, err_size, "the kernel %s", image_error(ret));
		return ret;
	}
	ret = ll_arm64_place_boot_data(ram, out->kernel.end, initrd_size, FDT_RESERVE,
	                               &out->initrd_addr, &out->boot_data_addr);
	if (ret < 0) {
		snprintf(err, err_size, "the kernel%s and the device tree do not fit in guest RAM",
		         initrd_size ? ", the initrd" : "");
		return ret;
	}
	if (initrd_size) {
		out->initrd_size = initrd_size;
		ret = ll_guest_ram_write(ram, out->initrd_addr, req->initrd->data, initrd_size);
		if (ret < 0) {
			snprintf(err, err_size, "cannot copy the initrd into guest RAM");
			return ret;
		}
	}

	fdt_cfg = malloc(sizeof(*fdt_cfg));
	fdt = malloc(FDT_RESERVE);
	if (!fdt_cfg || !fdt) {
		ret = -ENOMEM;
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	if (req->num_virtio > VMM_A64_VIRTIO_SLOTS) {
		ret = -EINVAL;
		snprintf(err, err_size, "%u virtio devices are more than %u slots", req->num_virtio,
		         VMM_A64_VIRTIO_SLOTS);
		goto out;
	}
	ret = vmm_fdt_aarch64_defaults(fdt_cfg, req->vcpus, req->mem_bytes, req->gic_version,
	                               req->num_virtio);
	if (ret < 0) {
		snprintf(err, err_size, "%u vCPUs are more than a GICv%u supports", req->vcpus,
		         req->gic_version);
		goto out;
	}
	fdt_cfg->bootargs = req->cmdline;
	fdt_cfg->initrd_start = out->initrd_addr;
	fdt_cfg->initrd_size = out->initrd_size;
	ret = ll_fdt_arm64_build(fdt_cfg, fdt, FDT_RESERVE);
	if (ret < 0) {
		snprintf(err, err_size, "cannot build the device tree");
		goto out;
	}
	out->boot_data_size = (uint64_t)ret;
	ret = ll_guest_ram_write(ram, out->boot_data_addr, fdt, out->boot_data_size);
	if (ret < 0)
		snprintf(err, err_size, "cannot copy the device tree into guest RAM");
out:
	free(fdt);
	free(fdt_cfg);
	return ret < 0 ? ret : 0;
}
