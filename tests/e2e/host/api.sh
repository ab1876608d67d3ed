# The control socket (--api-socket, docs/API.md) against a real arm64 guest, driven with
# cvmm-ctl:
#   1. a guest printing a tick five times a second: the socket is mode 0600 and greets;
#      query-status says running with its vCPUs; pause stops the ticks (none for 2 s,
#      status paused), resume brings them back (status running); a bad request gets its
#      error and the socket goes on; stop ends vmm-ref with status 0; an events client
#      saw PAUSE, RESUME, STOP (reason command), in that order. query-metrics counts the
#      guest's disk reads and writes, its console output, its vCPU's exits.
#   2. a guest suspending to RAM twice, woken by its RTC: query-status follows it
#      (suspended while it sleeps); pausing the suspended guest and resuming it leaves
#      it suspended, and it still wakes; the events are SUSPEND, PAUSE, RESUME, WAKEUP,
#      SUSPEND, WAKEUP, SHUTDOWN in order; the status counts the suspend cycle and the
#      time suspended, and each WAKEUP says how long its sleep was.
#   3. powerdown presses the power key (gpio-keys on a PL061) and a guest acting on it
#      powers off; wake is refused while the guest runs.
#   4. wake brings back a guest suspended to RAM with no alarm.
#   5. under --reboot, a reset sends RESET and the next run serves the socket again.
. /data/e2e-lib.sh
CTL=/data/cvmm-ctl
SOCK=/tmp/api.sock

ticks() { count "$LOG" "CVMM-GUEST tick "; }
# events_in_order FILE NAME...: the events of FILE are exactly NAME... in that order.
events_in_order() {
	local f=$1 got
	shift
	got=$(sed -n 's/.*"event":"\([A-Z_]*\)".*/\1/p' "$f" | tr '\n' ' ')
	[ "$got" = "$* " ] || fail "events: '$got', expected '$* '"
}

# num KEY: the number after "KEY": in $REPLY (a key that appears once).
num() { echo "$REPLY" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

rm -f $SOCK
dd if=/dev/zero of=api-disk.img bs=1024 count=2048 2>/dev/null || fail "cannot make the disk"
boot_guest api.log ticker cvmm.disk=1 -- --api-socket $SOCK --log-level info \
	--disk /tmp/api-disk.img --rng
wait_for api.log "CVMM-GUEST disk done" 90 || fail "the guest did not use its disk"
wait_for api.log "CVMM-GUEST tick 3" 90 || fail "the guest does not tick"
[ -S $SOCK ] || fail "no socket at $SOCK"
mode=$(stat -c %a $SOCK)
[ "$mode" = 600 ] || fail "the socket's mode is $mode, not 600"
"$CTL" "$SOCK" events >events1.log 2>&1 &
EVENTS=$!
ctl query-status
echo "$REPLY" | grep -q '"status":"running"' || fail "query-status: $REPLY"
echo "$REPLY" | grep -q '"vcpus":\[{"id":0,"state":"running"}\]' || fail "vCPUs: $REPLY"
say "query-status: $REPLY"

# Metrics: the guest's disk reads and writes (4 KiB read, 1 KiB written), its console, its
# exits, this client.
ctl query-metrics
say "query-metrics: $REPLY"
echo "$REPLY" | grep -q '"kind":"blk"' && echo "$REPLY" | grep -q '"kind":"rng"' ||
	fail "devices: $REPLY"
[ "$(num reads)" -ge 1 ] && [ "$(num bytes_read)" -ge 4096 ] || fail "disk reads: $REPLY"
[ "$(num writes)" -ge 1 ] && [ "$(num bytes_written)" -ge 1024 ] || fail "disk writes: $REPLY"
[ "$(num errors)" = 0 ] || fail "disk errors: $REPLY"
[ "$(num runs)" -gt 0 ] && [ "$(num mmio)" -gt 0 ] || fail "vCPU exits: $REPLY"
[ "$(num bytes)" -gt 100 ] || fail "console bytes: $REPLY"
[ "$(num accepted)" -ge 2 ] || fail "control clients: $REPLY"

ctl pause
echo "$REPLY" | grep -q '"return"' || fail "pause: $REPLY"
status_is paused || fail "after pause: $REPLY"
before=$(ticks)
sleep 2
after=$(ticks)
[ "$after" -le $((before + 1)) ] || fail "the guest ticked $((after - before)) times while paused"
say "paused: $((after - before)) tick(s) in 2 s (one may have been on its way)"
ctl pause
echo "$REPLY" | grep -q '"return"' || fail "a second pause: $REPLY"
ctl resume
status_is running || fail "after resume: $REPLY"
wait_for api.log "CVMM-GUEST tick $((after + 5))$EOL" 20 || fail "no ticks after resume"
say "resumed: ticking again"

ctl no-such-command
[ $CTL_RC = 1 ] && echo "$REPLY" | grep -q '"class":"CommandNotFound"' ||
	fail "an unknown command: $CTL_RC $REPLY"
# No --snapshot-dir: the sandbox could not open one now.
ctl snapshot
[ $CTL_RC = 1 ] && echo "$REPLY" | grep -q '"class":"NotSupported"' ||
	fail "snapshot without a folder: $CTL_RC $REPLY"
ctl query-status
echo "$REPLY" | grep -q '"return"' || fail "the socket after an error: $REPLY"

ctl stop
echo "$REPLY" | grep -q '"return"' || fail "stop: $REPLY"
expect_exit 30 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
gone $EVENTS || fail "the events client did not see the end"
events_in_order events1.log PAUSE RESUME STOP
grep -q '"event":"STOP","data":{"reason":"command"}' events1.log || fail "STOP: $(cat events1.log)"
say "events: $(sed -n 's/.*"event":"\([A-Z_]*\)".*/\1/p' events1.log | tr '\n' ' ')"

# 2. Suspend to RAM twice; the first sleep long enough to pause and resume within it.
# The events client connects as soon as the socket exists: before the vCPUs start.
rm -f $SOCK
boot_guest api2.log suspend cvmm.cycles=2 cvmm.wake=6 -- --api-socket $SOCK --log-level info
i=0
while [ ! -S $SOCK ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
"$CTL" "$SOCK" events >events2.log 2>&1 &
EVENTS=$!
wait_for api2.log "CVMM-GUEST init" 90 || fail "no init marker (suspend guest)"
wait_status suspended 60 || fail "query-status never said suspended: $REPLY"
say "suspended: $REPLY"
ctl pause
status_is paused || fail "pausing the suspended guest: $REPLY"
ctl resume
status_is suspended || fail "resuming the paused suspended guest: $REPLY"
say "paused and resumed while suspended: still suspended"
wait_for api2.log "CVMM-GUEST resumed 1 " 60 || fail "no wake-up after the pause"
# The second cycle follows at once: the status is read while the guest goes on.
ctl query-status
echo "$REPLY" | grep -q '"suspend_cycles":[12],' || fail "suspend cycles: $REPLY"
ms=$(echo "$REPLY" | sed -n 's/.*"suspended_ms":\([0-9]*\).*/\1/p')
[ "${ms:-0}" -ge 3000 ] || fail "time suspended after a 6 s sleep: $REPLY"
say "after the first cycle: $REPLY"
wait_for api2.log "CVMM-GUEST resumed 2 " 60 || fail "no second wake-up"
wait_for api2.log "CVMM-GUEST pass suspend" 30 || fail "the suspend scenario did not pass"
expect_exit 30 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
events_in_order events2.log SUSPEND PAUSE RESUME WAKEUP SUSPEND WAKEUP SHUTDOWN
first=$(sed -n 's/.*"event":"WAKEUP","data":{"vcpu":0,"suspended_ms":\([0-9]*\)}.*/\1/p' events2.log | head -n1)
[ "${first:-0}" -ge 3000 ] || fail "the first WAKEUP's suspended_ms: $(cat events2.log)"
say "events: $(sed -n 's/.*"event":"\([A-Z_]*\)".*/\1/p' events2.log | tr '\n' ' ')"

# 3. The keys (a PL061 with gpio-keys in the device tree): wake is refused while the guest
#    runs; powerdown presses the power key, and a guest that acts on it powers off.
rm -f $SOCK
boot_guest api3.log keys -- --api-socket $SOCK --log-level info
i=0
while [ ! -S $SOCK ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
"$CTL" "$SOCK" events >events3.log 2>&1 &
EVENTS=$!
wait_for api3.log "CVMM-GUEST waiting for the power key" 90 || fail "the guest found no keys"
ctl wake
[ $CTL_RC = 1 ] && echo "$REPLY" | grep -q '"class":"WrongState"' || fail "wake while running: $REPLY"
ctl powerdown
echo "$REPLY" | grep -q '"return"' || fail "powerdown: $REPLY"
wait_for api3.log "CVMM-GUEST power key: powering off" 30 || fail "the guest saw no power key"
expect_exit 30 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
events_in_order events3.log POWERDOWN SHUTDOWN
say "powerdown: the guest powered off"

# 4. wake: a guest suspended to RAM with no alarm sleeps until the wake-up key, then acts
#    on its power key.
rm -f $SOCK
boot_guest api4.log keys cvmm.keys=wake -- --api-socket $SOCK --log-level info
i=0
while [ ! -S $SOCK ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
"$CTL" "$SOCK" events >events4.log 2>&1 &
EVENTS=$!
wait_status suspended 90 || fail "the guest did not suspend: $REPLY"
sleep 2
status_is suspended || fail "the guest woke up by itself: $REPLY"
ctl wake
echo "$REPLY" | grep -q '"return"' || fail "wake: $REPLY"
wait_for api4.log "CVMM-GUEST woken" 30 || fail "the wake-up key did not wake the guest"
wait_for api4.log "CVMM-GUEST waiting for the power key" 30 || fail "the guest did not go on"
ctl powerdown
expect_exit 30 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
events_in_order events4.log SUSPEND WAKEUP POWERDOWN SHUTDOWN
say "wake: the suspended guest woke up on the wake-up key"

# 5. A reset under --reboot: the run's clients get RESET (cause guest), then the end of the
#    connection; the next run replaces the dead socket with its own (or it could not start)
#    and the guest powers off on its second boot.
rm -f $SOCK
dd if=/dev/zero of=api-mark.img bs=4096 count=16 2>/dev/null
boot_guest api5.log reboot-twice -- --reboot --disk /tmp/api-mark.img --api-socket $SOCK \
	--log-level info
i=0
while [ ! -S $SOCK ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
"$CTL" "$SOCK" events >events5.log 2>&1 &
EVENTS=$!
wait_for api5.log "CVMM-GUEST second boot .*mark found" 120 || fail "no second boot"
expect_exit 30 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
gone $EVENTS || fail "the first run's client was not disconnected"
events_in_order events5.log RESET
grep -q '"event":"RESET","data":{"cause":"guest"}' events5.log || fail "RESET: $(cat events5.log)"
say "--reboot: RESET to the first run's clients; the second run served its own socket"
