# vmm-ref --reboot: a guest reset starts the VM again, run by a supervisor process that
# forks one sandboxed child per run.
# 1. Linux reboots once and powers off on its second boot: status 0, two boots on the
#    console, one restart logged. The guest tells its boots apart by a mark it writes to
#    a raw disk on the first one.
# 2. A guest that resets at once (tests/e2e/tiny): after 10 restarts within 60 s the
#    supervisor stops with status 3 and one line; the console file holds all 11 runs.
# 3. SIGTERM to the supervisor stops the VM cleanly (status 0); a child killed by a
#    signal gives status 1 and a line naming it; a killed supervisor takes its child
#    with it (PR_SET_PDEATHSIG); without --reboot there is no child process.
. /data/e2e-lib.sh

dd if=/dev/zero of=mark.img bs=4096 count=16 2>/dev/null
boot_guest reboot.log reboot-twice -- --reboot --disk mark.img --log-level info
wait_for reboot.log "CVMM-GUEST first boot .*rebooting" 90 || fail "no first-boot marker"
wait_for reboot.log "CVMM-GUEST second boot .*mark found" 90 || fail "no second-boot marker"
expect_exit 20 0
[ "$(count reboot.log 'CVMM-GUEST init ')" = 2 ] || fail "not two boots on the console"
[ "$(count reboot.log 'CVMM-GUEST pass reboot-twice')" = 2 ] || fail "not two passes"
[ "$(count reboot.log 'info: the guest reset: starting the VM again (restart 1)')" = 1 ] ||
	fail "the restart is not logged once"
# In this order: first boot, the reset, the restart, the second boot.
order=$(grep -n "first boot\|asked for a reset\|starting the VM again\|second boot" reboot.log |
	cut -d: -f1 | tr '\n' ' ')
sorted=$(echo "$order" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
[ "$order" = "$sorted" ] && [ "$(echo $order | wc -w)" = 4 ] || fail "lines out of order: $order"
grep -q "the guest powered off" reboot.log || fail "no power-off logged"
ids=$(sed -n 's/.*CVMM-GUEST \(first\|second\) boot \([0-9a-f-]*\).*/\2/p' reboot.log | sort -u | wc -l)
[ "$ids" = 2 ] || fail "the two boots have the same boot_id"
say "--reboot: the guest booted twice (two boot ids), then powered off: status 0"

run_vmm loop.log --kernel /data/tiny-reset.Image --memory 32 --reboot --log-level info \
	--console file:loop.con
expect_exit 60 3
grep -q "^vmm-ref: the guest reset more than 10 times within 60 s" loop.log ||
	fail "no reset-loop line"
[ "$(count loop.log 'starting the VM again')" = 10 ] || fail "not 10 restarts"
[ "$(count loop.con '^R')" = 11 ] || fail "the console file holds $(count loop.con '^R') runs, not 11"
say "reset loop: 10 restarts, then status 3; the console file holds all 11 runs"

run_vmm idle.log --kernel /data/tiny-idle.Image --memory 32 --reboot
wait_for idle.log "^I" 20 || fail "the idle guest did not start"
child=$(children $VMM_PID)
[ -n "$child" ] || fail "no VM process under the supervisor"
kill -TERM $VMM_PID
expect_exit 10 0
grep -q "stopping the VM" idle.log || fail "SIGTERM: no stop message from the VM process"
gone $child || fail "the VM process $child outlived the supervisor"
say "SIGTERM to the supervisor: the VM process stopped the VM, status 0"

run_vmm kill.log --kernel /data/tiny-idle.Image --memory 32 --reboot
wait_for kill.log "^I" 20 || fail "the idle guest did not start"
child=$(children $VMM_PID)
[ -n "$child" ] || fail "no VM process under the supervisor"
kill -KILL $child
expect_exit 10 1
grep -q "^vmm-ref: the VM process (pid $child) was killed by signal 9" kill.log ||
	fail "no line naming the signal"
say "killed VM process: $(grep 'killed by signal' kill.log)"

run_vmm orphan.log --kernel /data/tiny-idle.Image --memory 32 --reboot
wait_for orphan.log "^I" 20 || fail "the idle guest did not start"
child=$(children $VMM_PID)
[ -n "$child" ] || fail "no VM process under the supervisor"
kill -KILL $VMM_PID
wait $VMM_PID 2>/dev/null
i=0
while ! gone $child && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
gone $child || fail "the VM process $child outlived its killed supervisor"
say "killed supervisor: its VM process ended too"

run_vmm plain.log --kernel /data/tiny-idle.Image --memory 32
wait_for plain.log "^I" 20 || fail "the idle guest did not start"
[ -z "$(children $VMM_PID)" ] || fail "vmm-ref without --reboot has a child process"
kill -TERM $VMM_PID
expect_exit 10 0
say "without --reboot: one process"
