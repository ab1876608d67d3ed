/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's command line: a parser that turns argv into a struct vmm_config or one line of
 * error text. It prints nothing and exits nothing, so tests and fuzzers can drive it.
 *
 * Not thread-safe: getopt_long keeps its state in process globals.
 */
#ifndef VMM_CLI_H
#define VMM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_MEMORY_MIN_MIB 16u
#define VMM_MEMORY_MAX_MIB 65536u
#define VMM_MEMORY_DEFAULT_MIB 256u
#define VMM_VCPUS_MAX 64u
#define VMM_DISKS_MAX 8u
#define VMM_NETS_MAX 4u
/* A network interface's name holds at most IFNAMSIZ - 1 bytes. */
#define VMM_TAP_NAME_MAX 15u
/* Linux's COMMAND_LINE_SIZE is 2048 on arm64 and x86_64, the terminating NUL included. */
#define VMM_CMDLINE_MAX 2047u
#define VMM_CLI_ERROR_MAX 256u
/* The longest --api-socket path: sun_path's 108 bytes, the NUL included. */
#define VMM_API_SOCKET_PATH_MAX 107u

enum vmm_console_kind {
	VMM_CONSOLE_STDIO,
	VMM_CONSOLE_FILE,
	VMM_CONSOLE_NONE,
};

enum vmm_suspend_policy {
	VMM_SUSPEND_HONOUR,
	VMM_SUSPEND_DENY,
	VMM_SUSPEND_SNAPSHOT, /* honour by writing the VM to snapshot_dir and exiting */
};

/* The longest snapshot folder path (--suspend snapshot:DIR, --restore DIR). */
#define VMM_SNAPSHOT_DIR_MAX 1024u

enum vmm_log_level {
	VMM_LOG_ERROR,
	VMM_LOG_WARN,
	VMM_LOG_INFO,
	VMM_LOG_DEBUG,
};

struct vmm_disk_config {
	char *path;
	bool read_only;
};

/* --net tap=NAME[,mac=MAC]: a virtio-net device on the existing tap device NAME. */
struct vmm_net_config {
	char *tap;
	uint8_t mac[6]; /* given, or vmm_net_default_mac()'s */
	bool mac_given;
};

/* Every string is owned by the config and freed by vmm_config_release(). */
struct vmm_config {
	char *kernel;
	char *initrd;  /* NULL: none */
	char *cmdline; /* never NULL after a successful parse; may be "" */
	uint32_t memory_mib;
	uint32_t vcpus;
	struct vmm_disk_config disks[VMM_DISKS_MAX];
	uint32_t num_disks;
	struct vmm_net_config nets[VMM_NETS_MAX];
	uint32_t num_nets;
	bool rng;
	enum vmm_console_kind console;
	char *console_path; /* VMM_CONSOLE_FILE only */
	enum vmm_suspend_policy suspend;
	/* Where a snapshot goes: --suspend snapshot:DIR, or --snapshot-dir DIR (the control
	   socket's snapshot command, for a guest suspended to RAM); NULL: nowhere. */
	char *snapshot_dir;
	/* --restore DIR: the VM comes from the snapshot in DIR (snapshot.h), which supplies
	   the machine's configuration (kernel, initrd, cmdline, memory, vCPUs, disks, rng);
	   the options for them are refused beside it. */
	char *restore_dir;
	bool seccomp;
	enum vmm_log_level log_level;
	bool reboot;      /* --reboot: a guest reset runs the VM again (supervisor.h) */
	char *api_socket; /* --api-socket PATH: the control socket (api.h); NULL: none */
	/* Not an option: set by the supervisor for the runs after the first, so that a
	   console file keeps every boot (appended to, within one VMM_CONSOLE_FILE_MAX). */
	bool console_append;
};

enum vmm_cli_action {
	VMM_CLI_RUN = 0,  /* cfg is filled: run the VM */
	VMM_CLI_HELP = 1, /* --help: print vmm_cli_usage() and exit 0 */
	VMM_CLI_VERSION = 2,
};

/*
 * Parses argv[0..argc) (argv[0] is the program name) into cfg, which it first resets to the
 * defaults. argv is not modified. Files are not opened: whether they exist is the caller's
 * runtime check.
 * Returns a vmm_cli_action, or -EINVAL for a usage error (unknown option, missing or bad
 * value, out-of-range number, option given twice, stray argument, no --kernel, a machine
 * option beside --restore) with one line
 * of text (no newline) in err, or -ENOMEM. After a success (any action) the caller releases
 * cfg with vmm_config_release(); after an error cfg holds nothing to release, though calling
 * vmm_config_release() on it is harmless.
 */
int vmm_cli_parse(int argc, char *const argv[], struct vmm_config *cfg, char *err, size_t err_size);

/* Frees the strings of cfg and resets it; accepts NULL. */
void vmm_config_release(struct vmm_config *cfg);

/* The --help text, several lines ending in a newline. */
const char *vmm_cli_usage(void);

/* vmm_net_default_mac: the MAC a --net device gets when none is given: a locally
 * administered unicast address derived from the tap's name (the same name gives the same
 * address, in every run). */
void vmm_net_default_mac(const char *tap, uint8_t mac[6]);

/* Names for log output: "honour"/"deny"/"snapshot", "error".."debug". */
const char *vmm_suspend_policy_name(enum vmm_suspend_policy p);
const char *vmm_log_level_name(enum vmm_log_level l);

#endif
