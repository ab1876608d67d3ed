# Shared by the benchmarks' host scripts (bench-host.sh, bench-host-x86.sh), sourced
# inside an emulated host from /data/bench-lib.sh: busybox sh, and the benchmark's output
# is "BENCH NAME VALUE" lines (with BENCH-INFO and BENCH-ERROR lines beside them).
INIT="CVMM-GUEST init"
err() { echo "BENCH-ERROR $*"; }

# own NAME COMMAND...: one boot to the guest's power-off; the VMM's own share of it is
# the time from exec to the VMM's exit less the guest kernel's uptime at /init (its
# "CVMM-GUEST init ... uptime=S" line): start-up, the guest's power-off, tear-down.
own() {
	local name=$1 out
	shift
	out=$(/data/bench_run --log own-$name.log --timeout 120 --mark "$INIT" -- "$@")
	echo "$out" | awk -v n="$name" '
		/^mark .*CVMM-GUEST init .*uptime=/ { split(substr($0, index($0, "uptime=") + 7), u, " "); up = u[1] * 1000; init = $2 }
		/^end / { end = $2 }
		/^exit / { rc = $2 }
		END {
			if (up == "" || end == "" || rc != 0) { print "BENCH-ERROR " n ": no power-off after init (exit " rc ")"; exit }
			printf "BENCH %s.own_ms %.1f\nBENCH %s.uptime_ms %.1f\nBENCH %s.total_ms %.1f\n", n, end - up, n, up, n, end
			# Before the guest clock started (the VMM start-up and the kernel before its
			# timekeeping), and from /init to the exit of the VMM (power-off, tear-down).
			printf "BENCH %s.before_clock_ms %.1f\nBENCH %s.after_init_ms %.1f\n", n, init - up, n, end - init }'
	# vmm-ref's own profile of its start-up (--log-level info), phase by phase.
	sed -n 's/.*start-up: \(.*\) ms; \([0-9.]*\) ms in all.*/\1, all \2/p' own-$name.log | tr -d '\r' |
		awk -v n="$name" '{ k = split($0, part, ", ")
			for (i = 1; i <= k; i++) {
				m = split(part[i], w, " "); v = w[m]; key = w[1]
				for (j = 2; j < m; j++) key = key "_" w[j]
				print "BENCH " n ".phase." key "_ms " v } }'
	sed -n "s/.*start-up: .* the first vCPU thread's filter \([0-9.]*\) ms.*/BENCH $name.phase.vCPU_filter_ms \1/p" own-$name.log
	sed -n "s/.*tear-down: \([0-9.]*\) ms.*/BENCH $name.teardown_ms \1/p" own-$name.log
}


# suspend_figures KEY-PREFIX SLEEP-PATTERN SLEEP-LABEL < bench_run's output of a guest
# running the bench-suspend scenario: each cycle's start to resume time
# (KEY-PREFIXsuspend-MODE.ms), the VMM's CPU share in each long sleep's windows
# (KEY-PREFIXsuspended-cpu-MODE.permille), the scenario's outcome, and how many marks
# matched SLEEP-PATTERN (the VMM's own line for each sleep).
suspend_figures() {
	awk -v p="$1" -v sleep="$2" -v label="$3" '
		/^mark / && / bench start-/ { t = $2 }
		/^mark / && / bench long-/ { t = "" }
		/^mark / && / bench resumed-/ && t != "" { printf "BENCH %ssuspend-%s.ms %.1f\n", p, substr($NF, 9), $2 - t }
		/^mark / && $0 ~ sleep { h++ }
		/^cpu_window / {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			m = substr($2, 6)  # long-MODE
			printf "BENCH %ssuspended-cpu-%s.permille %.3f\n", p, m, v["cpu_ns"] * 1000 / v["wall_ns"]
			if (v["lines"] != 0) printf "BENCH-ERROR the guest printed during a %s window\n", m
		}
		/^mark .*CVMM-GUEST (pass|fail|error)/ { print "BENCH-INFO suspend scenario: " substr($0, index($0, "CVMM-GUEST")) }
		END { print "BENCH-INFO " label " " h " times" }'
}
