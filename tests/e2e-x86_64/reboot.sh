# A guest reboot (ACPI reset register, the i8042's 0xFE command) ends vmm-ref with
# status 3.
. /data/e2e-lib.sh
boot_guest reboot.log reboot
wait_for reboot.log "CVMM-GUEST pass reboot" 90 || fail "scenario did not pass"
expect_exit 30 3
