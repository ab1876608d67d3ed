/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int vmm_tap_open(const char *name, uint16_t *mtu, char *err, size_t err_size)
{
	struct ifreq ifr;
	int fd, s;

	*mtu = 0;
	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, err_size, "tap device name '%s' is too long", name);
		return -1;
	}
	/* TUNSETIFF would create a device that does not exist: look first. */
	if (if_nametoindex(name) == 0) {
		snprintf(err, err_size, "no network interface '%s' (create the tap device first)",
		         name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "cannot open /dev/net/tun for tap device '%s': %s", name,
		         strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		if (e == EBUSY)
			snprintf(err, err_size, "tap device '%s' is in use by another process",
			         name);
		else if (e == EPERM || e == EACCES)
			snprintf(err, err_size, "no permission to use tap device '%s'", name);
		else if (e == EINVAL)
			snprintf(err, err_size, "'%s' is not a tap device", name);
		else
			snprintf(err, err_size, "cannot attach to tap device '%s': %s", name,
			         strerror(e));
		close(fd);
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
			*mtu = (uint16_t)ifr.ifr_mtu;
		close(s);
	}
	return fd;
}
