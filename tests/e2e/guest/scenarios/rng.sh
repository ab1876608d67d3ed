#!/bin/sh
# Under vmm-ref --rng: the virtio-rng device becomes the guest's hardware RNG, and
# /dev/hwrng gives 64 KiB that are not constant: almost every byte value occurs in it, and
# two reads differ.
. /scenarios/lib.sh
for m in virtio_mmio virtio-rng; do
	insmod /modules/$m.ko || fail "cannot load $m"
done
cur=/sys/class/misc/hw_random/rng_current
i=0
while ! grep -q virtio_rng $cur 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
say "rng_current $(cat $cur 2>/dev/null)"
grep -q '^virtio_rng' $cur || fail "virtio_rng is not the current hw_random source"
dd if=/dev/hwrng of=/tmp/a bs=4096 count=16 2>/dev/null || fail "cannot read /dev/hwrng"
dd if=/dev/hwrng of=/tmp/b bs=4096 count=16 2>/dev/null || fail "cannot read /dev/hwrng"
for f in a b; do
	[ "$(wc -c </tmp/$f)" -eq 65536 ] || fail "read $(wc -c </tmp/$f) bytes, not 65536"
done
# The number of distinct byte values: a constant or patterned source gives a few; 64 KiB
# of random bytes miss one of the 256 with a probability of about 256 * e^-256.
values=$(od -An -v -tu1 /tmp/a | tr -s ' ' '\n' | grep . | sort -u | wc -l)
say "hwrng 65536 bytes, $values distinct byte values"
[ "$values" -ge 250 ] || fail "only $values distinct byte values in 64 KiB"
[ "$(md5sum </tmp/a)" != "$(md5sum </tmp/b)" ] || fail "two reads of /dev/hwrng are equal"
say "hwrng two reads differ"
