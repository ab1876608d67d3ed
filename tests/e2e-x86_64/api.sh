# The control socket on the x86_64 machine: status, pause and resume of a running guest,
# powerdown through ACPI's fixed-feature power button (a guest that acts on its "Power
# Button" input device powers off), wake refused (the guest is not suspended), and
# the events in order: PAUSE, RESUME, POWERDOWN, SHUTDOWN.
. /data/e2e-lib.sh
CTL=/data/cvmm-ctl
SOCK=/tmp/api.sock

rm -f $SOCK
boot_guest api.log keys -- --api-socket $SOCK --log-level info
wait_socket
[ -S $SOCK ] || fail "no socket at $SOCK"
"$CTL" "$SOCK" events >events.log 2>&1 &
EVENTS=$!
wait_for api.log "CVMM-GUEST waiting for the power key" 120 || fail "the guest found no power button"
ctl query-status
echo "$REPLY" | grep -q '"status":"running"' || fail "query-status: $REPLY"
ctl pause
echo "$REPLY" | grep -q '"status"' && fail "pause: $REPLY"
ctl query-status
echo "$REPLY" | grep -q '"status":"paused"' || fail "after pause: $REPLY"
ctl resume
ctl query-status
echo "$REPLY" | grep -q '"status":"running"' || fail "after resume: $REPLY"
ctl wake
[ $CTL_RC = 1 ] && echo "$REPLY" | grep -q '"class":"WrongState"' || fail "wake: $REPLY"
ctl powerdown
echo "$REPLY" | grep -q '"return"' || fail "powerdown: $REPLY"
wait_for api.log "CVMM-GUEST power key: powering off" 60 || fail "the guest saw no power button"
expect_exit 60 0
i=0
while ! gone $EVENTS && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
got=$(sed -n 's/.*"event":"\([A-Z_]*\)".*/\1/p' events.log | tr '\n' ' ')
[ "$got" = "PAUSE RESUME POWERDOWN SHUTDOWN " ] || fail "events: '$got'"
say "x86_64: pause, resume, powerdown through the ACPI power button; events: $got"
