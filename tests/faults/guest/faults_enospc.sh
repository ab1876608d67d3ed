#!/bin/sh
# ENOSPC: /dev/vda is a sparse 1 MiB image on a host file system with less room than
# that, /dev/vdb an ordinary image. Filling vda must fail with an I/O error in the guest;
# vda must still read, and vdb must still write (the host checks its pattern).
. /scenarios/lib.sh
for m in virtio_mmio virtio_blk; do insmod /modules/$m.ko 2>/dev/null; done
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] && [ -b /dev/vdb ] || fail "no /dev/vda and /dev/vdb"
if dd if=/dev/urandom of=/dev/vda bs=4096 count=256 conv=fsync 2>/tmp/dd.err; then
	fail "filling /dev/vda succeeded on a full host file system"
fi
say "write to vda failed: $(tail -n 1 /tmp/dd.err)"
echo 3 >/proc/sys/vm/drop_caches
dd if=/dev/vda of=/dev/null bs=4096 count=256 2>/dev/null || fail "vda no longer reads"
say "vda still reads"
yes cvmm-enospc-other-disk | head -c 65536 | dd of=/dev/vdb bs=4096 conv=fsync 2>/dev/null ||
	fail "vdb no longer writes"
say "vdb written"
