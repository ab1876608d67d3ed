#!/bin/bash
# Builds a newc archive that the x86_64 end-to-end tests append to the guest initramfs of
# tests/e2e (Linux unpacks concatenated archives in order): the virtio core modules that
# Debian's cloud amd64 kernel has as modules, and the x86-disk, x86-reboot-twice, x86-rtc,
# x86-rng, x86-suspend and x86-suspend-denied scenarios.
#   make-guest-overlay.sh OUTPUT
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../scripts/common.sh"

out=${1:?usage: make-guest-overlay.sh OUTPUT}
kdir=$CVMM_CACHE/kernel-x86_64
[ -e "$kdir/.done" ] || die "no x86_64 kernel in $CVMM_CACHE: run scripts/fetch-artefacts.sh"
mdir=$kdir/root/lib/modules/$(cat "$kdir/release")/kernel
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{modules,scenarios}
for m in virtio/virtio virtio/virtio_ring virtio/virtio_mmio; do
	cp "$mdir/drivers/$m.ko" "$stage/modules/"
done
cp "$mdir/drivers/block/virtio_blk.ko" "$stage/modules/"
install -m 0755 "$here/guest-disk.sh" "$stage/scenarios/x86-disk.sh"
install -m 0755 "$here/guest-reboot-twice.sh" "$stage/scenarios/x86-reboot-twice.sh"
install -m 0755 "$here/guest-rtc.sh" "$stage/scenarios/x86-rtc.sh"
install -m 0755 "$here/guest-rng.sh" "$stage/scenarios/x86-rng.sh"
install -m 0755 "$here/guest-suspend.sh" "$stage/scenarios/x86-suspend.sh"
install -m 0755 "$here/guest-suspend-denied.sh" "$stage/scenarios/x86-suspend-denied.sh"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	"$CVMM_CACHE/busybox-x86_64" cpio -o -H newc 2>/dev/null) >"$out.tmp"
mv "$out.tmp" "$out"
