#!/bin/bash
# The main job, from a fresh Debian 12 machine (as root): installs what it needs, builds
# cvmm for aarch64, boots the emulated arm64 host (real KVM at EL2) and runs the KVM smoke
# program in it: /dev/kvm, API 12, KVM_CAP_ARM_SYSTEM_SUSPEND offered, a guest's PSCI
# SYSTEM_OFF seen as a SYSTEM_EVENT exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

"$here/setup.sh"
"$here/build.sh" aarch64
exec "$CVMM_ROOT/tests/hosts/run-host.sh" --arch aarch64 --criterion -- \
	"$CVMM_ROOT/build/aarch64/tests/smoke/smoke_kvm"
