#!/bin/sh
# A real device I/O error: /dev/vda is a device-mapper device in the host whose sectors
# 1024-1151 (bytes 512 KiB-576 KiB) are dm's "error" target, the rest a loop device.
# Reads and writes of that range must fail with an I/O error (the kernel's "I/O error" is
# VIRTIO_BLK_S_IOERR; UNSUPP would read "operation not supported"); sector 0 and the
# sectors after the range must still read their bytes, and a write after the range must
# work (the host checks it in the backing file).
. /scenarios/lib.sh
for m in virtio_mmio virtio_blk; do insmod /modules/$m.ko 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
[ "$(head -c 16 /dev/vda)" = CVMM-FAULTS-DISK ] || fail "sector 0 does not read its bytes"
say "sector 0 reads"

echo 3 >/proc/sys/vm/drop_caches
if dd if=/dev/vda of=/dev/null bs=4096 skip=130 count=1 2>/tmp/dd.err; then
	fail "a read of sectors 1040-1047 (the failing range) succeeded"
fi
say "read in the failing range: $(tail -n 1 /tmp/dd.err)"
dmesg | grep "I/O error, dev vda, sector" | tail -n 2
dmesg | grep -q "I/O error, dev vda, sector 1[01][0-9][0-9] op 0x0:(READ)" ||
	fail "the kernel logged no I/O error (VIRTIO_BLK_S_IOERR) for a read in sectors 1024-1151"
dmesg | grep -q "dev vda.*not supported" && fail "a request got UNSUPP instead of IOERR"

echo 3 >/proc/sys/vm/drop_caches
got=$(dd if=/dev/vda bs=4096 skip=192 count=1 2>/dev/null | head -c 17)
[ "$got" = CVMM-DM-AFTER-ERR ] || fail "sector 1536, after the failing range, reads '$got'"
say "sectors after the failing range still read"

if dd if=/dev/zero of=/dev/vda bs=4096 seek=135 count=1 conv=fsync 2>/tmp/dd.err; then
	fail "a write with fsync into the failing range succeeded"
fi
say "write in the failing range: $(tail -n 1 /tmp/dd.err)"
# Linux negotiates VIRTIO_BLK_F_FLUSH: the write itself lands in the host's page cache and
# the error comes at the flush (the host's fdatasync fails with EIO): an I/O error of a
# WRITE request (the flush) in the kernel log.
dmesg | grep "I/O error, dev vda, sector [0-9]* op 0x1:(WRITE)" | tail -n 1
dmesg | grep -q "I/O error, dev vda, sector [0-9]* op 0x1:(WRITE)" ||
	fail "the kernel logged no I/O error (VIRTIO_BLK_S_IOERR) for the write or its flush"

yes CVMM-DM-GOOD-WRITE | head -c 4096 | dd of=/dev/vda bs=4096 seek=200 count=1 conv=fsync \
	2>/tmp/dd.err || fail "a write after the failing range failed: $(tail -n 1 /tmp/dd.err)"
echo 3 >/proc/sys/vm/drop_caches
[ "$(head -c 16 /dev/vda)" = CVMM-FAULTS-DISK ] || fail "sector 0 no longer reads"
say "sector 0 still reads, a write after the range went through"
