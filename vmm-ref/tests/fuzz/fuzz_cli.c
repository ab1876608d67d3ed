/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for vmm-ref's command line: the input is argv, NUL-separated. Checks
 * that the parser never crashes or leaks, that an error is one line, and that a success
 * holds values inside their documented ranges.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	struct vmm_config cfg;
	char err[VMM_CLI_ERROR_MAX];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "vmm-ref";
	for (size_t i = 0; i <= size && argc < MAX_ARGS + 1;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;

	int ret = vmm_cli_parse(argc, argv, &cfg, err, sizeof(err));
	if (ret < 0) {
		if (ret != -EINVAL && ret != -ENOMEM)
			abort();
		if (err[0] == '\0' || strchr(err, '\n') || strlen(err) >= sizeof(err))
			abort();
		if (cfg.kernel || cfg.num_disks || cfg.num_nets)
			abort();
	} else if (ret == VMM_CLI_RUN && cfg.restore_dir) {
		/* --restore: the machine comes from the snapshot, none of it from argv. */
		if (!cfg.restore_dir[0] || cfg.kernel || cfg.num_disks || cfg.num_nets)
			abort();
	} else if (ret == VMM_CLI_RUN) {
		if (!cfg.kernel || !cfg.kernel[0] || !cfg.cmdline || cfg.num_nets > VMM_NETS_MAX ||
		    strlen(cfg.cmdline) > VMM_CMDLINE_MAX || cfg.memory_mib < VMM_MEMORY_MIN_MIB ||
		    cfg.memory_mib > VMM_MEMORY_MAX_MIB || cfg.vcpus < 1 ||
		    cfg.vcpus > VMM_VCPUS_MAX || cfg.num_disks > VMM_DISKS_MAX ||
		    (cfg.console == VMM_CONSOLE_FILE &&
		     (!cfg.console_path || !cfg.console_path[0])))
			abort();
	}
	vmm_config_release(&cfg);
	free(copy);
	return 0;
}
