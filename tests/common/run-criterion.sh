#!/bin/bash
# Runs a Criterion test program for ctest: verbose, one job, and exit status 77 (which
# ctest reports as a skip) when it passed only because some of its tests skipped.
# Usage: run-criterion.sh [EMULATOR...] PROGRAM   (the last argument is the program)
set -u
out=$("$@" --jobs 1 --verbose --color=never 2>&1)
rc=$?
printf '%s\n' "$out"
. "$(dirname "${BASH_SOURCE[0]}")/criterion-skip.sh"
criterion_exit_status "$rc" "$out"
