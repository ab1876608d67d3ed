# vmm-ref boots Debian's cloud amd64 kernel to the guest's /init marker (x86_64 boot
# protocol, 16550 console, in-kernel irqchip), the scenario passes, and the guest's
# poweroff (ACPI S5) ends vmm-ref with status 0.
. /data/e2e-lib.sh
boot_guest boot.log boot
wait_for boot.log "CVMM-GUEST init cpus=1 scenario=boot" 90 || fail "no init marker"
wait_for boot.log "CVMM-GUEST pass boot" 30 || fail "scenario did not pass"
expect_exit 30 0
