#!/bin/bash
# Installs everything cvmm's build, tests and demo need on Debian 12 (run as root),
# adds the arm64 architecture, and prepares the arm64 sysroot and the guest and
# test-host artefacts (all from Debian's archive, cached under $CVMM_CACHE).
# Idempotent: a second run with everything in place only checks and returns.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

host_packages=(
	build-essential cmake pkg-config clang lld llvm
	libfdt-dev libseccomp-dev libcriterion-dev libjson-c-dev
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	qemu-system-x86 qemu-system-arm qemu-user-static
	busybox-static valgrind libc6-dbg e2fsprogs xz-utils
)

missing=()
for p in "${host_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "adding the arm64 architecture"
	dpkg --add-architecture arm64
	apt_updated=0
fi
if [ ${#missing[@]} -gt 0 ] || [ "${apt_updated:-1}" = 0 ]; then
	log "installing: ${missing[*]:-(none, refreshing package lists)}"
	apt-get update -q
	[ ${#missing[@]} -eq 0 ] ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$here/fetch-artefacts.sh"
