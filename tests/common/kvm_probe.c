/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configure-time probe (cmake/CvmmTesting.cmake, CVMM_KVM_TESTS=auto): exits 0 when this
 * machine's /dev/kvm can create a VM, 1 otherwise, and prints which.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm;

	if (kvm < 0) {
		printf("cannot be opened (%s)\n", strerror(errno));
		return 1;
	}
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("has an unexpected API version\n");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("cannot create a VM (%s)\n", strerror(errno));
		return 1;
	}
	close(vm);
	close(kvm);
	printf("usable\n");
	return 0;
}
