# vmm-ref boots Debian's cloud amd64 kernel as an ELF vmlinux (taken out of the bzImage at
# build time) through its PVH entry: the guest reaches /init, reports a PVH boot (the
# kernel's own boot_params carry the PVH loader type, not vmm-ref's 0xff of the 64-bit
# protocol), does the virtio-blk read and write of disk.sh, and powers off (status 0);
# then it boots with two vCPUs, both online.
. /data/e2e-lib.sh
KERNEL=/data/guest-vmlinux
want="cvmm-host-wrote pvh-$$-$(date +%s)"
dd if=/dev/zero of=pvh-disk.img bs=1024 count=1024 2>/dev/null || fail "cannot make the disk"
echo "$want" | dd of=pvh-disk.img conv=notrunc 2>/dev/null || fail "cannot write the disk"
boot_guest pvh.log x86-disk -- --disk /tmp/pvh-disk.img --log-level info
wait_for pvh.log "CVMM-GUEST init cpus=1 scenario=x86-disk" 90 || fail "no init marker"
grep -q "PVH entry 0x" pvh.log || fail "vmm-ref did not start the guest at its PVH entry"
wait_for pvh.log "CVMM-GUEST boot loader type" 30 || fail "the guest did not report its loader type"
loader=$(sed -n 's/^CVMM-GUEST boot loader type \(0x[0-9a-f]*\).*/\1/p' pvh.log)
[ "$loader" != 0xff ] || fail "the guest booted through the 64-bit protocol, not PVH"
say "guest booted through PVH (boot_params loader type $loader)"
wait_for pvh.log "CVMM-GUEST pass x86-disk" 120 || fail "scenario did not pass"
grep -q "CVMM-GUEST read $want" pvh.log || fail "the guest did not read the host's pattern"
expect_exit 30 0
wrote=$(sed -n 's/^CVMM-GUEST wrote \(cvmm-guest-wrote [0-9a-f-]*\).*/\1/p' pvh.log)
[ -n "$wrote" ] || fail "no pattern reported by the guest"
got=$(dd if=pvh-disk.img bs=4096 skip=16 count=1 2>/dev/null | head -n 1)
[ "$got" = "$wrote" ] || fail "image holds '$got', the guest wrote '$wrote'"
say "the image holds the guest's '$wrote'"

# Two vCPUs through PVH: vCPU 0 runs from the PVH entry; the kernel starts the second
# one itself with INIT/SIPI, as after a bzImage boot. Not quiet: should the boot ever stop
# short of /init, the log shows where.
CONSOLE_ARGS="console=ttyS0"
boot_guest pvh-smp.log boot -- --vcpus 2
wait_for pvh-smp.log "CVMM-GUEST init cpus=2 scenario=boot" 120 || fail "no init marker with 2 CPUs"
wait_for pvh-smp.log "CVMM-GUEST online cpus 0-1" 30 || fail "CPU 1 is not online"
expect_exit 30 0
say "two vCPUs through PVH: both online"
