# The demo's part inside the emulated arm64 host (scripts/demo.sh): vmm-ref boots the
# arm64 Linux guest with 2 vCPUs, which suspends to RAM twice (PSCI SYSTEM_SUSPEND, woken
# by the PL031 alarm) and powers off. The guest console and vmm-ref's log are shown as
# they come; one summary line follows.
. /data/e2e-lib.sh
CYCLES=${CYCLES:-2}
start=$(date +%s)
"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --vcpus 2 --memory 256 --log-level info \
	--cmdline "$CONSOLE_ARGS cvmm.test=suspend cvmm.cycles=$CYCLES" </dev/null 2>&1 | tee demo.log
end=$(date +%s)
resumed=$(grep -c "CVMM-GUEST resumed [0-9]* cpus 0-1" demo.log)
woke=$(grep -c "woke up from SYSTEM_SUSPEND" demo.log)
verdict=FAIL
grep -q "CVMM-GUEST pass suspend" demo.log && [ "$resumed" = "$CYCLES" ] && [ "$woke" = "$CYCLES" ] &&
	grep -q "the guest powered off" demo.log && verdict=PASS
echo "cvmm demo: $verdict: vmm-ref booted arm64 Linux with 2 vCPUs on KVM; $resumed/$CYCLES suspend-to-RAM cycles resumed with both CPUs online; guest powered off after $((end - start)) s"
[ $verdict = PASS ]
