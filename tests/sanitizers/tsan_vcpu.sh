#!/bin/sh
# Runs tsan_vcpu (the vcpu library's races under ThreadSanitizer) with TSan's options:
# every race reported, exit status 66 when there was one.
#   tsan_vcpu.sh TSAN_VCPU WORKDIR
# Exit status: tsan_vcpu's own (0 pass, 1 a failed check, 66 a race, 77 skip).
set -u
PROG=$1 WORK=$2
mkdir -p "$WORK" && cd "$WORK" || exit 1
TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1" "$PROG"
