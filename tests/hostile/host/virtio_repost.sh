# A guest whose virtio-blk read re-posts itself for ever (virtio_repost_aarch64.S) gets
# its requests served a queue's worth at a time, with everything else served in between: the
# boot vCPU's reads of the device's registers keep being answered (its "REPOST ALIVE"
# lines keep coming while the queue is busy), and SIGTERM stops vmm-ref at once (status
# 0). vmm-ref once served such a queue until it was empty, which it never is: its main
# thread never came back.
. /data/hostile-lib.sh
SHOW="vmm.err con.log"
dd if=/dev/zero of=repost.disk bs=1048576 count=0 seek=32 2>/dev/null
"$VMM" --kernel /data/virtio-repost.img --memory 128 --disk repost.disk --log-level info \
	--console file:con.log </dev/null >vmm.out 2>vmm.err &
pid=$!
i=0
until grep -q "REPOST GO" con.log 2>/dev/null; do
	[ $i -ge 300 ] && { kill -9 $pid; fail "the guest did not start its queue in 30 s"; }
	grep -q "REPOST FAIL" con.log 2>/dev/null && { kill -9 $pid; fail "$(grep FAIL con.log)"; }
	sleep 0.1
	i=$((i + 1))
done
sleep 2
a1=$(grep -c "REPOST ALIVE" con.log)
sleep 3
a2=$(grep -c "REPOST ALIVE" con.log)
say "device register reads answered while the queue was busy: $a1 after 2 s, $a2 after 5 s"
# The used index in the last two whole lines (the last line may be cut short by the stop).
alive=$(grep -E "^REPOST ALIVE 0x[0-9a-f]{16} 0x[0-9a-f]{16}" con.log | tr -d '\r' | tail -n 2)
u1=$(echo "$alive" | head -n 1 | awk '{ print $4 }')
u2=$(echo "$alive" | tail -n 1 | awk '{ print $4 }')
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null; do
	if [ $i -ge 100 ]; then
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		fail "vmm-ref did not stop within 10 s of SIGTERM"
	fi
	sleep 0.1
	i=$((i + 1))
done
wait "$pid"
rc=$?
[ "$rc" = 0 ] || fail "vmm-ref exit status $rc, expected 0 (SIGTERM)"
[ "$a2" -gt "$a1" ] || fail "the boot vCPU's device reads stopped being answered ($a1, then $a2 lines)"
grep -q "ALIVE 0x000000000000000f" con.log || fail "the device was not running (status not 0xf)"
# The queue was served all along: the used index moved between the last two lines.
say "used index in the last two lines: $u1, $u2"
[ -n "$u2" ] && [ "$u1" != "$u2" ] || fail "the queue was not being served at the end"
grep -q "DEVICE_NEEDS_RESET" vmm.err && fail "the device refused the queue: the test did not run"
say "PASS: a queue that never runs dry; the VM stayed responsive and stopped on SIGTERM"
