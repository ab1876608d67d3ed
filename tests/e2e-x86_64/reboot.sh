# A guest reboot (ACPI reset register, the i8042's 0xFE command) ends vmm-ref with
# status 3; with --reboot the supervisor starts the VM again instead: the guest marks a
# raw disk and reboots on its first boot, finds the mark and powers off on its second,
# and vmm-ref ends with status 0.
. /data/e2e-lib.sh
boot_guest reboot.log reboot
wait_for reboot.log "CVMM-GUEST pass reboot" 90 || fail "scenario did not pass"
expect_exit 30 3

dd if=/dev/zero of=mark.img bs=4096 count=16 2>/dev/null || fail "cannot make the disk"
boot_guest reboot2.log x86-reboot-twice -- --reboot --disk /tmp/mark.img --log-level info
wait_for reboot2.log "CVMM-GUEST first boot .*rebooting" 90 || fail "no first-boot marker"
wait_for reboot2.log "CVMM-GUEST second boot .*mark found" 90 || fail "no second-boot marker"
expect_exit 30 0
[ "$(count reboot2.log 'CVMM-GUEST init ')" = 2 ] || fail "not two boots on the console"
[ "$(count reboot2.log 'CVMM-GUEST pass x86-reboot-twice')" = 2 ] || fail "not two passes"
[ "$(count reboot2.log 'info: the guest reset: starting the VM again (restart 1)')" = 1 ] ||
	fail "the restart is not logged once"
grep -q "starting the VM again (restart 2)" reboot2.log && fail "a second restart"
# In this order: first boot, the reset, the restart, the second boot, the power-off.
order=$(grep -n "first boot\|i8042 reset\|starting the VM again\|second boot\|ACPI power-off" \
	reboot2.log | cut -d: -f1 | tr '\n' ' ')
sorted=$(echo "$order" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
[ "$order" = "$sorted" ] && [ "$(echo $order | wc -w)" = 5 ] || fail "lines out of order: $order"
ids=$(sed -n 's/.*CVMM-GUEST \(first\|second\) boot \([0-9a-f-]*\).*/\2/p' reboot2.log |
	sort -u | wc -l)
[ "$ids" = 2 ] || fail "the two boots have the same boot_id"
say "--reboot: the guest booted twice (two boot ids), then powered off: status 0"
