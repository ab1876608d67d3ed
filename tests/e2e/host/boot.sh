# Boots the guest to its init marker with 1 and with 2 vCPUs; the guest powers off and
# vmm-ref exits 0.
. /data/e2e-lib.sh
for n in 1 2; do
	boot_guest boot$n.log boot -- --vcpus $n
	wait_for boot$n.log "CVMM-GUEST init cpus=$n scenario=boot" 60 || fail "$n vCPU(s): no init marker"
	want=0; [ $n = 2 ] && want=0-1
	wait_for boot$n.log "CVMM-GUEST online cpus $want$EOL" 20 || fail "$n vCPU(s): online cpus not $want"
	wait_for boot$n.log "CVMM-GUEST pass boot" 20 || fail "$n vCPU(s): scenario did not pass"
	expect_exit 20 0
	say "$n vCPU(s): booted to the marker, $(grep -c . boot$n.log) console lines"
done
