/*
 * vmm-ref: parses the command line, checks every file it names, and loads the kernel,
 * initrd and boot data into guest RAM. Every failure ends with one line on stderr and
 * exit status 2 (usage) or 1 (runtime).
 */
#include "boot.h"
#include "cli.h"
#include "kernel_file.h"

#include <cvmm/vm_memory.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define MIB (1024ull * 1024ull)
/* GICv2 is what every KVM arm64 host offers; the VM set-up will ask KVM which it has. */
#define DEFAULT_GIC_VERSION 2u

__attribute__((format(printf, 1, 2))) static void error_line(const char *fmt, ...)
{
	va_list ap;

	fputs("vmm-ref: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

__attribute__((format(printf, 3, 4))) static void
log_at(const struct vmm_config *cfg, enum vmm_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cfg->log_level)
		return;
	fprintf(stderr, "vmm-ref: %s: ", vmm_log_level_name(level));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int read_input(const char *what, const char *path, size_t max, struct vmm_file_buf *buf)
{
	int ret = vmm_file_read(path, max, buf);

	if (ret == -EFBIG)
		error_line("%s '%s' is larger than guest RAM", what, path);
	else if (ret == -EINVAL)
		error_line("%s '%s' is not a regular, non-empty file", what, path);
	else if (ret < 0)
		error_line("cannot read %s '%s': %s", what, path, strerror(-ret));
	return ret;
}

static int check_disks(const struct vmm_config *cfg)
{
	for (uint32_t i = 0; i < cfg->num_disks; i++) {
		const struct vmm_disk_config *d = &cfg->disks[i];
		int fd = open(d->path, (d->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0) {
			error_line("cannot open disk '%s'%s: %s", d->path,
			           d->read_only ? "" : " for writing", strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* Guest RAM as vm-memory regions (anonymous, reserved lazily); NULL after an error line. */
static struct vmem_map *create_ram(const struct vmm_config *cfg, uint64_t mem)
{
	struct vmm_ram_region regions[VMM_RAM_REGIONS_MAX];
	struct vmem_map *map = NULL;
	int n = vmm_boot_ram_regions(mem, regions), ret;

	if (n < 0) {
		error_line("%u MiB of guest RAM is too little", cfg->memory_mib);
		return NULL;
	}
	ret = vmem_map_create(&map);
	for (int i = 0; ret == 0 && i < n; i++)
		ret = vmem_map_add_anon(map, regions[i].gpa, regions[i].size, 0);
	if (ret < 0) {
		error_line("cannot allocate %u MiB of guest RAM: %s", cfg->memory_mib,
		           strerror(-ret));
		vmem_map_destroy(map);
		return NULL;
	}
	return map;
}

static int run(const struct vmm_config *cfg)
{
	struct vmm_file_buf kernel = {0}, initrd = {0};
	uint64_t mem = (uint64_t)cfg->memory_mib * MIB, base, size;
	struct vmem_map *map = NULL;
	struct vmm_guest_ram ram;
	struct vmm_boot_info info;
	char err[256];
	int status = EXIT_RUNTIME;

	if (read_input("kernel", cfg->kernel, mem, &kernel) < 0)
		goto out;
	if (cfg->initrd && read_input("initrd", cfg->initrd, mem, &initrd) < 0)
		goto out;
	if (check_disks(cfg) < 0)
		goto out;
	if (vmm_boot_ram_range(mem, &base, &size) < 0) {
		error_line("%u MiB of guest RAM is too little", cfg->memory_mib);
		goto out;
	}
	map = create_ram(cfg, mem);
	if (!map)
		goto out;
	if (vmm_guest_ram_init_vmem(&ram, map, base, size) < 0) {
		error_line("internal error: guest RAM is not mapped as planned");
		goto out;
	}

	struct vmm_boot_request req = {
	    .ram = &ram,
	    .mem_bytes = mem,
	    .kernel = &kernel,
	    .initrd = cfg->initrd ? &initrd : NULL,
	    .cmdline = cfg->cmdline,
	    .vcpus = cfg->vcpus,
	    .gic_version = DEFAULT_GIC_VERSION,
	};
	if (vmm_boot_prepare(&req, &info, err, sizeof(err)) < 0) {
		error_line("cannot boot '%s': %s", cfg->kernel, err);
		goto out;
	}
	log_at(cfg, VMM_LOG_INFO, "%s '%s': %#llx..%#llx, entry %#llx", info.format, cfg->kernel,
	       (unsigned long long)info.kernel.load_addr, (unsigned long long)info.kernel.end,
	       (unsigned long long)info.kernel.entry);
	if (info.initrd_size)
		log_at(cfg, VMM_LOG_INFO, "initrd: %#llx, %llu bytes",
		       (unsigned long long)info.initrd_addr, (unsigned long long)info.initrd_size);
	log_at(cfg, VMM_LOG_INFO, "boot data: %#llx, %llu bytes",
	       (unsigned long long)info.boot_data_addr, (unsigned long long)info.boot_data_size);
	if (info.has_pvh)
		log_at(cfg, VMM_LOG_INFO, "PVH entry: %#x", info.pvh_entry);
	log_at(cfg, VMM_LOG_INFO, "%u vCPU(s), %u MiB, %u disk(s), suspend %s", cfg->vcpus,
	       cfg->memory_mib, cfg->num_disks, vmm_suspend_policy_name(cfg->suspend));

	/* Said once everything checked out, so that a bad input still gets one line only. */
	if (!cfg->seccomp)
		fprintf(stderr, "vmm-ref: WARNING: --no-seccomp: the seccomp sandbox is OFF; a "
		                "compromised VMM would have all the rights of this process\n");
	error_line("the kernel is loaded, but running the VM is not implemented yet");
out:
	vmem_map_destroy(map);
	vmm_file_free(&initrd);
	vmm_file_free(&kernel);
	return status;
}

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	char err[VMM_CLI_ERROR_MAX];
	int ret, status;

	ret = vmm_cli_parse(argc, argv, &cfg, err, sizeof(err));
	if (ret == -ENOMEM) {
		error_line("%s", err);
		return EXIT_RUNTIME;
	}
	if (ret < 0) {
		error_line("%s", err);
		return EXIT_USAGE;
	}
	if (ret == VMM_CLI_HELP) {
		fputs(vmm_cli_usage(), stdout);
		status = EXIT_SUCCESS;
	} else if (ret == VMM_CLI_VERSION) {
		printf("vmm-ref %s (cvmm)\n", VMM_REF_VERSION);
		status = EXIT_SUCCESS;
	} else {
		status = run(&cfg);
	}
	vmm_config_release(&cfg);
	return status;
}
