#!/bin/bash
# The main job, from a fresh Debian 12 machine (as root): installs what it needs, builds
# cvmm for aarch64 and the guest's initramfs, boots the emulated arm64 host (real KVM at
# EL2) and runs vmm-ref there: it boots Debian's arm64 Linux with 2 vCPUs, which
# suspends to RAM and resumes twice (PSCI SYSTEM_SUSPEND, woken by the PL031 alarm), then
# powers off. The guest console is shown live; a summary line ends the output.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

"$here/setup.sh"
"$here/build.sh" aarch64
build=$CVMM_ROOT/build/aarch64
"$CVMM_ROOT/tests/e2e/make-guest-initramfs.sh" aarch64 "$build/guest-initramfs.cpio"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
"$CVMM_ROOT/tests/hosts/run-host.sh" --arch aarch64 --timeout 300 \
	--file "$build/vmm-ref/vmm-ref:/data/vmm-ref" \
	--file "$CVMM_CACHE/kernel-arm64/kernel:/data/guest-kernel" \
	--file "$build/guest-initramfs.cpio:/data/guest-initramfs.cpio" \
	--file "$CVMM_ROOT/tests/e2e/host/lib.sh:/data/e2e-lib.sh" \
	--file "$CVMM_ROOT/tests/e2e/host/demo.sh:/data/demo.sh" \
	--cmd "demo=sh /data/demo.sh" | tee "$log" || rc=$?
echo
grep '^cvmm demo:' "$log" || echo "cvmm demo: FAIL: no result from the emulated arm64 host"
exit $rc
