# SIGTERM (and SIGINT) stop a running guest cleanly: vmm-ref says so and exits 0; the
# terminal is not involved (stdin is /dev/null).
. /data/e2e-lib.sh
for sig in TERM INT; do
	boot_guest sig$sig.log idle -- --vcpus 2
	wait_for sig$sig.log "CVMM-GUEST idle" 60 || fail "SIG$sig: no idle marker"
	kill -$sig $VMM_PID
	expect_exit 10 0
	grep -q "stopping the VM" sig$sig.log || fail "SIG$sig: no stop message"
	say "SIG$sig: clean stop"
done
