# The control socket's snapshot of a guest in ACPI S3: the guest (x86-suspend scenario,
# its RTC alarm 60 s away) sleeps under --snapshot-dir; `snapshot` writes it to that
# folder with the SNAPSHOT event, and vmm-ref exits 4. The restored VM reports itself
# suspended on its own socket and stays asleep until `wake` presses the power button;
# the guest resumes with both CPUs, `snapshot` of the running guest is refused, and the
# scenario ends with a power-off: status 0.
. /data/e2e-lib.sh
CTL=/data/cvmm-ctl
SOCK=/tmp/snap-api-s3.sock
SNAP=/tmp/snap-api-s3
refused() { [ $CTL_RC = 1 ] && echo "$REPLY" | grep -q "\"class\":\"$1\""; }

rm -rf $SNAP $SOCK
boot_guest sa0.log x86-suspend cvmm.cycles=1 cvmm.wake=60 -- --vcpus 2 --api-socket $SOCK \
	--snapshot-dir $SNAP --log-level info
wait_socket
"$CTL" "$SOCK" events >events0.log 2>&1 &
EVENTS=$!
wait_for sa0.log "the guest went to sleep (ACPI S3)" 180 || fail "the guest did not sleep"
wait_status suspended 10 || fail "query-status while asleep: $REPLY"
snapshot_on_command $SNAP $EVENTS events0.log
restore_asleep_then_wake $SNAP sa1.log
wait_for sa1.log "S3 wake-up (power button)" 30 || fail "the power button did not wake the restored guest"
wait_for sa1.log "CVMM-GUEST resumed 1 cpus 0-1" 60 || fail "no resume with both CPUs"
ctl snapshot
refused WrongState || fail "snapshot of a running guest: $REPLY"
wait_for sa1.log "CVMM-GUEST pass x86-suspend" 60 || fail "scenario did not pass"
expect_exit 60 0
say "x86_64: snapshot on command in S3, restored, woken by the power button, powered off"
