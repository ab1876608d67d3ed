# virtio-blk read and write: the guest reads the pattern the host put at the start of a
# raw disk and writes its own at 64 KiB; after the guest's power-off (status 0) the host
# finds that pattern in the image file.
. /data/e2e-lib.sh
want="cvmm-host-wrote $$-$(date +%s)"
dd if=/dev/zero of=disk.img bs=1024 count=1024 2>/dev/null || fail "cannot make the disk"
echo "$want" | dd of=disk.img conv=notrunc 2>/dev/null || fail "cannot write the disk"
boot_guest disk.log x86-disk -- --disk /tmp/disk.img
wait_for disk.log "CVMM-GUEST pass x86-disk" 120 || fail "scenario did not pass"
grep -q "CVMM-GUEST read $want" disk.log || fail "the guest did not read the host's pattern"
grep -q "CVMM-GUEST boot loader type 0xff" disk.log ||
	fail "the bzImage did not boot with vmm-ref's zero page (loader type 0xff)"
expect_exit 30 0
wrote=$(sed -n 's/^CVMM-GUEST wrote \(cvmm-guest-wrote [0-9a-f-]*\).*/\1/p' disk.log)
[ -n "$wrote" ] || fail "no pattern reported by the guest"
got=$(dd if=disk.img bs=4096 skip=16 count=1 2>/dev/null | head -n 1)
[ "$got" = "$wrote" ] || fail "image holds '$got', the guest wrote '$wrote'"
say "the image holds the guest's '$wrote'"
