# Two vCPUs: the guest starts the second one itself (MADT, INIT/SIPI through KVM's LAPIC)
# and reports both online, then powers off.
. /data/e2e-lib.sh
boot_guest smp.log boot -- --vcpus 2
wait_for smp.log "CVMM-GUEST init cpus=2 scenario=boot" 120 || fail "no init marker with 2 CPUs"
wait_for smp.log "CVMM-GUEST online cpus 0-1" 30 || fail "CPU 1 is not online"
expect_exit 30 0
