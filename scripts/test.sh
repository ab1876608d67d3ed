#!/bin/bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs what it needs,
# builds x86_64 (gcc and clang, warnings as errors) and aarch64, then runs with ctest
#   - the x86_64 unit tests and KVM tests on this machine's /dev/kvm,
#   - the x86_64 KVM tests in the emulated x86_64 host,
#   - the aarch64 unit tests under qemu-user,
#   - the aarch64 KVM tests in the emulated arm64 host.
# Exits non-zero when any test fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

"$here/setup.sh"
"$here/build.sh" x86_64
"$here/build.sh" x86_64-clang -DCVMM_BUILD_TESTS=OFF
"$here/build.sh" aarch64

status=0
for target in x86_64 aarch64; do
	log "running the $target tests"
	ctest --test-dir "$CVMM_ROOT/build/$target" -j "$(nproc)" --output-on-failure \
		--timeout 900 || status=1
done
[ $status = 0 ] && log "all tests passed" || log "some tests failed"
exit $status
