#!/bin/bash
# Builds the initramfs of the Linux guest that the end-to-end tests and the demo boot under
# vmm-ref: static busybox, tests/e2e/guest/init and its scenarios, and the kernel modules the
# scenarios load (virtio, ext4, virtio-net, the input event device, gpio-keys and the ACPI button; from
# the same Debian kernel package as the guest kernel).
#   make-guest-initramfs.sh aarch64|x86_64 OUTPUT
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../scripts/common.sh"

arch=${1:?usage: make-guest-initramfs.sh aarch64|x86_64 OUTPUT}
out=${2:?usage: make-guest-initramfs.sh aarch64|x86_64 OUTPUT}
case $arch in aarch64) karch=arm64 ;; x86_64) karch=x86_64 ;; *) die "unknown arch $arch" ;; esac
kdir=$CVMM_CACHE/kernel-$karch
[ -e "$kdir/.done" ] || die "no $karch kernel in $CVMM_CACHE: run scripts/fetch-artefacts.sh"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,mnt,modules,scenarios}
install -m 0755 "$CVMM_CACHE/busybox-$karch" "$stage/bin/busybox"
install -m 0755 "$here/guest/init" "$stage/init"
install -m 0755 "$here"/guest/scenarios/*.sh "$stage/scenarios/"
mdir=$kdir/root/lib/modules/$(cat "$kdir/release")/kernel
for m in lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4 \
	drivers/virtio/virtio_mmio drivers/block/virtio_blk drivers/char/hw_random/virtio-rng \
	drivers/input/evdev drivers/input/keyboard/gpio_keys drivers/acpi/button \
	net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
	[ -e "$mdir/$m.ko" ] && cp "$mdir/$m.ko" "$stage/modules/"
done
(cd "$stage" && find . | LC_ALL=C sort | "$CVMM_CACHE/busybox-x86_64" cpio -o -H newc 2>/dev/null) >"$out.tmp"
mv "$out.tmp" "$out"
