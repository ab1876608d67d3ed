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
ctl snapshot dir=$SNAP
echo "$REPLY" | grep -q '"return"' || fail "snapshot: $REPLY"
expect_exit 60 4
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "\"event\":\"SNAPSHOT\".*\"dir\":\"$SNAP\"" events0.log || fail "no SNAPSHOT event: $(cat events0.log)"
[ -s $SNAP/a.state ] || fail "no snapshot in $SNAP"

rm -f $SOCK
run_vmm sa1.log --restore $SNAP --api-socket $SOCK --snapshot-dir $SNAP --log-level info
wait_socket
wait_status suspended 30 || fail "the restored guest is not suspended: $REPLY"
sleep 2
status_is suspended || fail "the restored guest woke up by itself: $REPLY"
ctl wake
echo "$REPLY" | grep -q '"return"' || fail "wake: $REPLY"
wait_for sa1.log "CVMM-GUEST woken" 30 || fail "the wake-up key did not wake the restored guest"
wait_for sa1.log "CVMM-GUEST waiting for the power key" 30 || fail "the guest did not go on"
ctl snapshot
refused WrongState || fail "snapshot of a running guest: $REPLY"
ctl powerdown
expect_exit 30 0
say "snapshot on command, restored, woken by the wake-up key, powered off by the power key"
