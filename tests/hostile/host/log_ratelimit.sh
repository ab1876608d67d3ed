# vmm-ref's log under the hostile payload: each kind of refusal is logged, and at most a
# few times (rate-limited), however often the guest repeats it. The payload repeats
# refused SYSTEM_SUSPEND calls about 1,600 times and unmapped MMIO accesses thousands of
# times; a log bounded by the guest's behaviour, not by vmm-ref, fails this test.
. /data/hostile-lib.sh
make_disk disk.img
SHOW="vmm.err"
run_payload 150 console.log vmm.err --kernel /data/hostile.img --memory 64 --vcpus 2 \
	--disk disk.img --rng --log-level debug
[ "$RC" = 0 ] || fail "vmm-ref exit status $RC, expected 0"
lines=$(wc -l <vmm.err)
say "vmm-ref logged $lines line(s) at --log-level debug; by kind:"
sed 's/0x[0-9a-f]*/N/g; s/[0-9][0-9]*/N/g' vmm.err | sort | uniq -c | sort -rn | head -n 12
# The refusals the payload provokes, each of which should appear in the log.
grep -q "SYSTEM_SUSPEND.*\(invalid\|INVALID\)" vmm.err ||
	echo "hostile: no log line names a suspend refused for a bad entry point"
grep -q "SYSTEM_SUSPEND.*\(denied\|DENIED\)" vmm.err ||
	echo "hostile: no log line names a suspend denied while another vCPU runs"
grep -q "honoured" vmm.err && grep -q "0 suspend(s)" vmm.err &&
	echo "hostile: suspends logged as honoured although none was (0 suspend(s))"
worst=$(sed 's/0x[0-9a-f]*/N/g; s/[0-9][0-9]*/N/g' vmm.err | sort | uniq -c | sort -rn |
	awk 'NR == 1 { print $1 }')
[ "$worst" -le 20 ] || fail "one kind of log line repeats $worst times: not rate-limited"
say "every kind of log line appears at most $worst times"
