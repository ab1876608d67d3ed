# --suspend deny on x86_64: the DSDT has no \_S3, the guest (x86-suspend-denied scenario)
# is offered no deep sleep and cannot choose it, and vmm-ref never sees the guest sleep.
. /data/e2e-lib.sh
boot_guest deny.log x86-suspend-denied -- --vcpus 2 --suspend deny --log-level info
wait_for deny.log "CVMM-GUEST pass x86-suspend-denied" 120 || fail "scenario did not pass"
! grep -q "went to sleep" deny.log || fail "vmm-ref saw the guest sleep"
grep -q "suspend deny" deny.log || fail "vmm-ref did not report its policy"
say "$(grep 'CVMM-GUEST mem_sleep' deny.log | tr -d '\r')"
expect_exit 30 0
