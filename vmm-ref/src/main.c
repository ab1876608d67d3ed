/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref: parses the command line and runs the VM (machine.h), in this process, or with
 * --reboot in a child process per run that a supervisor starts again after a guest reset
 * (supervisor.h). With --restore DIR the machine's configuration comes from the snapshot
 * in DIR (snapshot.h). Every failure ends with one line on stderr and exit status 2 (usage) or
 * 1 (runtime); machine.h lists the others.
 */
#include "cli.h"
#include "machine.h"
#include "snapshot.h"
#include "supervisor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	char err[VMM_CLI_ERROR_MAX];
	int ret, status;

	ret = vmm_cli_parse(argc, argv, &cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "vmm-ref: %s\n", err);
		return ret == -ENOMEM ? VMM_EXIT_RUNTIME : VMM_EXIT_USAGE;
	}
	if (ret == VMM_CLI_RUN && cfg.restore_dir) {
		/* The machine is the snapshot's: its configuration fills cfg (a reset under
		   --reboot then boots its kernel cold). */
		struct vmm_snapshot snap;
		char why[512];
		if (vmm_snapshot_load(cfg.restore_dir, &snap, why, sizeof(why)) < 0) {
			fprintf(stderr, "vmm-ref: %s\n", why);
			vmm_config_release(&cfg);
			return VMM_EXIT_RUNTIME;
		}
		ret = vmm_snapshot_apply_conf(&snap.conf, &cfg);
		vmm_snapshot_release(&snap);
		if (ret < 0) {
			fprintf(stderr, "vmm-ref: out of memory\n");
			vmm_config_release(&cfg);
			return VMM_EXIT_RUNTIME;
		}
		ret = VMM_CLI_RUN;
	}
	if (ret == VMM_CLI_HELP) {
		fputs(vmm_cli_usage(), stdout);
		status = EXIT_SUCCESS;
	} else if (ret == VMM_CLI_VERSION) {
		printf("vmm-ref %s (cvmm)\n", VMM_REF_VERSION);
		status = EXIT_SUCCESS;
	} else if (cfg.reboot) {
		status = vmm_supervise(&cfg);
	} else {
		status = vmm_machine_run(&cfg);
	}
	vmm_config_release(&cfg);
	return status;
}
