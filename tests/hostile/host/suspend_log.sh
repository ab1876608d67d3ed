# A guest that suspends and wakes in a loop (suspend_loop_aarch64.S) decides how many
# SYSTEM_SUSPEND calls vmm-ref honours, not how long its log grows: at --log-level info
# the "honoured" and "woke up" lines stop after a burst, with one line that says so,
# while the exit summary still counts every suspend. vmm-ref is stopped with SIGTERM
# after 8 s (status 0).
. /data/hostile-lib.sh
SHOW="vmm.err"
"$VMM" --kernel /data/suspend-loop.img --memory 64 --vcpus 1 --log-level info \
	--console file:con.log </dev/null >vmm.out 2>vmm.err &
pid=$!
sleep 8
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 0 ] || fail "vmm-ref exit status $rc, expected 0 (SIGTERM)"
suspends=$(sed -n 's/.*info: \([0-9]*\) suspend(s), \([0-9]*\) resume(s).*/\1/p' vmm.err)
[ -n "$suspends" ] || fail "no exit summary with the suspend count"
[ "$suspends" -ge 15 ] || fail "only $suspends suspends in 8 s: the loop did not run"
honoured=$(grep -c "SYSTEM_SUSPEND.*honoured" vmm.err)
woke=$(grep -c "woke up from SYSTEM_SUSPEND" vmm.err)
say "$suspends suspends honoured in 8 s; logged: $honoured honoured, $woke woke-up line(s)"
[ "$honoured" -le 10 ] || fail "$honoured 'honoured' lines for $suspends suspends: not rate-limited"
[ "$woke" -le 10 ] || fail "$woke 'woke up' lines: not rate-limited"
grep -q "honoured SYSTEM_SUSPEND calls: 10 logged" vmm.err ||
	fail "no line says that further honoured calls are not logged"
say "PASS: the suspend and wake-up lines stop after a burst; the summary counts them all"
