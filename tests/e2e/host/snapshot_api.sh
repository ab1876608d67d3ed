# The control socket's snapshot: a guest suspended to RAM with no alarm (scenario keys,
# cvmm.keys=wake) under --snapshot-dir goes to that folder on `snapshot` (another folder
# is refused: the sandbox opens no file after set-up), with the SNAPSHOT event, and
# vmm-ref exits 4. The restored VM reports itself suspended on its own socket, `wake`
# (the PL061's wake-up key, as restored) wakes it, `snapshot` of the running guest is
# refused, and the guest powers off on the power key: status 0.
. /data/e2e-lib.sh
CTL=/data/cvmm-ctl
SOCK=/tmp/snap-api.sock
SNAP=/tmp/snap-api
refused() { [ $CTL_RC = 1 ] && echo "$REPLY" | grep -q "\"class\":\"$1\""; }

rm -rf $SNAP $SOCK
boot_guest sa0.log keys cvmm.keys=wake -- --api-socket $SOCK --snapshot-dir $SNAP \
	--log-level info
wait_socket
"$CTL" "$SOCK" events >events0.log 2>&1 &
EVENTS=$!
wait_status suspended 90 || fail "the guest did not suspend: $REPLY"
ctl snapshot dir=/tmp/elsewhere
refused InvalidArgument || fail "snapshot to another folder: $REPLY"
snapshot_on_command $SNAP $EVENTS events0.log
restore_asleep_then_wake $SNAP sa1.log
wait_for sa1.log "CVMM-GUEST woken" 30 || fail "the wake-up key did not wake the restored guest"
wait_for sa1.log "CVMM-GUEST waiting for the power key" 30 || fail "the guest did not go on"
ctl snapshot
refused WrongState || fail "snapshot of a running guest: $REPLY"
ctl powerdown
expect_exit 30 0
say "snapshot on command, restored, woken by the wake-up key, powered off by the power key"
