# vmm-ref's log under the hostile payload: each kind of refusal is logged, and only a few
# times (rate-limited), however often the guest repeats it. The payload repeats refused
# SYSTEM_SUSPEND calls about 1,600 times; a log whose length the guest decides fails this
# test. It reads the --log-level info log of hostile_hostile (same host boot) when there is
# one, else runs the payload itself.
. /data/hostile-lib.sh
SHOW="vmm.err"
if [ -s /tmp/hostile-info.log ]; then
	cp /tmp/hostile-info.log vmm.err
else
	make_disk disk.img
	run_payload 300 console.log vmm.err --kernel /data/hostile.img --memory 64 --vcpus 2 \
		--disk disk.img --rng --log-level info
	[ "$RC" = 0 ] || fail "vmm-ref exit status $RC, expected 0"
fi
say "vmm-ref logged $(wc -l <vmm.err) line(s) at --log-level info; by kind:"
sed 's/0x[0-9a-f]*/N/g; s/[0-9][0-9]*/N/g' vmm.err | sort | uniq -c | sort -rn | head -n 12
# The refusals the payload provokes, each of which should appear in the log.
grep -q "SYSTEM_SUSPEND.*\(invalid\|INVALID\)" vmm.err ||
	say "no log line names a suspend refused for a bad entry point"
grep -q "SYSTEM_SUSPEND.*\(denied\|DENIED\)" vmm.err ||
	say "no log line names a suspend denied while another vCPU runs"
grep -q "DEVICE_NEEDS_RESET" vmm.err ||
	fail "no log line names a virtqueue refused with DEVICE_NEEDS_RESET"
for d in blk rng; do
	n=$(grep -c "virtio device [0-9]* ($d .*DEVICE_NEEDS_RESET" vmm.err)
	[ "$n" = 1 ] || fail "the $d device's DEVICE_NEEDS_RESET logged $n times, expected once"
done
say "each virtio device's DEVICE_NEEDS_RESET logged once: $(grep -c 'DEVICE_NEEDS_RESET (' vmm.err) line(s)"
grep -q "honoured" vmm.err && grep -q " 0 suspend(s)" vmm.err &&
	say "suspends logged as honoured although none was (0 suspend(s))"
worst=$(sed 's/0x[0-9a-f]*/N/g; s/[0-9][0-9]*/N/g' vmm.err | sort | uniq -c | sort -rn |
	awk 'NR == 1 { print $1 }')
[ "$worst" -le 20 ] || fail "one kind of log line repeats $worst times: not rate-limited"
say "every kind of log line appears at most $worst times"
