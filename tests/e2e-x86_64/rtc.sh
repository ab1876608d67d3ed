# The CMOS RTC's alarm: the guest arms it through /sys/class/rtc/rtc0/wakealarm twice and
# each time its interrupt comes (x86-rtc scenario), then the guest powers off (status 0).
. /data/e2e-lib.sh
boot_guest rtc.log x86-rtc
wait_for rtc.log "CVMM-GUEST init cpus=1 scenario=x86-rtc" 90 || fail "no init marker"
wait_for rtc.log "CVMM-GUEST pass x86-rtc" 60 || fail "scenario did not pass"
say "$(grep 'CVMM-GUEST alarm' rtc.log | tr -d '\r' | tr '\n' ';')"
expect_exit 30 0
