# A guest MMIO access KVM cannot describe to the VMM (ldp, no instruction syndrome):
# vmm-ref ends the VM with exactly one error line and exit status 1 (or, should it ever
# emulate such accesses, the guest goes on and powers off: status 0). No crash, no hang.
. /data/hostile-lib.sh
SHOW="console.log vmm.err"
run_payload 60 console.log vmm.err --kernel /data/hostile-nisv.img --memory 16
tr -d '\r' <console.log | grep '^HOSTILE '
cat vmm.err
grep -q "HOSTILE nisv: ldp" console.log || fail "the payload did not run"
case $RC in
0) grep -q "the access completed" console.log || fail "status 0 without the access" ;;
1) [ "$(grep -c '^vmm-ref: ' vmm.err)" = 1 ] || fail "not exactly one error line" ;;
*) fail "vmm-ref exit status $RC (a crash, a signal or a hang)" ;;
esac
say "vmm-ref ended the VM cleanly (status $RC)"
