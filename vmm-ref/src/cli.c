/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MEMORY,
	OPT_VCPUS,
	OPT_DISK,
	OPT_NET,
	OPT_RNG,
	OPT_CONSOLE,
	OPT_SUSPEND,
	OPT_NO_SECCOMP,
	OPT_LOG_LEVEL,
	OPT_REBOOT,
	OPT_API_SOCKET,
	OPT_RESTORE,
	OPT_SNAPSHOT_DIR,
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
};

static const struct option long_options[] = {
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"cmdline", required_argument, NULL, OPT_CMDLINE},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"vcpus", required_argument, NULL, OPT_VCPUS},
    {"disk", required_argument, NULL, OPT_DISK},
    {"net", required_argument, NULL, OPT_NET},
    {"rng", no_argument, NULL, OPT_RNG},
    {"console", required_argument, NULL, OPT_CONSOLE},
    {"suspend", required_argument, NULL, OPT_SUSPEND},
    {"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"reboot", no_argument, NULL, OPT_REBOOT},
    {"api-socket", required_argument, NULL, OPT_API_SOCKET},
    {"restore", required_argument, NULL, OPT_RESTORE},
    {"snapshot-dir", required_argument, NULL, OPT_SNAPSHOT_DIR},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "Usage: vmm-ref --kernel PATH [OPTION]...\n"
    "       vmm-ref --restore DIR [OPTION]...\n"
    "Boot a Linux guest in a KVM microVM, or bring back one that suspended to a snapshot.\n"
    "\n"
    "  --kernel PATH          kernel: arm64 Image, x86_64 bzImage or ELF vmlinux\n"
    "  --initrd PATH          initial ramdisk\n"
    "  --cmdline TEXT         kernel command line (at most 2047 bytes)\n"
    "  --memory MIB           guest RAM in MiB, 16..65536 (default 256); suffix G for GiB\n"
    "  --vcpus N              number of vCPUs, 1..64 (default 1)\n"
    "  --disk PATH[,ro]       virtio-blk disk backed by PATH; repeatable, at most 8\n"
    "  --net tap=NAME[,mac=MAC]\n"
    "                         virtio-net device on the existing tap device NAME (MAC:\n"
    "                         xx:xx:xx:xx:xx:xx; default: one derived from NAME);\n"
    "                         repeatable, at most 4\n"
    "  --rng                  virtio-rng device fed from the host's getrandom()\n"
    "  --console KIND         stdio (default), file:PATH or none\n"
    "  --suspend POLICY       guest suspend-to-RAM (arm64 PSCI SYSTEM_SUSPEND, x86_64\n"
    "                         ACPI S3): honour (default), deny (x86_64: S3 is not\n"
    "                         offered), or snapshot:DIR (arm64): write the VM to DIR\n"
    "                         and exit 4\n"
    "  --restore DIR          run the VM saved in DIR by --suspend snapshot:DIR; only\n"
    "                         --console, --suspend, --log-level, --no-seccomp, --reboot\n"
    "                         and --api-socket may go with it\n"
    "  --snapshot-dir DIR     where the control socket's snapshot command may write a\n"
    "                         guest suspended to RAM (arm64)\n"
    "  --no-seccomp           run without the seccomp sandbox (debugging only)\n"
    "  --log-level LEVEL      error, warn (default), info or debug\n"
    "  --reboot               a guest reset starts the VM again (at most 10 restarts in\n"
    "                         60 s) instead of ending vmm-ref with status 3\n"
    "  --api-socket PATH      control socket (JSON; docs/API.md): pause, resume, stop,\n"
    "                         status and events; PATH must not exist (a dead socket is\n"
    "                         replaced)\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n"
    "\n"
    "Exit status: 0 guest powered off (or stopped by SIGTERM, SIGINT or Ctrl-A x),\n"
    "1 runtime failure, 2 usage error, 3 guest reset (without --reboot, or too many),\n"
    "4 the guest suspended and the VM was written to the snapshot folder.\n";

const char *vmm_cli_usage(void)
{
	return usage_text;
}

const char *vmm_suspend_policy_name(enum vmm_suspend_policy p)
{
	return p == VMM_SUSPEND_DENY ? "deny" : p == VMM_SUSPEND_SNAPSHOT ? "snapshot" : "honour";
}

const char *vmm_log_level_name(enum vmm_log_level l)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	return (unsigned)l < 4 ? names[l] : "?";
}

struct parser {
	char *err;
	size_t err_size;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->err_size) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->err_size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * User text quoted in an error message: printable ASCII only and bounded, so the message
 * stays one short line whatever the input holds.
 */
static const char *quote(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 4 < size; s++)
		buf[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static const char *option_name(int val)
{
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

/* Strict decimal: digits only, no sign or space, no overflow of uint64_t. */
static bool parse_decimal(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*end = s;
	*out = v;
	return true;
}

static int parse_memory(struct parser *p, const char *arg, uint32_t *out)
{
	char q[48];
	const char *end;
	uint64_t v;

	if (!parse_decimal(arg, &end, &v))
		return fail(p, "--memory: '%s' is not a size in MiB", quote(q, sizeof(q), arg));
	if (*end == 'G' && end[1] == '\0') {
		if (v > UINT64_MAX / 1024)
			v = UINT64_MAX;
		else
			v *= 1024;
	} else if (!(*end == '\0' || (*end == 'M' && end[1] == '\0'))) {
		return fail(p, "--memory: '%s' is not a size in MiB", quote(q, sizeof(q), arg));
	}
	if (v < VMM_MEMORY_MIN_MIB || v > VMM_MEMORY_MAX_MIB)
		return fail(p, "--memory: %s is out of range (%u to %u MiB)",
		            quote(q, sizeof(q), arg), VMM_MEMORY_MIN_MIB, VMM_MEMORY_MAX_MIB);
	*out = (uint32_t)v;
	return 0;
}

static int parse_vcpus(struct parser *p, const char *arg, uint32_t *out)
{
	char q[48];
	const char *end;
	uint64_t v;

	if (!parse_decimal(arg, &end, &v) || *end != '\0')
		return fail(p, "--vcpus: '%s' is not a number", quote(q, sizeof(q), arg));
	if (v < 1 || v > VMM_VCPUS_MAX)
		return fail(p, "--vcpus: %s is out of range (1 to %u)", quote(q, sizeof(q), arg),
		            VMM_VCPUS_MAX);
	*out = (uint32_t)v;
	return 0;
}

static int set_string(struct parser *p, char **dst, const char *arg)
{
	char *s = strdup(arg);

	if (!s) {
		fail(p, "out of memory");
		return -ENOMEM;
	}
	*dst = s;
	return 0;
}

/* PATH[,ro|,rw]...: paths holding a comma are not supported. */
static int parse_disk(struct parser *p, const char *arg, struct vmm_config *cfg)
{
	char q[48];
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	bool ro = false;

	if (cfg->num_disks == VMM_DISKS_MAX)
		return fail(p, "--disk: too many disks (at most %u)", VMM_DISKS_MAX);
	if (len == 0)
		return fail(p, "--disk: '%s' has no path", quote(q, sizeof(q), arg));
	for (const char *f = comma; f; f = strchr(f + 1, ',')) {
		const char *next = strchr(f + 1, ',');
		size_t flen = next ? (size_t)(next - f - 1) : strlen(f + 1);
		if (flen == 2 && strncmp(f + 1, "ro", 2) == 0)
			ro = true;
		else if (flen == 2 && strncmp(f + 1, "rw", 2) == 0)
			ro = false;
		else
			return fail(p, "--disk: '%s': flags after the path must be ro or rw",
			            quote(q, sizeof(q), arg));
	}
	char *path = strndup(arg, len);
	if (!path) {
		fail(p, "out of memory");
		return -ENOMEM;
	}
	cfg->disks[cfg->num_disks].path = path;
	cfg->disks[cfg->num_disks].read_only = ro;
	cfg->num_disks++;
	return 0;
}

void vmm_net_default_mac(const char *tap, uint8_t mac[6])
{
	/* FNV-1a over the name. */
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = tap; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 0x100000001b3ull;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* locally administered, unicast */
}

/* xx:xx:xx:xx:xx:xx, hexadecimal, exactly. */
static bool parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[3 * i + j];
			unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
			                                    : 16u;
			if (d > 15)
				return false;
			v = v * 16 + d;
		}
		if (i < 5 && s[3 * i + 2] != ':')
			return false;
		mac[i] = (uint8_t)v;
	}
	return true;
}

/* tap=NAME[,mac=MAC], in that order. */
static int parse_net(struct parser *p, const char *arg, struct vmm_config *cfg)
{
	char q[48];
	struct vmm_net_config n = {0};

	if (cfg->num_nets == VMM_NETS_MAX)
		return fail(p, "--net: too many network devices (at most %u)", VMM_NETS_MAX);
	if (strncmp(arg, "tap=", 4) != 0)
		return fail(p, "--net: '%s' does not start with tap=NAME",
		            quote(q, sizeof(q), arg));
	const char *name = arg + 4;
	const char *comma = strchr(name, ',');
	size_t len = comma ? (size_t)(comma - name) : strlen(name);
	if (len == 0 || len > VMM_TAP_NAME_MAX)
		return fail(p, "--net: the tap device's name must have 1 to %u bytes",
		            VMM_TAP_NAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' || name[i] > '~')
			return fail(p, "--net: '%s' is not a network interface name",
			            quote(q, sizeof(q), arg));
	if ((len == 1 && name[0] == '.') || (len == 2 && strncmp(name, "..", 2) == 0))
		return fail(p, "--net: '%s' is not a network interface name",
		            quote(q, sizeof(q), arg));
	if (comma) {
		const char *mac = comma + 1;
		if (strncmp(mac, "mac=", 4) != 0 || !parse_mac(mac + 4, strlen(mac + 4), n.mac))
			return fail(p, "--net: '%s': after the name only mac=xx:xx:xx:xx:xx:xx",
			            quote(q, sizeof(q), arg));
		if (n.mac[0] & 1)
			return fail(p, "--net: %s is a multicast address", mac + 4);
		static const uint8_t zero[6];
		if (memcmp(n.mac, zero, 6) == 0)
			return fail(p, "--net: the MAC address is all zero");
		n.mac_given = true;
	}
	for (uint32_t i = 0; i < cfg->num_nets; i++)
		if (strlen(cfg->nets[i].tap) == len && strncmp(cfg->nets[i].tap, name, len) == 0)
			return fail(p, "--net: tap device '%.*s' given twice", (int)len, name);
	n.tap = strndup(name, len);
	if (!n.tap) {
		fail(p, "out of memory");
		return -ENOMEM;
	}
	if (!n.mac_given)
		vmm_net_default_mac(n.tap, n.mac);
	cfg->nets[cfg->num_nets++] = n;
	return 0;
}

static int parse_console(struct parser *p, const char *arg, struct vmm_config *cfg)
{
	char q[48];

	if (strcmp(arg, "stdio") == 0) {
		cfg->console = VMM_CONSOLE_STDIO;
		return 0;
	}
	if (strcmp(arg, "none") == 0) {
		cfg->console = VMM_CONSOLE_NONE;
		return 0;
	}
	if (strncmp(arg, "file:", 5) == 0 && arg[5] != '\0') {
		cfg->console = VMM_CONSOLE_FILE;
		return set_string(p, &cfg->console_path, arg + 5);
	}
	return fail(p, "--console: '%s' is not stdio, file:PATH or none", quote(q, sizeof(q), arg));
}

static int parse_suspend(struct parser *p, const char *arg, struct vmm_config *cfg)
{
	char q[48];

	if (strcmp(arg, "honour") == 0 || strcmp(arg, "honor") == 0)
		cfg->suspend = VMM_SUSPEND_HONOUR;
	else if (strcmp(arg, "deny") == 0)
		cfg->suspend = VMM_SUSPEND_DENY;
	else if (strncmp(arg, "snapshot:", 9) == 0) {
		if (arg[9] == '\0')
			return fail(p, "--suspend: snapshot:DIR needs a folder");
		if (strlen(arg + 9) > VMM_SNAPSHOT_DIR_MAX)
			return fail(p,
			            "--suspend: the snapshot folder's path is longer than %u bytes",
			            VMM_SNAPSHOT_DIR_MAX);
		if (cfg->snapshot_dir && strcmp(cfg->snapshot_dir, arg + 9) != 0)
			return fail(p,
			            "--suspend snapshot:DIR and --snapshot-dir name two folders");
		cfg->suspend = VMM_SUSPEND_SNAPSHOT;
		free(cfg->snapshot_dir);
		cfg->snapshot_dir = NULL;
		return set_string(p, &cfg->snapshot_dir, arg + 9);
	} else
		return fail(p, "--suspend: '%s' is not honour, deny or snapshot:DIR",
		            quote(q, sizeof(q), arg));
	return 0;
}

static int parse_log_level(struct parser *p, const char *arg, struct vmm_config *cfg)
{
	char q[48];

	for (int l = VMM_LOG_ERROR; l <= VMM_LOG_DEBUG; l++) {
		if (strcmp(arg, vmm_log_level_name((enum vmm_log_level)l)) == 0) {
			cfg->log_level = (enum vmm_log_level)l;
			return 0;
		}
	}
	return fail(p, "--log-level: '%s' is not error, warn, info or debug",
	            quote(q, sizeof(q), arg));
}

static void config_defaults(struct vmm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory_mib = VMM_MEMORY_DEFAULT_MIB;
	cfg->vcpus = 1;
	cfg->console = VMM_CONSOLE_STDIO;
	cfg->suspend = VMM_SUSPEND_HONOUR;
	cfg->seccomp = true;
	cfg->log_level = VMM_LOG_WARN;
}

void vmm_config_release(struct vmm_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->kernel);
	free(cfg->initrd);
	free(cfg->cmdline);
	free(cfg->console_path);
	free(cfg->api_socket);
	free(cfg->snapshot_dir);
	free(cfg->restore_dir);
	for (uint32_t i = 0; i < cfg->num_disks && i < VMM_DISKS_MAX; i++)
		free(cfg->disks[i].path);
	for (uint32_t i = 0; i < cfg->num_nets && i < VMM_NETS_MAX; i++)
		free(cfg->nets[i].tap);
	config_defaults(cfg);
}

static int apply(struct parser *p, int opt, const char *arg, struct vmm_config *cfg)
{
	char q[48];

	switch (opt) {
	case OPT_KERNEL:
		if (*arg == '\0')
			return fail(p, "--kernel: the path is empty");
		return set_string(p, &cfg->kernel, arg);
	case OPT_INITRD:
		if (*arg == '\0')
			return fail(p, "--initrd: the path is empty");
		return set_string(p, &cfg->initrd, arg);
	case OPT_CMDLINE:
		if (strlen(arg) > VMM_CMDLINE_MAX)
			return fail(p, "--cmdline: longer than %u bytes", VMM_CMDLINE_MAX);
		return set_string(p, &cfg->cmdline, arg);
	case OPT_MEMORY:
		return parse_memory(p, arg, &cfg->memory_mib);
	case OPT_VCPUS:
		return parse_vcpus(p, arg, &cfg->vcpus);
	case OPT_DISK:
		return parse_disk(p, arg, cfg);
	case OPT_NET:
		return parse_net(p, arg, cfg);
	case OPT_RNG:
		cfg->rng = true;
		return 0;
	case OPT_CONSOLE:
		return parse_console(p, arg, cfg);
	case OPT_SUSPEND:
		return parse_suspend(p, arg, cfg);
	case OPT_NO_SECCOMP:
		cfg->seccomp = false;
		return 0;
	case OPT_LOG_LEVEL:
		return parse_log_level(p, arg, cfg);
	case OPT_REBOOT:
		cfg->reboot = true;
		return 0;
	case OPT_API_SOCKET:
		if (*arg == '\0')
			return fail(p, "--api-socket: the path is empty");
		/* A Unix socket's path holds at most 107 bytes (sockaddr_un). */
		if (strlen(arg) > VMM_API_SOCKET_PATH_MAX)
			return fail(p, "--api-socket: the path is longer than %u bytes",
			            VMM_API_SOCKET_PATH_MAX);
		return set_string(p, &cfg->api_socket, arg);
	case OPT_RESTORE:
		if (*arg == '\0')
			return fail(p, "--restore: the path is empty");
		if (strlen(arg) > VMM_SNAPSHOT_DIR_MAX)
			return fail(p, "--restore: the path is longer than %u bytes",
			            VMM_SNAPSHOT_DIR_MAX);
		return set_string(p, &cfg->restore_dir, arg);
	case OPT_SNAPSHOT_DIR:
		if (*arg == '\0')
			return fail(p, "--snapshot-dir: the path is empty");
		if (strlen(arg) > VMM_SNAPSHOT_DIR_MAX)
			return fail(p, "--snapshot-dir: the path is longer than %u bytes",
			            VMM_SNAPSHOT_DIR_MAX);
		if (cfg->snapshot_dir) {
			if (strcmp(cfg->snapshot_dir, arg) != 0)
				return fail(p, "--suspend snapshot:DIR and --snapshot-dir name two "
				               "folders");
			return 0;
		}
		return set_string(p, &cfg->snapshot_dir, arg);
	default:
		return fail(p, "internal error: option %s", quote(q, sizeof(q), option_name(opt)));
	}
}

int vmm_cli_parse(int argc, char *const argv[], struct vmm_config *cfg, char *err, size_t err_size)
{
	struct parser p = {.err = err, .err_size = err_size};
	char q[48];
	int action = VMM_CLI_RUN;
	uint32_t seen = 0;
	int ret = 0;

	if (err && err_size)
		err[0] = '\0';
	if (!cfg)
		return -EINVAL;
	config_defaults(cfg);
	if (argc < 1 || !argv)
		return fail(&p, "no arguments");

	/* getopt_long may reorder its array: it gets a copy so the caller's argv stays as is. */
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		fail(&p, "out of memory");
		return -ENOMEM;
	}
	memcpy(args, argv, (size_t)argc * sizeof(*args));

	optind = 0; /* 0, not 1: glibc then resets all of its internal state */
	opterr = 0;
	for (;;) {
		int opt = getopt_long(argc, args, "+:hV", long_options, NULL);
		if (opt == -1)
			break;
		if (opt == OPT_HELP) {
			action = VMM_CLI_HELP;
			continue;
		}
		if (opt == OPT_VERSION) {
			if (action != VMM_CLI_HELP)
				action = VMM_CLI_VERSION;
			continue;
		}
		if (opt == ':') {
			ret = fail(&p, "option '--%s' needs a value", option_name(optopt));
			goto out;
		}
		if (opt == '?') {
			if (optopt >= OPT_KERNEL)
				ret = fail(&p, "option '--%s' takes no value", option_name(optopt));
			else if (optopt != 0)
				ret = fail(&p, "unknown option '-%c' (see --help)",
				           (optopt > 0x20 && optopt < 0x7f) ? optopt : '?');
			else
				ret = fail(&p, "unknown or ambiguous option '%s' (see --help)",
				           quote(q, sizeof(q), args[optind - 1]));
			goto out;
		}
		uint32_t bit = 1u << (opt - OPT_KERNEL);
		if (opt != OPT_DISK && opt != OPT_NET && (seen & bit)) {
			ret = fail(&p, "option '--%s' given twice", option_name(opt));
			goto out;
		}
		seen |= bit;
		ret = apply(&p, opt, optarg, cfg);
		if (ret < 0)
			goto out;
	}
	if (optind < argc) {
		ret = fail(&p, "unexpected argument '%s' (see --help)",
		           quote(q, sizeof(q), args[optind]));
		goto out;
	}
	if (action != VMM_CLI_RUN) {
		ret = action;
		goto out;
	}
	if (cfg->restore_dir) {
		/* The machine is the snapshot's: options that would describe another are
		   refused rather than ignored. */
		static const int machine_options[] = {OPT_KERNEL, OPT_INITRD, OPT_CMDLINE,
		                                      OPT_MEMORY, OPT_VCPUS,  OPT_DISK,
		                                      OPT_NET,    OPT_RNG};
		for (size_t i = 0; i < sizeof(machine_options) / sizeof(*machine_options); i++) {
			if (seen & (1u << (machine_options[i] - OPT_KERNEL))) {
				ret = fail(&p,
				           "--restore: --%s comes from the snapshot and cannot be "
				           "given",
				           option_name(machine_options[i]));
				goto out;
			}
		}
		ret = VMM_CLI_RUN;
		goto out;
	}
	if (!cfg->kernel) {
		ret = fail(&p, "no kernel given (use --kernel PATH; see --help)");
		goto out;
	}
	if (!cfg->cmdline) {
		ret = set_string(&p, &cfg->cmdline, "");
		if (ret < 0)
			goto out;
	}
	ret = VMM_CLI_RUN;
out:
	free(args);
	/* A failed parse hands nothing half-made back. */
	if (ret < 0)
		vmm_config_release(cfg);
	return ret;
}
