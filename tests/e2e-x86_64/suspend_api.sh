# The control socket and ACPI S3: a guest asleep (x86-suspend scenario, its RTC alarm 60 s
# away) reads "suspended" in query-status; `wake` presses the ACPI power button, which
# wakes it at once (PWRBTN_STS: the power button wakes whether or not the guest enabled
# it, and this guest has no button driver); the events are SUSPEND, WAKEUP, SHUTDOWN.
. /data/e2e-lib.sh
CTL=/data/cvmm-ctl
SOCK=/tmp/api-s3.sock

rm -f $SOCK
boot_guest api-s3.log x86-suspend cvmm.cycles=1 cvmm.wake=60 -- --vcpus 2 \
	--api-socket $SOCK --log-level info
wait_socket
[ -S $SOCK ] || fail "no socket at $SOCK"
"$CTL" "$SOCK" events >events-s3.log 2>&1 &
EVENTS=$!
ctl wake
[ $CTL_RC = 1 ] && echo "$REPLY" | grep -q '"class":"WrongState"' || fail "wake while running: $REPLY"
wait_for api-s3.log "the guest went to sleep" 180 || fail "the guest did not sleep"
wait_status suspended 10 || fail "query-status while asleep: $REPLY"
t0=$(date +%s)
ctl wake
echo "$REPLY" | grep -q '"return"' || fail "wake: $REPLY"
wait_for api-s3.log "CVMM-GUEST resumed 1 cpus 0-1" 30 || fail "no resume after wake"
t=$(($(date +%s) - t0))
[ $t -lt 50 ] || fail "resumed after $t s: the alarm, not the wake command"
grep -q "S3 wake-up (power button)" api-s3.log || fail "not woken by the power button"
wait_for api-s3.log "CVMM-GUEST pass x86-suspend" 60 || fail "scenario did not pass"
expect_exit 60 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
got=$(sed -n 's/.*"event":"\([A-Z_]*\)".*/\1/p' events-s3.log | tr '\n' ' ')
[ "$got" = "SUSPEND WAKEUP SHUTDOWN " ] || fail "events: '$got'"
say "x86_64 S3 woken by the control socket's wake after ${t} s; events: $got"
