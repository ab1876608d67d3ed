# --suspend deny: the guest still sees SYSTEM_SUSPEND offered (deep sleep), its suspend
# attempt fails inside the guest, and the guest keeps running with its CPUs.
. /data/e2e-lib.sh
boot_guest deny.log suspend-denied -- --vcpus 2 --suspend deny --log-level info
wait_for deny.log "CVMM-GUEST mem_sleep .*deep" 60 || fail "deep sleep not offered"
wait_for deny.log "CVMM-GUEST suspend refused" 30 || fail "the suspend was not refused"
wait_for deny.log "CVMM-GUEST still running" 20 || fail "the guest did not go on"
wait_for deny.log "CVMM-GUEST pass suspend-denied" 20 || fail "scenario did not pass"
grep -q "SYSTEM_SUSPEND.*denied" deny.log || fail "vmm-ref did not see a SYSTEM_SUSPEND"
expect_exit 20 0
say "suspend denied, guest kept running"
