# A guest MMIO access KVM cannot describe to the VMM (ldp, no instruction syndrome):
# vmm-ref ends the VM with exactly one error line, which names the faulting IPA and the
# missing syndrome (vmm-ref enables KVM_CAP_ARM_NISV_TO_USER), and exit status 1 (or,
# should it ever emulate such accesses, the guest goes on and powers off: status 0). No
# crash, no hang.
. /data/hostile-lib.sh
SHOW="console.log vmm.err"
run_payload 60 console.log vmm.err --kernel /data/hostile-nisv.img --memory 16
tr -d '\r' <console.log | grep '^HOSTILE '
cat vmm.err
grep -q "HOSTILE nisv: ldp" console.log || fail "the payload did not run"
case $RC in
0) grep -q "the access completed" console.log || fail "status 0 without the access" ;;
1)
	[ "$(grep -c '^vmm-ref: ' vmm.err)" = 1 ] || fail "not exactly one error line"
	# The line names the access: the UART's IPA, and that it had no valid syndrome.
	grep -q "^vmm-ref: vCPU 0: the guest accessed IPA 0x9000000 .*no valid syndrome" vmm.err ||
		fail "the error line does not name the faulting IPA 0x9000000 and the missing syndrome"
	;;
*) fail "vmm-ref exit status $RC (a crash, a signal or a hang)" ;;
esac
say "vmm-ref ended the VM cleanly (status $RC)"
