#!/bin/sh
# x86_64 under vmm-ref --suspend deny (cvmm.test=x86-suspend-denied): the ACPI tables have
# no \_S3, so the guest is offered no "deep" sleep (suspend to RAM); choosing it fails and
# the guest goes on running. (ACPI has no way to refuse a sleep the tables offer: arm64's
# --suspend deny answers SYSTEM_SUSPEND with DENIED instead.)
. /scenarios/lib.sh
modes=$(cat /sys/power/mem_sleep)
say "mem_sleep $modes"
case $modes in *deep*) fail "deep sleep offered although denied" ;; esac
if echo deep >/sys/power/mem_sleep 2>/dev/null; then fail "deep sleep could be chosen"; fi
say "deep refused"
say "still running cpus $(online_cpus)"
