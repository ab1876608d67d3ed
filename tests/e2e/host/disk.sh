# virtio-blk: the guest mounts an ext4 image (/dev/vda), writes a file, suspends to RAM
# and resumes, reads it back; it writes a known pattern to a raw disk (/dev/vdb). After
# power-off the host finds the file's text in the ext4 image and the pattern in the raw
# image.
. /data/e2e-lib.sh
cp /data/disk-ext4.img disk.img
dd if=/dev/zero of=raw.img bs=4096 count=64 2>/dev/null
boot_guest disk.log disk -- --vcpus 2 --disk disk.img --disk raw.img
wait_for disk.log "CVMM-GUEST disk data " 90 || fail "no disk data marker"
wait_for disk.log "CVMM-GUEST pass disk" 30 || fail "scenario did not pass"
expect_exit 20 0
text=$(sed -n 's/.*CVMM-GUEST disk data \(cvmm-disk-data [0-9a-f-]*\).*/\1/p' disk.log | head -n 1)
[ -n "$text" ] || fail "no data text in the log"
grep -q "$text" disk.img || fail "'$text' is not in the ext4 image"
yes cvmm-raw-pattern | head -c 65536 >want.bin
dd if=raw.img of=got.bin bs=4096 count=16 2>/dev/null
cmp want.bin got.bin || fail "the raw disk does not hold the guest's pattern"
say "ext4 file and raw pattern found in the images after power-off"
