/* SPDX-License-Identifier: Apache-2.0 */
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
	case -EIO:
		return "shrank while being read";
	default:
		return "could not be copied into guest RAM";
	}
}

int vmm_boot_prepare(const struct vmm_boot_request *req, struct vmm_boot_info *out, char *err,
                     size_t err_size)
{
	const struct ll_guest_ram *ram = req->ram;
	uint64_t initrd_size = req->initrd ? req->initrd->size : 0;
	int ret;

	*out = (struct vmm_boot_info){.format = "arm64 Image"};
	if (req->vcpus == 0 || req->vcpus > VMM_VCPUS_MAX) {
		snprintf(err, err_size, "%u vCPUs: 1 to %u", req->vcpus, VMM_VCPUS_MAX);
		return -EINVAL;
	}
	ret = ll_arm64_image_load_fd(ram, req->kernel->fd, req->kernel->size, NULL, &out->kernel);
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
	out->boot_data_size = FDT_RESERVE;
	if (initrd_size) {
		out->initrd_size = initrd_size;
		ret = ll_guest_ram_write_from_fd(ram, out->initrd_addr, req->initrd->fd, 0,
		                                 initrd_size);
		if (ret < 0) {
			snprintf(err, err_size, "cannot copy the initrd into guest RAM%s",
			         ret == -EIO ? ": it shrank while being read" : "");
			return ret;
		}
	}
	return 0;
}

int vmm_boot_describe(const struct vmm_boot_request *req, struct vmm_boot_info *info,
                      const struct vmm_machine_record *rec, char *err, size_t err_size)
{
	struct ll_fdt_arm64 *cfg = malloc(sizeof(*cfg));
	uint8_t *fdt = malloc(FDT_RESERVE);
	int ret;

	if (!cfg || !fdt) {
		ret = -ENOMEM;
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	ret = vmm_fdt_aarch64_describe(cfg, rec, req->mem_bytes);
	if (ret < 0) {
		snprintf(err, err_size, "the machine (%u vCPUs, %u devices) has no device tree",
		         rec->vcpus, rec->num_devices);
		goto out;
	}
	cfg->bootargs = req->cmdline;
	cfg->initrd_start = info->initrd_addr;
	cfg->initrd_size = info->initrd_size;
	ret = ll_fdt_arm64_build(cfg, fdt, FDT_RESERVE);
	if (ret < 0) {
		snprintf(err, err_size, "cannot build the device tree");
		goto out;
	}
	info->boot_data_size = (uint64_t)ret;
	ret = ll_guest_ram_write(req->ram, info->boot_data_addr, fdt, info->boot_data_size);
	if (ret < 0)
		snprintf(err, err_size, "cannot copy the device tree into guest RAM");
out:
	free(fdt);
	free(cfg);
	return ret < 0 ? ret : 0;
}
