# virtio-net on tap devices of this host (all traffic stays between the host and its
# guest): two taps, cvmmtap0 (10.0.2.1/24) and cvmmtap1 (10.0.3.1/24), a guest with two
# devices on them. Pings both ways on both links, 64 MiB each way over the first with
# busybox nc and matching checksums, a suspend-to-RAM cycle, the links again; then the
# command line's refusals: a missing tap, and a tap another vmm-ref holds; a tap deleted
# under a running vmm-ref; on arm64, a suspend to a snapshot, its restore on the same
# taps, and the links again.
. /data/e2e-lib.sh
MIB=64
[ -e /dev/net/tun ] || fail "no /dev/net/tun (the host's tun module)"
for i in 0 1; do
	tunctl -t cvmmtap$i >/dev/null || fail "cannot create tap cvmmtap$i"
	ip addr add 10.0.$((i + 2)).1/24 dev cvmmtap$i && ip link set cvmmtap$i up ||
		fail "cannot configure cvmmtap$i"
done
dd if=/dev/urandom of=/tmp/h2g bs=1M count=$MIB 2>/dev/null
h2g_md5=$(md5sum </tmp/h2g | cut -d' ' -f1)
printf '#!/bin/sh\ncat >/tmp/g2h\n' >/tmp/sink.sh && chmod +x /tmp/sink.sh
nc -l -p 5001 -e /tmp/sink.sh &
listener=$!
boot_guest net.log net cvmm.mib=$MIB -- --vcpus 2 --memory 512 --log-level info \
	--net tap=cvmmtap0 --net tap=cvmmtap1,mac=02:00:00:00:01:15

wait_for net.log "virtio slot 1: interrupt through" 60 || fail "vmm-ref did not attach the taps"
[ "$(grep -c 'interrupt through an irqfd' net.log)" = 2 ] ||
	fail "the devices' interrupts do not go through irqfds: $(grep 'virtio slot' net.log)"
wait_for net.log "CVMM-GUEST net up" 120 || fail "the guest's links did not come up"
grep -q "CVMM-GUEST net mac .* 02:00:00:00:01:15" net.log || fail "eth1 does not have the MAC given"
say "$(grep -o 'net mac.*' net.log | tr -d '\r')"
say "$(grep -o 'net mtu.*' net.log | tr -d '\r')"
say "$(grep -o 'net irq.*' net.log | tr -d '\r')"
# arm64: the device tree makes the virtio lines edge-triggered, and the irqfds carry no
# resample eventfd (vmm-ref/src/machine.c); a level line there would lose interrupts.
if [ "$(uname -m)" = aarch64 ]; then
	grep 'net irq' net.log | grep -q 'Level' && fail "a virtio line is level-triggered on arm64"
	[ "$(grep 'net irq' net.log | grep -o ':Edge' | wc -l)" -ge 2 ] ||
		fail "the virtio lines are not edge-triggered: $(grep 'net irq' net.log)"
fi
for a in 10.0.2.15 10.0.3.15; do
	ping -c 3 -W 5 $a >/tmp/ping.out 2>&1 || { cat /tmp/ping.out; fail "no answer from $a"; }
	say "host ping $a: $(grep -o '[0-9]* packets received' /tmp/ping.out)"
done
# The running vmm-ref holds both taps: another one gets one line and status 1.
"$VMM" --kernel "$KERNEL" --net tap=cvmmtap0 >busy.log 2>&1
rc=$?
[ $rc = 1 ] && [ "$(wc -l <busy.log)" = 1 ] && grep -q "in use by another process" busy.log ||
	fail "busy tap: status $rc, $(cat busy.log)"
say "busy tap: $(cat busy.log)"

# Guest to host.
wait_for net.log "CVMM-GUEST net g2h sent" 600 || fail "the guest did not send its data"
wait $listener
g2h_md5=$(md5sum </tmp/g2h | cut -d' ' -f1)
want=$(sed -n 's/.*CVMM-GUEST net g2h md5 \([0-9a-f]*\).*/\1/p' net.log | head -n 1)
[ -n "$want" ] && [ "$g2h_md5" = "$want" ] ||
	fail "guest to host: $(stat -c %s /tmp/g2h) bytes, md5 $g2h_md5, the guest sent md5 $want"
say "guest to host: $MIB MiB, md5 $g2h_md5 matches"

# Host to guest.
wait_for net.log "CVMM-GUEST net h2g listening" 60 || fail "the guest did not listen"
nc 10.0.2.15 5002 </tmp/h2g || fail "nc to the guest failed"
# The whole line: the console may hold half of it when first looked at.
wait_for net.log "CVMM-GUEST net h2g md5 [0-9a-f]\{32\}" 600 || fail "the guest did not get the data"
got=$(sed -n 's/.*CVMM-GUEST net h2g md5 \([0-9a-f]*\).*/\1/p' net.log | head -n 1)
[ "$got" = "$h2g_md5" ] || fail "host to guest: the guest got md5 $got, the host sent $h2g_md5"
say "host to guest: $MIB MiB, md5 $got matches"

# After suspend to RAM.
wait_for net.log "CVMM-GUEST net resumed" 120 || fail "the guest did not resume"
for a in 10.0.2.15 10.0.3.15; do
	ping -c 3 -W 5 $a >/tmp/ping.out 2>&1 || { cat /tmp/ping.out; fail "no answer from $a after resume"; }
done
say "after a suspend-to-RAM cycle, both links answer pings both ways"
wait_for net.log "CVMM-GUEST pass net" 120 || fail "scenario did not pass"
expect_exit 30 0

# A tap that does not exist: one line, status 1.
"$VMM" --kernel "$KERNEL" --net tap=cvmmnone0 >bad.log 2>&1
rc=$?
[ $rc = 1 ] && [ "$(wc -l <bad.log)" = 1 ] && grep -q "no network interface 'cvmmnone0'" bad.log ||
	fail "missing tap: status $rc, $(cat bad.log)"
say "missing tap: $(cat bad.log)"

# arm64: suspend to a snapshot (vmm-ref exits 4), restore it on the same taps.
if [ "$(uname -m)" = aarch64 ]; then
	rm -rf /tmp/netsnap && mkdir /tmp/netsnap
	boot_guest snap.log net cvmm.mib=0 -- --vcpus 2 --suspend snapshot:/tmp/netsnap \
		--net tap=cvmmtap0 --net tap=cvmmtap1,mac=02:00:00:00:01:15
	wait_for snap.log "CVMM-GUEST net up" 120 || fail "the links did not come up before the snapshot"
	expect_exit 60 4
	run_vmm restore.log --restore /tmp/netsnap --log-level info
	wait_for restore.log "CVMM-GUEST net resumed" 120 || fail "the restored guest did not resume"
	for a in 10.0.2.15 10.0.3.15; do
		ping -c 3 -W 5 $a >/tmp/ping.out 2>&1 || { cat /tmp/ping.out; fail "no answer from $a after the restore"; }
	done
	wait_for restore.log "CVMM-GUEST pass net" 120 || fail "scenario did not pass after the restore"
	expect_exit 30 0
	say "after a suspend to a snapshot and its restore, both links answer pings both ways"
fi

# A tap deleted under a running vmm-ref: it says so once, stops watching the tap, whose
# descriptor would report an error for ever (next to no CPU afterwards), and runs on
# until it is stopped. The guest's links are up (its receive buffers posted) when the
# second tap goes.
boot_guest gone.log net cvmm.mib=0 cvmm.hold -- --vcpus 2 --net tap=cvmmtap0 \
	--net tap=cvmmtap1 --log-level info
wait_for gone.log "CVMM-GUEST net holding" 120 || fail "the links did not come up"
ip link delete cvmmtap1 || fail "cannot delete cvmmtap1"
wait_for gone.log "tap 'cvmmtap1' is gone" 20 || fail "vmm-ref did not see its tap go"
# The main thread, whose loop would spin on the tap's error (the vCPU threads run the
# guest, which goes on).
main_ticks() { awk '{ print $14 + $15 }' /proc/$VMM_PID/task/$VMM_PID/stat; }
t0=$(main_ticks)
sleep 2
t1=$(main_ticks)
[ $((t1 - t0)) -le 10 ] ||
	fail "vmm-ref's main thread used $((t1 - t0)) clock ticks in 2 s after its tap went"
[ "$(grep -c "is gone" gone.log)" = 1 ] || fail "the tap's end was reported more than once"
kill -TERM "$VMM_PID"
expect_exit 30 0
say "a tap deleted under the VM: $(grep -o "tap 'cvmmtap1' is gone.*" gone.log | tr -d '\r'); its main thread then used $((t1 - t0)) ticks in 2 s"
