/* SPDX-License-Identifier: Apache-2.0 */
/* vmm-ref's command-line parser on good and bad command lines. */
#include "cli.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct vmm_config cfg;
static char err[VMM_CLI_ERROR_MAX];

static void release(void)
{
	vmm_config_release(&cfg);
}

TestSuite(cli, .fini = release);

/* A usage error: -EINVAL, one line of text naming the problem, nothing left in cfg. */
static void expect_usage_error(int argc, char *const argv[], const char *needle)
{
	int ret = vmm_cli_parse(argc, argv, &cfg, err, sizeof(err));
	cr_assert_eq(ret, -EINVAL, "'%s' %s: ret %d", argv[1], argc > 2 ? argv[2] : "", ret);
	cr_assert_neq(err[0], '\0');
	cr_assert_null(strchr(err, '\n'), "error is one line: %s", err);
	cr_assert_not_null(strstr(err, needle), "error '%s' should mention '%s'", err, needle);
	cr_assert_null(cfg.kernel);
	cr_assert_eq(cfg.num_disks, 0);
	cr_assert_eq(cfg.num_nets, 0);
}

Test(cli, defaults_with_kernel_only)
{
	char *argv[] = {"vmm-ref", "--kernel", "/k"};
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_str_eq(cfg.kernel, "/k");
	cr_assert_null(cfg.initrd);
	cr_assert_str_eq(cfg.cmdline, "");
	cr_assert_eq(cfg.memory_mib, VMM_MEMORY_DEFAULT_MIB);
	cr_assert_eq(cfg.vcpus, 1);
	cr_assert_eq(cfg.num_disks, 0);
	cr_assert(!cfg.rng);
	cr_assert_eq(cfg.console, VMM_CONSOLE_STDIO);
	cr_assert_eq(cfg.suspend, VMM_SUSPEND_HONOUR);
	cr_assert(cfg.seccomp);
	cr_assert_eq(cfg.log_level, VMM_LOG_WARN);
	cr_assert(!cfg.reboot);
	cr_assert_eq(err[0], '\0');
}

Test(cli, every_option)
{
	char *argv[] = {"vmm-ref",
	                "--kernel",
	                "/boot/Image",
	                "--initrd",
	                "/i.cpio",
	                "--cmdline",
	                "console=ttyS0 quiet",
	                "--memory",
	                "1G",
	                "--vcpus",
	                "4",
	                "--disk",
	                "/a.img,ro",
	                "--disk=/b.img",
	                "--rng",
	                "--console",
	                "file:/tmp/c.log",
	                "--suspend",
	                "deny",
	                "--no-seccomp",
	                "--log-level",
	                "debug",
	                "--reboot"};
	char *copy[ARGC(argv)];
	memcpy(copy, argv, sizeof(argv));
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert_str_eq(cfg.kernel, "/boot/Image");
	cr_assert_str_eq(cfg.initrd, "/i.cpio");
	cr_assert_str_eq(cfg.cmdline, "console=ttyS0 quiet");
	cr_assert_eq(cfg.memory_mib, 1024);
	cr_assert_eq(cfg.vcpus, 4);
	cr_assert_eq(cfg.num_disks, 2);
	cr_assert_str_eq(cfg.disks[0].path, "/a.img");
	cr_assert(cfg.disks[0].read_only);
	cr_assert_str_eq(cfg.disks[1].path, "/b.img");
	cr_assert(!cfg.disks[1].read_only);
	cr_assert(cfg.rng);
	cr_assert_eq(cfg.console, VMM_CONSOLE_FILE);
	cr_assert_str_eq(cfg.console_path, "/tmp/c.log");
	cr_assert_eq(cfg.suspend, VMM_SUSPEND_DENY);
	cr_assert(!cfg.seccomp);
	cr_assert_eq(cfg.log_level, VMM_LOG_DEBUG);
	cr_assert(cfg.reboot);
	/* The caller's argv is left in its order. */
	cr_assert_eq(memcmp(copy, argv, sizeof(argv)), 0);
}

Test(cli, memory_bounds_and_suffixes)
{
	char *lo[] = {"vmm-ref", "--kernel", "k", "--memory", "16"};
	cr_assert_eq(vmm_cli_parse(ARGC(lo), lo, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_eq(cfg.memory_mib, 16);
	release();
	char *hi[] = {"vmm-ref", "--kernel", "k", "--memory", "64G"};
	cr_assert_eq(vmm_cli_parse(ARGC(hi), hi, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_eq(cfg.memory_mib, 65536);
	release();
	char *m[] = {"vmm-ref", "--kernel", "k", "--memory", "512M"};
	cr_assert_eq(vmm_cli_parse(ARGC(m), m, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_eq(cfg.memory_mib, 512);
}

Test(cli, console_none_and_suspend_honour)
{
	char *argv[] = {"vmm-ref", "--console", "none", "--suspend", "honour", "--kernel", "k"};
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_eq(cfg.console, VMM_CONSOLE_NONE);
	cr_assert_eq(cfg.suspend, VMM_SUSPEND_HONOUR);
}

Test(cli, reboot)
{
	char *argv[] = {"vmm-ref", "--reboot", "--kernel", "k"};
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert(cfg.reboot);
	/* Nothing else changes with it. */
	cr_assert_eq(cfg.console, VMM_CONSOLE_STDIO);
	cr_assert(cfg.seccomp);
	release();
	/* A unique prefix is enough, as for every long option. */
	char *prefix[] = {"vmm-ref", "--kernel", "k", "--reb"};
	cr_assert_eq(vmm_cli_parse(ARGC(prefix), prefix, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert(cfg.reboot);
	release();
	/* A reset no longer ends vmm-ref: --reboot is in --help. */
	cr_assert_not_null(strstr(vmm_cli_usage(), "--reboot"));
	char *value[] = {"vmm-ref", "--kernel", "k", "--reboot=3"};
	expect_usage_error(ARGC(value), value, "'--reboot' takes no value");
	char *twice[] = {"vmm-ref", "--kernel", "k", "--reboot", "--reboot"};
	expect_usage_error(ARGC(twice), twice, "'--reboot' given twice");
	cr_assert(!cfg.reboot);
}

Test(cli, api_socket)
{
	char *argv[] = {"vmm-ref", "--kernel", "k", "--api-socket", "/run/vm.sock"};
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert_str_eq(cfg.api_socket, "/run/vm.sock");
	release();
	char *none[] = {"vmm-ref", "--kernel", "k"};
	cr_assert_eq(vmm_cli_parse(ARGC(none), none, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_null(cfg.api_socket);
	release();
	cr_assert_not_null(strstr(vmm_cli_usage(), "--api-socket PATH"));

	char *empty[] = {"vmm-ref", "--kernel", "k", "--api-socket", ""};
	expect_usage_error(ARGC(empty), empty, "--api-socket: the path is empty");
	/* sockaddr_un holds 107 bytes and the NUL: one more is refused before any socket. */
	char longest[VMM_API_SOCKET_PATH_MAX + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[0] = '/';
	longest[VMM_API_SOCKET_PATH_MAX] = '\0';
	char *fits[] = {"vmm-ref", "--kernel", "k", "--api-socket", longest};
	cr_assert_eq(vmm_cli_parse(ARGC(fits), fits, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	release();
	longest[VMM_API_SOCKET_PATH_MAX] = 'a';
	longest[VMM_API_SOCKET_PATH_MAX + 1] = '\0';
	char *too_long[] = {"vmm-ref", "--kernel", "k", "--api-socket", longest};
	expect_usage_error(ARGC(too_long), too_long, "longer than 107 bytes");
	char *twice[] = {"vmm-ref", "--kernel", "k", "--api-socket", "a", "--api-socket", "b"};
	expect_usage_error(ARGC(twice), twice, "'--api-socket' given twice");
}

Test(cli, suspend_to_a_snapshot_and_restore)
{
	char *snap[] = {"vmm-ref", "--kernel", "k", "--suspend", "snapshot:/var/lib/vm1"};
	cr_assert_eq(vmm_cli_parse(ARGC(snap), snap, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert_eq(cfg.suspend, VMM_SUSPEND_SNAPSHOT);
	cr_assert_str_eq(cfg.snapshot_dir, "/var/lib/vm1");
	cr_assert_str_eq(vmm_suspend_policy_name(cfg.suspend), "snapshot");
	release();
	char *empty[] = {"vmm-ref", "--kernel", "k", "--suspend", "snapshot:"};
	expect_usage_error(ARGC(empty), empty, "snapshot:DIR needs a folder");

	/* --restore: the snapshot is the machine; only the run's own options go with it. */
	char *restore[] = {"vmm-ref",      "--restore",    "/var/lib/vm1", "--console", "none",
	                   "--suspend",    "honour",       "--log-level",  "info",      "--reboot",
	                   "--no-seccomp", "--api-socket", "/run/vm1.sock"};
	cr_assert_eq(vmm_cli_parse(ARGC(restore), restore, &cfg, err, sizeof(err)), VMM_CLI_RUN,
	             "%s", err);
	cr_assert_str_eq(cfg.restore_dir, "/var/lib/vm1");
	cr_assert_null(cfg.kernel, "no kernel: the snapshot supplies it");
	cr_assert(cfg.reboot);
	release();
	static const char *const machine[][2] = {
	    {"--kernel", "k"}, {"--initrd", "i"},   {"--cmdline", "quiet"}, {"--memory", "512"},
	    {"--vcpus", "2"},  {"--disk", "d.img"}, {"--rng", NULL},        {"--net", "tap=t0"}};
	for (size_t i = 0; i < sizeof(machine) / sizeof(machine[0]); i++) {
		char *argv[] = {"vmm-ref", "--restore", "/s", (char *)machine[i][0],
		                (char *)machine[i][1]};
		char want[64];
		snprintf(want, sizeof(want), "--restore: %s comes from the snapshot",
		         machine[i][0]);
		expect_usage_error(machine[i][1] ? 5 : 4, argv, want);
	}
	/* --snapshot-dir: the command's folder; the same as snapshot:DIR's, if both. */
	char *dir_opt[] = {"vmm-ref", "--kernel", "k", "--snapshot-dir", "/s"};
	cr_assert_eq(vmm_cli_parse(ARGC(dir_opt), dir_opt, &cfg, err, sizeof(err)), VMM_CLI_RUN,
	             "%s", err);
	cr_assert_str_eq(cfg.snapshot_dir, "/s");
	cr_assert_eq(cfg.suspend, VMM_SUSPEND_HONOUR);
	release();
	char *same[] = {"vmm-ref", "--kernel",  "k",          "--snapshot-dir",
	                "/s",      "--suspend", "snapshot:/s"};
	cr_assert_eq(vmm_cli_parse(ARGC(same), same, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert_eq(cfg.suspend, VMM_SUSPEND_SNAPSHOT);
	release();
	char *two[] = {"vmm-ref",     "--kernel",       "k", "--suspend",
	               "snapshot:/a", "--snapshot-dir", "/b"};
	expect_usage_error(ARGC(two), two, "name two folders");
	char *no_dir[] = {"vmm-ref", "--restore", ""};
	expect_usage_error(ARGC(no_dir), no_dir, "--restore: the path is empty");
	cr_assert_not_null(strstr(vmm_cli_usage(), "--restore DIR"));
	cr_assert_not_null(strstr(vmm_cli_usage(), "4 the guest suspended"));
}

Test(cli, help_and_version)
{
	char *h[] = {"vmm-ref", "--help"};
	cr_assert_eq(vmm_cli_parse(ARGC(h), h, &cfg, err, sizeof(err)), VMM_CLI_HELP);
	release();
	/* --help needs no --kernel and wins over --version. */
	char *hv[] = {"vmm-ref", "-V", "-h"};
	cr_assert_eq(vmm_cli_parse(ARGC(hv), hv, &cfg, err, sizeof(err)), VMM_CLI_HELP);
	release();
	char *v[] = {"vmm-ref", "--version"};
	cr_assert_eq(vmm_cli_parse(ARGC(v), v, &cfg, err, sizeof(err)), VMM_CLI_VERSION);
	cr_assert_not_null(strstr(vmm_cli_usage(), "--kernel PATH"));
	cr_assert_not_null(strstr(vmm_cli_usage(), "--suspend"));
}

Test(cli, parses_twice_in_a_row)
{
	/* getopt's state is global: a second parse must start from scratch. */
	char *bad[] = {"vmm-ref", "--kernel", "k", "--bogus"};
	cr_assert_eq(vmm_cli_parse(ARGC(bad), bad, &cfg, err, sizeof(err)), -EINVAL);
	char *good[] = {"vmm-ref", "--vcpus", "2", "--kernel", "k2"};
	cr_assert_eq(vmm_cli_parse(ARGC(good), good, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert_str_eq(cfg.kernel, "k2");
	cr_assert_eq(cfg.vcpus, 2);
}

Test(cli, eight_disks_fit)
{
	char *argv[] = {"vmm-ref", "--kernel", "k",      "--disk", "1",      "--disk", "2",
	                "--disk",  "3",        "--disk", "4",      "--disk", "5",      "--disk",
	                "6",       "--disk",   "7",      "--disk", "8,ro,rw"};
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	cr_assert_eq(cfg.num_disks, 8);
	cr_assert_str_eq(cfg.disks[7].path, "8");
	cr_assert(!cfg.disks[7].read_only);
}

Test(cli, usage_errors)
{
	char *no_kernel[] = {"vmm-ref", "--vcpus", "2"};
	expect_usage_error(ARGC(no_kernel), no_kernel, "--kernel");
	char *unknown[] = {"vmm-ref", "--kernel", "k", "--frobnicate"};
	expect_usage_error(ARGC(unknown), unknown, "'--frobnicate'");
	char *unknown_short[] = {"vmm-ref", "-q", "--kernel", "k"};
	expect_usage_error(ARGC(unknown_short), unknown_short, "'-q'");
	char *missing[] = {"vmm-ref", "--kernel"};
	expect_usage_error(ARGC(missing), missing, "'--kernel' needs a value");
	char *extra_value[] = {"vmm-ref", "--kernel", "k", "--rng=yes"};
	expect_usage_error(ARGC(extra_value), extra_value, "'--rng' takes no value");
	char *stray[] = {"vmm-ref", "--kernel", "k", "extra"};
	expect_usage_error(ARGC(stray), stray, "'extra'");
	char *twice[] = {"vmm-ref", "--kernel", "k", "--kernel", "k2"};
	expect_usage_error(ARGC(twice), twice, "twice");
	char *empty_kernel[] = {"vmm-ref", "--kernel="};
	expect_usage_error(ARGC(empty_kernel), empty_kernel, "empty");
}

Test(cli, bad_numbers)
{
	static const char *const mem[] = {"",
	                                  "abc",
	                                  "12x",
	                                  "-5",
	                                  "+5",
	                                  " 5",
	                                  "5 ",
	                                  "15",
	                                  "0",
	                                  "65537",
	                                  "65G",
	                                  "1T",
	                                  "99999999999999999999999",
	                                  "5MiB"};
	for (size_t i = 0; i < sizeof(mem) / sizeof(mem[0]); i++) {
		char *argv[] = {"vmm-ref", "--kernel", "k", "--memory", (char *)mem[i]};
		expect_usage_error(ARGC(argv), argv, "--memory");
	}
	static const char *const vcpus[] = {"0", "65", "-1", "1.5", "0x2", "", "4294967297"};
	for (size_t i = 0; i < sizeof(vcpus) / sizeof(vcpus[0]); i++) {
		char *argv[] = {"vmm-ref", "--kernel", "k", "--vcpus", (char *)vcpus[i]};
		expect_usage_error(ARGC(argv), argv, "--vcpus");
	}
}

Test(cli, bad_words)
{
	char *console[] = {"vmm-ref", "--kernel", "k", "--console", "serial"};
	expect_usage_error(ARGC(console), console, "--console");
	char *console_file[] = {"vmm-ref", "--kernel", "k", "--console", "file:"};
	expect_usage_error(ARGC(console_file), console_file, "--console");
	char *suspend[] = {"vmm-ref", "--kernel", "k", "--suspend", "maybe"};
	expect_usage_error(ARGC(suspend), suspend, "--suspend");
	char *level[] = {"vmm-ref", "--kernel", "k", "--log-level", "loud"};
	expect_usage_error(ARGC(level), level, "--log-level");
	char *disk_flag[] = {"vmm-ref", "--kernel", "k", "--disk", "/a.img,rx"};
	expect_usage_error(ARGC(disk_flag), disk_flag, "--disk");
	char *disk_path[] = {"vmm-ref", "--kernel", "k", "--disk", ",ro"};
	expect_usage_error(ARGC(disk_path), disk_path, "--disk");
	char *nine[] = {"vmm-ref", "--kernel", "k",      "--disk", "1",      "--disk", "2",
	                "--disk",  "3",        "--disk", "4",      "--disk", "5",      "--disk",
	                "6",       "--disk",   "7",      "--disk", "8",      "--disk", "9"};
	expect_usage_error(ARGC(nine), nine, "too many disks");
}

Test(cli, cmdline_length_limit)
{
	static char longest[VMM_CMDLINE_MAX + 1], too_long[VMM_CMDLINE_MAX + 2];
	memset(longest, 'a', VMM_CMDLINE_MAX);
	memset(too_long, 'a', VMM_CMDLINE_MAX + 1);
	char *ok[] = {"vmm-ref", "--kernel", "k", "--cmdline", longest};
	cr_assert_eq(vmm_cli_parse(ARGC(ok), ok, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_eq(strlen(cfg.cmdline), VMM_CMDLINE_MAX);
	release();
	char *bad[] = {"vmm-ref", "--kernel", "k", "--cmdline", too_long};
	expect_usage_error(ARGC(bad), bad, "--cmdline");
}

Test(cli, error_text_stays_one_short_line)
{
	/* Control characters and very long values in user input are not echoed raw. */
	static char value[600];
	memset(value, 'x', sizeof(value) - 1);
	value[3] = '\n';
	value[7] = '\r';
	char *argv[] = {"vmm-ref", "--kernel", "k", "--suspend", value};
	expect_usage_error(ARGC(argv), argv, "--suspend");
	cr_assert_null(strchr(err, '\r'));
	cr_assert_lt(strlen(err), 120, "%s", err);
	/* A tiny error buffer is truncated, never overrun. */
	char small[8];
	memset(small, 0x55, sizeof(small));
	cr_assert_eq(vmm_cli_parse(ARGC(argv), argv, &cfg, small, 6), -EINVAL);
	cr_assert_eq(small[5], '\0');
	cr_assert_eq((unsigned char)small[6], 0x55);
}

Test(cli, network_devices)
{
	char *two[] = {"vmm-ref",
	               "--kernel",
	               "k",
	               "--net",
	               "tap=tap0",
	               "--net",
	               "tap=vm1-eth1,mac=02:AB:cd:00:00:0F"};
	cr_assert_eq(vmm_cli_parse(ARGC(two), two, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s", err);
	cr_assert_eq(cfg.num_nets, 2);
	cr_assert_str_eq(cfg.nets[0].tap, "tap0");
	cr_assert_not(cfg.nets[0].mac_given);
	uint8_t derived[6];
	vmm_net_default_mac("tap0", derived);
	cr_assert_arr_eq(cfg.nets[0].mac, derived, 6, "derived from the name");
	cr_assert_eq(cfg.nets[0].mac[0] & 3, 2, "locally administered unicast");
	cr_assert_str_eq(cfg.nets[1].tap, "vm1-eth1");
	cr_assert(cfg.nets[1].mac_given);
	const uint8_t mac[6] = {0x02, 0xab, 0xcd, 0x00, 0x00, 0x0f};
	cr_assert_arr_eq(cfg.nets[1].mac, mac, 6);
	release();
	char *four[] = {"vmm-ref", "--kernel", "k",     "--net", "tap=a", "--net",
	                "tap=b",   "--net",    "tap=c", "--net", "tap=d"};
	cr_assert_eq(vmm_cli_parse(ARGC(four), four, &cfg, err, sizeof(err)), VMM_CLI_RUN);
	cr_assert_eq(cfg.num_nets, VMM_NETS_MAX);
	release();
	char *five[] = {"vmm-ref", "--kernel", "k",     "--net", "tap=a", "--net", "tap=b",
	                "--net",   "tap=c",    "--net", "tap=d", "--net", "tap=e"};
	expect_usage_error(ARGC(five), five, "too many network devices");
	static const char *const bad[][2] = {
	    {"eth0", "does not start with tap=NAME"},
	    {"tap=", "1 to 15 bytes"},
	    {"tap=0123456789abcdef", "1 to 15 bytes"},
	    {"tap=a/b", "not a network interface name"},
	    {"tap=a b", "not a network interface name"},
	    {"tap=..", "not a network interface name"},
	    {"tap=t0,mac=02:00:00:00:00", "mac=xx:xx:xx:xx:xx:xx"},
	    {"tap=t0,mac=02:00:00:00:00:0g", "mac=xx:xx:xx:xx:xx:xx"},
	    {"tap=t0,mac=02-00-00-00-00-01", "mac=xx:xx:xx:xx:xx:xx"},
	    {"tap=t0,queues=2", "mac=xx:xx:xx:xx:xx:xx"},
	    {"tap=t0,mac=01:00:5e:00:00:01", "multicast"},
	    {"tap=t0,mac=00:00:00:00:00:00", "all zero"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = {"vmm-ref", "--kernel", "k", "--net", (char *)bad[i][0]};
		expect_usage_error(ARGC(argv), argv, bad[i][1]);
	}
	char *twice[] = {
	    "vmm-ref", "--kernel", "k", "--net", "tap=t0", "--net", "tap=t0,mac=02:00:00:00:00:01"};
	expect_usage_error(ARGC(twice), twice, "given twice");
	/* Snapshots record the network devices. */
	char *snap[] = {"vmm-ref", "--kernel", "k", "--net", "tap=t0", "--suspend", "snapshot:/s"};
	cr_assert_eq(vmm_cli_parse(ARGC(snap), snap, &cfg, err, sizeof(err)), VMM_CLI_RUN, "%s",
	             err);
	release();
	cr_assert_not_null(strstr(vmm_cli_usage(), "--net tap=NAME[,mac=MAC]"));
}
