# An ELF vmlinux without the PVH note keeps the 64-bit boot protocol: vmm-ref starts
# Debian's vmlinux (its PVH note hidden at build time) at e_entry (startup_64) with the
# zero page, and the guest reaches /init, passes the boot scenario and powers off.
. /data/e2e-lib.sh
KERNEL=/data/guest-vmlinux-nopvh
boot_guest elf64.log boot -- --log-level info
wait_for elf64.log "CVMM-GUEST init cpus=1 scenario=boot" 90 || fail "no init marker"
grep -q "ELF vmlinux .*, entry 0x1000000$EOL" elf64.log || fail "not started at startup_64"
grep -q "PVH entry" elf64.log && fail "started through PVH although the note is hidden"
wait_for elf64.log "CVMM-GUEST pass boot" 30 || fail "scenario did not pass"
expect_exit 30 0
