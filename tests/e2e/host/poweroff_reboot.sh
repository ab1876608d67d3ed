# A guest reboot (PSCI SYSTEM_RESET) ends vmm-ref with status 3 (a power-off gives 0:
# boot.sh).
. /data/e2e-lib.sh
boot_guest reboot.log reboot -- --vcpus 2
wait_for reboot.log "CVMM-GUEST pass reboot" 60 || fail "scenario did not pass"
expect_exit 20 3
