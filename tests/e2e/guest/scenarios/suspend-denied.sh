#!/bin/sh
# Under vmm-ref --suspend deny: the suspend attempt must fail inside the guest (the VMM
# answers DENIED, Linux reports EPERM) and the guest must go on running.
. /scenarios/lib.sh
modes=$(cat /sys/power/mem_sleep)
say "mem_sleep $modes"
case $modes in *deep*) ;; *) fail "deep sleep not offered" ;; esac
echo deep >/sys/power/mem_sleep
before=$(online_cpus)
if suspend_once 2 mem 2>/dev/null; then fail "suspend succeeded although denied"; fi
say "suspend refused"
[ "$(online_cpus)" = "$before" ] || fail "cpus $before before, $(online_cpus) after"
say "still running"
